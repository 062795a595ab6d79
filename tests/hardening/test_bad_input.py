"""Bad input sweep (hypothesis): caption files and their info.json, both chunkers, prompt files
and command-line arguments. Nothing raises but ScriptwrightError, what is parsed is usable
downstream, and a failed ingest or command leaves the stored rows as they were."""

from __future__ import annotations

import json
import math
import shutil
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, example, given, settings, strategies as st
from typer.testing import CliRunner

from pipelines import cli, corpus, jobs
from pipelines.errors import ScriptwrightError
from pipelines.evidence.sources import chunk_text
from pipelines.ingest.chunk import MAX_WORDS, MIN_WORDS, chunk_segments
from pipelines.ingest.files import doc_from_group, group_files
from pipelines.ingest.model import Segment
from pipelines.ingest.parse import parse_caption_bytes
from pipelines.prompts import PromptService
from pipelines.settings import Settings
from pipelines.store.duckdb import connect
from pipelines.store.vectors import VectorStore

SHIPPED_PROMPTS = Path(__file__).resolve().parents[2] / "prompts"
SWEEP = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                 suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                        HealthCheck.filter_too_much])
SLOW_SWEEP = settings(SWEEP, max_examples=25)  # each example is a CLI run or an ingest job on a real workspace
SRT = "1\n00:00:01,000 --> 00:00:03,500\nPrimes never run out, and here is why.\n\n" \
      "2\n00:00:03,500 --> 00:00:06,000\nSuppose you had them all in a list.\n"

# ---------------------------------------------------------------- caption files

_NUMBER = st.one_of(st.integers(-10**20, 10**20), st.floats(allow_nan=True, allow_infinity=True),
                    st.sampled_from(["1e309", "-1e309", "NaN", "Infinity", "-Infinity", "1.5", "\"12\"", "null"]))


def _json3(events: list[tuple[Any, Any, Any]]) -> bytes:
    body = ",".join(f'{{"tStartMs": {s}, "dDurationMs": {d}, "segs": [{{"utf8": {json.dumps(t)}}}]}}'
                    for s, d, t in events)
    return f'{{"events": [{body}]}}'.encode()


JSON3 = st.lists(st.tuples(_NUMBER.map(str), _NUMBER.map(str), st.text(max_size=30)), max_size=6).map(_json3)
NESTED = st.integers(1, 200_000).map(lambda n: b'{"events": ' + b"[" * n + b"]" * n + b"}")


@SWEEP
@given(raw=st.one_of(JSON3, NESTED))
@example(raw=b"[" * 100_000)
@example(raw=b'{"events": [{"tStartMs": NaN, "dDurationMs": 1, "segs": [{"utf8": "hello there"}]}]}')
@example(raw=b'{"events": [{"tStartMs": 1e309, "dDurationMs": 1, "segs": [{"utf8": "hello there"}]}]}')
def test_json3_gives_finite_timed_segments_or_a_scriptwright_error(raw: bytes) -> None:
    try:
        segments = parse_caption_bytes(raw, "fuzz.json3")
    except ScriptwrightError as exc:
        assert str(exc).startswith("fuzz.json3:") and "\n" not in str(exc)
        return
    for s in segments:
        for t in (s.start_s, s.end_s):
            assert t is None or (isinstance(t, float) and math.isfinite(t)), segments
            corpus.clock(t)  # shown as m:ss everywhere a passage is listed


_JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-10**30, 10**30), st.floats(), st.text(max_size=20)),
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12)
_INFO_KEYS = ["id", "title", "fulltitle", "webpage_url", "description", "upload_date", "release_date", "timestamp",
              "duration", "view_count", "like_count", "chapters", "comments", "extractor_key", "display_id"]
_COMMENT = st.fixed_dictionaries({}, optional={k: _JSON_VALUE for k in ("id", "text", "author", "author_id",
                                                                         "parent", "like_count", "timestamp")})
INFO = st.one_of(
    _JSON_VALUE,
    st.fixed_dictionaries({}, optional={**{k: _JSON_VALUE for k in _INFO_KEYS},
                                        "comments": st.one_of(_JSON_VALUE, st.lists(_COMMENT, max_size=3))}),
)


@SWEEP
@given(info=INFO)
@example(info={"id": "x", "title": "T", "timestamp": 1e20})
@example(info={"id": "x", "comments": [{"text": "hi", "timestamp": -1e20}]})
@example(info=[1, 2])
def test_an_info_json_gives_a_storable_video_or_a_scriptwright_error(info: Any, tmp_path_factory) -> None:
    folder = tmp_path_factory.mktemp("info")
    (folder / "talk.srt").write_text(SRT, encoding="utf-8")
    (folder / "talk.info.json").write_text(json.dumps(info), encoding="utf-8")
    try:
        doc, _ = doc_from_group(group_files(sorted(folder.iterdir()))[0])
    except ScriptwrightError as exc:
        assert str(exc).startswith("talk.info.json:") and "\n" not in str(exc)
        return
    assert isinstance(doc.source_id, str) and doc.source_id and isinstance(doc.title, str) and doc.title
    for value in (doc.duration_s,):
        assert value is None or (isinstance(value, (int, float)) and math.isfinite(value))
    for value in (doc.view_count, doc.like_count):
        assert value is None or isinstance(value, int)
    assert doc.published_at is None or isinstance(doc.published_at, str)
    for c in doc.comments:
        assert isinstance(c["comment_id"], str) and isinstance(c["text"], str)
        assert c["likes"] is None or isinstance(c["likes"], int)


# ---------------------------------------------------------------- chunkers

_WORD = st.one_of(st.text(string.ascii_letters, min_size=1, max_size=8),
                  st.sampled_from(["end.", "why?", "wow!", "“quote.”", "…", "-", "3.14", "e.g.", "Dr."]))
_TIME = st.one_of(st.none(), st.floats(0, 36_000))
SEGMENTS = st.lists(st.tuples(_TIME, _TIME, st.lists(_WORD, max_size=80)), max_size=30).map(
    lambda raw: [Segment(a, b, " ".join(words)) for a, b, words in raw])


def _covers_in_order(chunks: list[str], words: list[str]) -> bool:
    """Every word appears, in order, once the one-sentence overlaps are skipped."""
    position = 0
    for chunk in chunks:
        parts = chunk.split()
        # the overlap: this chunk may start by repeating the tail of what was already covered
        start = next(k for k in range(min(len(parts), position), -1, -1) if words[position - k:position] == parts[:k])
        if words[position:position + len(parts) - start] != parts[start:]:
            return False
        position += len(parts) - start
    return position == len(words)


@SWEEP
@given(segments=SEGMENTS)
def test_caption_chunks_cover_every_word_within_the_size_limits(segments: list[Segment]) -> None:
    chunks = chunk_segments(segments)
    words = " ".join(s.text for s in segments).split()
    assert [c.idx for c in chunks] == list(range(len(chunks)))
    assert bool(chunks) == bool(words)
    assert all(c.text.strip() for c in chunks)
    assert _covers_in_order([c.text for c in chunks], words)
    assert all(c.n_words <= MAX_WORDS + MIN_WORDS // 3 for c in chunks)


_PARAGRAPH = st.lists(_WORD, max_size=400).map(" ".join)
TEXTS = st.one_of(st.text(max_size=2000),
                  st.lists(_PARAGRAPH, max_size=6).map("\n\n".join),
                  st.lists(_PARAGRAPH, max_size=6).map("\n".join))


@SWEEP
@given(text=TEXTS)
@example(text=" ".join(["word"] * 500))
def test_source_chunks_cover_every_word_within_the_size_limit(text: str) -> None:
    chunks = chunk_text(text)
    assert " ".join(" ".join(chunks).split()) == " ".join(text.split())
    assert all(c.strip() for c in chunks)
    assert all(len(c.split()) <= 120 for c in chunks), [len(c.split()) for c in chunks]


# ---------------------------------------------------------------- prompt files

_YAML_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=20))
_FRONT = st.one_of(
    st.text(max_size=200),
    st.dictionaries(st.sampled_from(["description", "inputs", "outputs", "notes", "extra"]),
                    st.one_of(_YAML_SCALAR, st.lists(_YAML_SCALAR, max_size=4),
                              st.dictionaries(st.text(max_size=8), _YAML_SCALAR, max_size=3),
                              st.just(["idea", "style", "voice", "facts"]), st.just(["hook"])),
                    max_size=5).map(lambda d: json.dumps(d)),  # JSON is YAML
)
PROMPT_FILE = st.one_of(
    st.binary(max_size=300),
    st.tuples(st.sampled_from(["---\n", "---\r\n", "", "--- \n", "---"]), _FRONT,
              st.sampled_from(["\n---\n", "\n---", "\n", "\n--\n"]), st.text(max_size=200))
    .map(lambda p: "".join(p).encode("utf-8", "surrogatepass")),
)
TAGS_FILE = st.one_of(st.text(max_size=200),
                      st.dictionaries(st.text(max_size=10), st.one_of(_YAML_SCALAR, st.dictionaries(
                          st.sampled_from(["hook", "outline", "nope"]), st.text(max_size=6), max_size=3)),
                          max_size=3).map(json.dumps))


@pytest.fixture
def prompts_dir(tmp_path: Path) -> Path:
    target = tmp_path / "prompts"
    shutil.copytree(SHIPPED_PROMPTS, target, ignore=shutil.ignore_patterns("compiled"))
    return target


@SWEEP
@given(raw=PROMPT_FILE, version=st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,8}", fullmatch=True))
def test_a_prompt_file_loads_or_is_one_problem(raw: bytes, version: str, prompts_dir: Path, data_dir: Path) -> None:
    assume(version not in ("v1", "v2"))
    path = prompts_dir / "hook" / f"{version}.md"
    path.write_bytes(raw)
    service = PromptService(Settings(data_dir=data_dir, prompts_dir=prompts_dir))
    try:
        prompt = service.load("hook", version)
    except ScriptwrightError as exc:
        assert str(exc).startswith(str(path)) and "Traceback" not in str(exc)
        problems = service.validate()
        assert [p for p in problems if p.path == path], "validate reports the same file"
    else:
        assert prompt.instructions.strip() and prompt.description
        assert set(prompt.inputs) == {"idea", "style", "voice", "facts"} and prompt.outputs == ("hook",)
        assert not [p for p in service.validate() if p.path == path]
    finally:
        path.unlink()


@SWEEP
@given(raw=TAGS_FILE, tag=st.text(max_size=12))
def test_a_tags_file_resolves_or_is_one_problem(raw: str, tag: str, prompts_dir: Path, data_dir: Path) -> None:
    (prompts_dir / "pipeline-tags.yaml").write_text(raw, encoding="utf-8")
    service = PromptService(Settings(data_dir=data_dir, prompts_dir=prompts_dir))
    problems = service.validate()
    assert all(str(p).startswith(str(prompts_dir)) for p in problems)
    try:
        service.resolve("hook", tag or None)
    except ScriptwrightError:
        return


# ---------------------------------------------------------------- command-line arguments

TABLES = ("creators", "videos", "segments", "chunks", "comments", "projects", "drafts", "sources", "dna_snapshots",
          "eval_runs", "feedback")


def row_counts(settings: Settings) -> dict[str, int]:
    with connect(settings.duckdb_path) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}
    return counts | {"lancedb chunks": VectorStore(settings.lancedb_dir).count()}


# argv cannot carry a NUL byte
ARG = st.one_of(st.text(max_size=30), st.sampled_from(["", " ", "-", "--", "--json", "pip-halloran", "../..",
                                                        "'; DROP TABLE videos; --", "%", "0", "-1", "v1", "stable",
                                                        "hook", "9" * 30])).map(lambda s: s.replace("\x00", ""))
MISSING = Path("/nonexistent-scriptwright-sweep")
COMMANDS = [
    lambda a, b: ["search", a, "--creator", b],
    lambda a, b: ["dna", "show", "--creator", a],
    lambda a, b: ["dna", "diff", "--creator", a, "--old", b],
    lambda a, b: ["jobs", "show", a],
    lambda a, b: ["jobs", "cancel", a],
    lambda a, b: ["projects", "--creator", a],
    lambda a, b: ["drafts", "list", "--project", a],
    lambda a, b: ["drafts", "show", "--project", a, "--version", b],
    lambda a, b: ["drafts", "restore", "--project", a, "--version", b],
    lambda a, b: ["drafts", "feedback", "--project", a, "--target", b, "--rating", "up"],
    lambda a, b: ["prompts", "show", a, "--version", b],
    lambda a, b: ["prompts", "diff", "hook", a, b],
    lambda a, b: ["eval", "compare", a, b],
    # ingest only ever gets a path that does not exist: "../.." would ingest whatever lies there
    lambda a, b: ["ingest", str(MISSING / f"x{a.replace('/', '_')}"), "--creator", b],
    lambda a, b: ["voice", "score", a, "--creator", b],
]


@SLOW_SWEEP
@given(command=st.sampled_from(range(len(COMMANDS))), a=ARG, b=ARG)
@example(command=len(COMMANDS) - 1, a="", b="pip-halloran")  # voice score on a folder
@example(command=len(COMMANDS) - 2, a="captions", b="A Typo Of A Name")  # ingest for a new creator
def test_cli_arguments_give_a_result_or_one_user_error_and_write_nothing(command: int, a: str, b: str,
                                                                         sample_settings: Settings) -> None:
    args = COMMANDS[command](a, b)
    before = row_counts(sample_settings)
    result = CliRunner().invoke(cli.app, args)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        assert isinstance(result.exception, ScriptwrightError), (args, repr(result.exception))
    if result.exit_code != 0:
        assert row_counts(sample_settings) == before, args


# ---------------------------------------------------------------- a failed ingest writes nothing

CAPTION = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.lists(st.sampled_from(SRT.splitlines() + ["", "WEBVTT", "00:00:01.000 --> 00:00:02.000", "-->", "\x00",
                                                "Speaker 1:  00:05  ", "[Music]"]), max_size=12)
    .map(lambda lines: "\n".join(lines).encode()),
)


@SLOW_SWEEP
@given(raw=CAPTION, ext=st.sampled_from([".srt", ".vtt", ".json3", ".txt", ".info.json", ".zip", ".pdf"]),
       new_creator=st.booleans())
@example(raw=b"\x00junk", ext=".srt", new_creator=True)
def test_a_failed_ingest_leaves_the_stored_rows_as_they_were(raw: bytes, ext: str, new_creator: bool,
                                                              settings: Settings, tmp_path_factory) -> None:
    corpus.ensure_creator(settings, "Fuzz Keeper")
    folder = tmp_path_factory.mktemp("ingest")
    (folder / f"talk{ext}").write_bytes(raw)
    before = row_counts(settings)
    job = jobs.submit_and_run(settings, "ingest", {"creator": "Fuzz New" if new_creator else "Fuzz Keeper",
                                                   "sources": [str(folder)]})
    after = row_counts(settings)
    if job["status"] == "failed":
        assert not job["error"].startswith("Unexpected error"), job["error"]
        assert after == before, job["error"]
        return
    assert job["status"] == "succeeded"
    added = job["result"]["added"]
    assert after["videos"] - before["videos"] == added <= 1
    assert (after["chunks"] - before["chunks"]) == (after["lancedb chunks"] - before["lancedb chunks"])
    if added:
        assert after["segments"] > before["segments"] and after["chunks"] > before["chunks"]


def test_an_empty_source_name_is_refused_not_read_as_the_working_directory(settings: Settings, tmp_path: Path,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "talk.srt").write_text(SRT, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    job = jobs.submit_and_run(settings, "ingest", {"creator": "Fuzz Keeper", "sources": [""]})
    assert job["status"] == "failed" and "empty source name" in job["error"]
    assert row_counts(settings)["videos"] == 0 and row_counts(settings)["creators"] == 0
