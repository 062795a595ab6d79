"""Ingest into the real stores (DuckDB + LanceDB + the packaged embedder).

The 3Blue1Brown corpus (40 videos, ~142k words) is ingested once per module into its own
data dir; the other tests use small files in the per-test data dir.
"""

from __future__ import annotations

import csv
import json
import math
import os
import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pipelines import corpus, jobs
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, rows
from pipelines.store.vectors import VectorStore
from tests.conftest import REPO, SAMPLE, SHARED_CORPORA

CLI = REPO / ".venv" / "bin" / "scriptwright"
B1B = SHARED_CORPORA / "3b1b"

needs_corpora = pytest.mark.skipif(not B1B.is_dir(), reason="shared corpora not present")


# --------------------------------------------------------------------------- helpers

def ingest(settings: Settings, sources: list[Path | str], creator: str = "tester", **params: Any) -> dict[str, Any]:
    return jobs.submit_and_run(settings, "ingest", {"creator": creator, "sources": [str(s) for s in sources], **params})


def query(settings: Settings, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return rows(conn, sql, params or [])


def statuses(job: dict[str, Any]) -> dict[str, str]:
    return {item["name"]: item["status"] for item in job["items"]}


def run_cli(args: list[str], data_dir: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    env = os.environ.copy()
    env["SCRIPTWRIGHT_DATA_DIR"] = str(data_dir)
    env.pop("FORCE_COLOR", None)
    return subprocess.run([str(CLI), *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def snapshot(settings: Settings) -> dict[str, Any]:
    """Everything that must not change when nothing was re-ingested."""
    videos = query(settings, "SELECT id, creator_id, source_id, title, content_hash, ingested_at, n_words"
                             " FROM videos ORDER BY id")
    chunk_ids = query(settings, "SELECT video_id, list(id ORDER BY id) AS ids FROM chunks GROUP BY video_id"
                                " ORDER BY video_id")
    n_segments = query(settings, "SELECT count(*) AS n FROM segments")[0]["n"]
    lance = VectorStore(settings.lancedb_dir)
    return {"videos": videos, "chunk_ids": chunk_ids, "segments": n_segments, "lance": lance.count(),
            "lance_ids": lance.ids("video_id >= 0")}


def assert_stores_consistent(settings: Settings) -> None:
    """No duplicate rows, and LanceDB holds exactly DuckDB's chunks, video by video."""
    dup_videos = query(settings, "SELECT creator_id, source_id FROM videos GROUP BY ALL HAVING count(*) > 1")
    dup_segments = query(settings, "SELECT video_id, idx FROM segments GROUP BY ALL HAVING count(*) > 1")
    dup_chunks = query(settings, "SELECT video_id, idx FROM chunks GROUP BY ALL HAVING count(*) > 1")
    assert dup_videos == dup_segments == dup_chunks == []
    orphans = query(settings, "SELECT count(*) AS n FROM chunks WHERE video_id NOT IN (SELECT id FROM videos)")
    assert orphans[0]["n"] == 0
    lance = VectorStore(settings.lancedb_dir)
    for v in query(settings, "SELECT v.id, (SELECT list(id) FROM chunks k WHERE k.video_id = v.id) AS ids"
                             " FROM videos v"):
        assert lance.ids(f"video_id = {v['id']}") == set(v["ids"] or [])
    total = query(settings, "SELECT count(*) AS n FROM chunks")[0]["n"]
    assert lance.count() == total


def manifest_words(creator: str, fmt: str) -> dict[str, int]:
    with (SHARED_CORPORA / "MANIFEST.csv").open(encoding="utf-8") as fh:
        return {r["video_id_or_slug"]: int(r["words"]) for r in csv.DictReader(fh)
                if r["creator"] == creator and r["format"] == fmt}


def tokens(text: str) -> list[str]:
    return re.findall(r"[a-z0-9']+", text.lower())


# --------------------------------------------------------------------------- (a) the 3b1b corpus, ingested once

@pytest.fixture(scope="module")
def b1b(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, dict[str, Any]]:
    """3b1b ingested once into its own data dir (about a minute: embedding ~140k words)."""
    if not B1B.is_dir():
        pytest.skip("shared corpora not present")
    path = tmp_path_factory.mktemp("b1b-workspace") / "data"
    s = Settings(data_dir=path)
    s.ensure_dirs()
    job = jobs.submit_and_run(s, "ingest", {"creator": "3b1b", "sources": [str(B1B)]})
    return s, job


@needs_corpora
def test_3b1b_pairs_become_40_videos(b1b):
    s, job = b1b
    assert job["status"] == "succeeded", job["error"]
    slugs = sorted({p.stem for p in B1B.iterdir()})
    assert len(slugs) == 40
    r = job["result"]
    assert (r["added"], r["updated"], r["unchanged"], r["failed"]) == (40, 0, 0, 0)
    assert len(job["items"]) == 40
    assert set(statuses(job).values()) == {"added"}
    # every item is one srt + txt pair
    assert set(statuses(job)) == {f"{slug}.srt, {slug}.txt" for slug in slugs}

    videos = query(s, "SELECT source, source_id, title, duration_s, language FROM videos ORDER BY source_id")
    assert [v["source_id"] for v in videos] == slugs
    assert {v["source"] for v in videos} == {"file"}
    assert {v["language"] for v in videos} == {"en"}
    assert all(v["duration_s"] and v["duration_s"] > 60 for v in videos)
    # timings came from the .srt: every segment is timed
    untimed = query(s, "SELECT count(*) AS n FROM segments WHERE start_s IS NULL OR end_s IS NULL")
    assert untimed[0]["n"] == 0


@needs_corpora
def test_3b1b_word_count_matches_the_manifest(b1b):
    s, job = b1b
    expected = sum(manifest_words("3b1b", "txt").values())
    assert len(manifest_words("3b1b", "txt")) == 40
    (creator,) = corpus.list_creators(s)
    assert creator["slug"] == "3b1b" and creator["videos"] == 40
    assert abs(creator["words"] - expected) <= 0.01 * expected, (creator["words"], expected)
    assert job["result"]["words"] == creator["words"]
    # per video the text (and its timings) come from the .srt, which for a few videos is
    # shorter than the .txt: compare each with the manifest's count for its .srt
    per_video = {v["source_id"]: v["n_words"] for v in corpus.list_videos(s, creator["id"])}
    for slug, words in manifest_words("3b1b", "srt").items():
        assert abs(per_video[slug] - words) <= max(5, 0.01 * words), slug
    assert creator["chunks"] > 40 * 5
    assert_stores_consistent(s)


@needs_corpora
def test_3b1b_reingest_changes_nothing(b1b):
    s, _ = b1b
    before_creators = corpus.list_creators(s)
    before = snapshot(s)
    again = jobs.submit_and_run(s, "ingest", {"creator": "3b1b", "sources": [str(B1B)]})
    assert again["status"] == "succeeded", again["error"]
    r = again["result"]
    assert (r["added"], r["updated"], r["unchanged"], r["repaired"], r["failed"]) == (0, 0, 40, 0, 0)
    assert len(again["items"]) == 40 and set(statuses(again).values()) == {"unchanged"}
    assert corpus.list_creators(s) == before_creators
    assert snapshot(s) == before


@needs_corpora
def test_3b1b_creators_json_from_the_cli(b1b):
    s, _ = b1b
    proc = run_cli(["creators", "--json"], s.root, timeout=120)
    assert proc.returncode == 0, proc.stderr
    (reported,) = json.loads(proc.stdout)
    (stored,) = corpus.list_creators(s)
    assert reported["slug"] == "3b1b"
    assert reported["videos"] == 40
    assert (reported["words"], reported["chunks"], reported["comments"]) == (stored["words"], stored["chunks"], 0)
    assert reported["hours"] == pytest.approx(float(stored["hours"]))
    assert reported["hours"] > 1


def _distinctive_phrase(s: Settings) -> tuple[str, str]:
    """(slug, 8 consecutive words) from the middle of one .txt transcript, chosen at test time
    as the window of rarest words across the corpus that also appears in the stored captions."""
    docs = {p.stem: tokens(p.read_text(encoding="utf-8")) for p in sorted(B1B.glob("*.txt"))}
    df = Counter(w for words in docs.values() for w in set(words))
    slug = sorted(docs)[len(docs) // 2]
    words = docs[slug]
    stored = " ".join(tokens(" ".join(r["text"] for r in query(
        s, "SELECT s.text FROM segments s JOIN videos v ON v.id = s.video_id WHERE v.source_id = ? ORDER BY s.idx",
        [slug]))))
    middle = range(len(words) // 3, 2 * len(words) // 3 - 8)
    scored = sorted(middle, key=lambda i: (-sum(math.log(len(docs) / df[w]) for w in words[i:i + 8]), i))
    for i in scored:
        phrase = " ".join(words[i:i + 8])
        if f" {phrase} " in f" {stored} ":
            return slug, phrase
    raise AssertionError(f"no 8-word window of {slug}.txt found in its stored captions")


@needs_corpora
@pytest.mark.parametrize("mode", ["hybrid", "fts", "vector"])
def test_3b1b_search_finds_a_phrase_in_its_video(b1b, mode):
    s, _ = b1b
    slug, phrase = _distinctive_phrase(s)
    (video,) = query(s, "SELECT id, title, duration_s FROM videos WHERE source_id = ?", [slug])
    hits = corpus.search(s, phrase, creator="3b1b", k=5, mode=mode)
    assert hits, phrase
    top = hits[0]
    assert top["video_id"] == video["id"], (phrase, [h["title"] for h in hits])
    assert top["title"] == video["title"] and top["creator"] == "3b1b"
    assert isinstance(top["start_s"], float) and 0 <= top["start_s"] <= video["duration_s"]
    assert top["link"] is None  # local files have no URL to link to
    if mode != "vector":
        assert phrase in " ".join(tokens(top["text"]))


# --------------------------------------------------------------------------- (b) a changed file replaces its video

def _copy_demo(folder: Path, names: list[str]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    return [Path(shutil.copy(SAMPLE / "pip-and-the-primes" / n, folder / n)) for n in names]


DEMO_FILES = ["negative-numbers.srt", "the-birthday-problem.srt", "fractions-with-pizza.srt"]


def test_a_changed_file_replaces_only_that_video(settings: Settings, tmp_path: Path):
    folder = tmp_path / "pip"
    paths = _copy_demo(folder, DEMO_FILES)
    first = ingest(settings, [folder], creator="Pip")
    assert first["status"] == "succeeded", first["error"]
    assert statuses(first) == {n: "added" for n in DEMO_FILES}
    before = {v["source_id"]: v for v in query(settings, "SELECT * FROM videos")}
    seg_before = query(settings, "SELECT video_id, idx, start_s, end_s, text FROM segments ORDER BY video_id, idx")
    chunk_ids_before = {r["id"] for r in query(settings, "SELECT id FROM chunks")}
    assert_stores_consistent(settings)

    # edit one file: a new closing cue and a reworded line
    edited = paths[1]
    text = edited.read_text(encoding="utf-8").rstrip("\n")
    last_no = int(re.findall(r"^(\d+)$", text, re.M)[-1])
    text = text.replace("birthday", "b-day", 1)
    text += (f"\n\n{last_no + 1}\n09:59:58,000 --> 09:59:59,500\n"
             "Postscript: the quokka ate all the cake, which spoils every calculation above.\n")
    edited.write_text(text, encoding="utf-8")

    second = ingest(settings, [folder], creator="Pip")
    assert second["status"] == "succeeded", second["error"]
    assert statuses(second) == {DEMO_FILES[0]: "unchanged", DEMO_FILES[1]: "updated", DEMO_FILES[2]: "unchanged"}
    r = second["result"]
    assert (r["added"], r["updated"], r["unchanged"], r["failed"]) == (0, 1, 2, 0)

    after = {v["source_id"]: v for v in query(settings, "SELECT * FROM videos")}
    assert sorted(after) == sorted(before)  # no new video rows
    key = "the-birthday-problem"
    assert after[key]["id"] == before[key]["id"]
    assert after[key]["content_hash"] != before[key]["content_hash"]
    assert after[key]["n_words"] > before[key]["n_words"]
    assert after[key]["duration_s"] == pytest.approx(9 * 3600 + 59 * 60 + 59.5)
    for other in ("negative-numbers", "fractions-with-pizza"):
        assert after[other] == before[other]

    vid = after[key]["id"]
    segs = query(settings, "SELECT idx, start_s, text FROM segments WHERE video_id = ? ORDER BY idx", [vid])
    assert [s["idx"] for s in segs] == list(range(len(segs)))
    assert "quokka" in segs[-1]["text"] and segs[-1]["start_s"] == 35998.0
    assert any("b-day" in s["text"] for s in segs)
    old_segs = [r for r in seg_before if r["video_id"] == vid]
    assert len(segs) == len(old_segs) + 1
    # the other videos' segments are exactly as before
    assert [r for r in seg_before if r["video_id"] != vid] == query(
        settings, "SELECT video_id, idx, start_s, end_s, text FROM segments WHERE video_id != ?"
                  " ORDER BY video_id, idx", [vid])

    chunks = query(settings, "SELECT id, text FROM chunks WHERE video_id = ? ORDER BY idx", [vid])
    assert "quokka" in chunks[-1]["text"]
    assert not {c["id"] for c in chunks} & chunk_ids_before  # all its chunks were replaced
    lance = VectorStore(settings.lancedb_dir)
    assert lance.count(f"video_id = {vid}") == len(chunks)
    assert lance.ids(f"video_id = {vid}") == {c["id"] for c in chunks}
    assert_stores_consistent(settings)

    hits = corpus.search(settings, "quokka ate all the cake", creator="Pip", k=3, mode="fts")
    assert hits and hits[0]["video_id"] == vid


def test_a_changed_title_alone_updates_the_video(settings: Settings, tmp_path: Path):
    folder = tmp_path / "pip"
    _copy_demo(folder, DEMO_FILES[:1])
    ingest(settings, [folder], creator="Pip")
    job = ingest(settings, [folder], creator="Pip",
                 overrides={"negative-numbers": {"title": "Less Than Nothing"}})
    assert statuses(job) == {DEMO_FILES[0]: "updated"}
    (video,) = query(settings, "SELECT title FROM videos")
    assert video["title"] == "Less Than Nothing"
    assert_stores_consistent(settings)


def test_the_ingest_language_picks_among_a_videos_caption_languages(settings: Settings, tmp_path: Path):
    folder = tmp_path / "multi"
    folder.mkdir()
    (folder / "doors.en.srt").write_text("1\n00:00:00,000 --> 00:00:04,000\nSwitching doors wins two times "
                                         "in three.\n", encoding="utf-8")
    (folder / "doors.fr.srt").write_text("1\n00:00:00,000 --> 00:00:04,000\nChanger de porte gagne deux fois "
                                         "sur trois.\n", encoding="utf-8")
    job = ingest(settings, [folder], creator="Bilingual", lang="fr")
    assert job["status"] == "succeeded" and len(job["items"]) == 1
    assert "other languages not ingested: doors.en.srt" in job["items"][0]["detail"]
    (video,) = query(settings, "SELECT language, (SELECT string_agg(text, ' ') FROM segments s"
                               " WHERE s.video_id = v.id) AS text FROM videos v")
    assert video["language"] == "fr" and video["text"].startswith("Changer de porte")


# --------------------------------------------------------------------------- (c) one bad file in a batch

GOOD_SRT = """1
00:00:00,000 --> 00:00:04,000
Sourdough starters are small zoos of yeast and bacteria.

2
00:00:04,000 --> 00:00:09,000
Feed them flour and water every day and they bubble back.

3
00:00:09,000 --> 00:00:13,000
Forget them for a week and a grey liquid called hooch appears.
"""

GOOD_TXT = ("Speaker 1:          00:00          Cast iron pans rust when they stay wet.\r\n\r\n"
            "Speaker 1:          00:41          Dry the pan on a low flame and wipe a thin film of oil over it.")


def test_a_bad_file_fails_alone_and_leaves_everything_else(sample_settings: Settings, tmp_path: Path):
    s = sample_settings
    before = snapshot(s)
    before_creators = {c["slug"]: c for c in corpus.list_creators(s)}
    assert before["videos"], "the demo workspace should not be empty"

    folder = tmp_path / "batch"
    folder.mkdir()
    (folder / "empty.srt").write_bytes(b"")
    (folder / "sourdough.srt").write_text(GOOD_SRT, encoding="utf-8")
    (folder / "cast-iron.txt").write_bytes(GOOD_TXT.encode())
    (folder / "cover.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a picture")

    job = ingest(s, [folder], creator="Kitchen Notes")
    assert job["status"] == "succeeded", job["error"]
    assert statuses(job) == {"cast-iron.txt": "added", "empty.srt": "failed", "sourdough.srt": "added"}
    (failed,) = [i for i in job["items"] if i["status"] == "failed"]
    assert failed["detail"] == "empty.srt: the file is empty."
    r = job["result"]
    assert (r["added"], r["failed"]) == (2, 1)
    assert any(".jpg" in n and "skipped 1 file" in n for n in r["notes"])

    kitchen = corpus.get_creator(s, "Kitchen Notes")
    videos = {v["source_id"]: v for v in corpus.list_videos(s, kitchen["id"])}
    assert sorted(videos) == ["cast-iron", "sourdough"]
    assert videos["cast-iron"]["chunks"] == videos["sourdough"]["chunks"] == 1
    cast = query(s, "SELECT start_s FROM segments WHERE video_id = ? ORDER BY idx", [videos["cast-iron"]["id"]])
    assert [c["start_s"] for c in cast] == [0.0, 41.0]

    # the demo creators are exactly as they were
    after = snapshot(s)
    old_ids = {v["id"] for v in before["videos"]}
    assert [v for v in after["videos"] if v["id"] in old_ids] == before["videos"]
    assert [c for c in after["chunk_ids"] if c["video_id"] in old_ids] == before["chunk_ids"]
    assert before["lance_ids"] <= after["lance_ids"]
    for slug, creator in before_creators.items():
        assert {c["slug"]: c for c in corpus.list_creators(s)}[slug] == creator
    assert_stores_consistent(s)


def test_a_bad_file_added_to_an_existing_creator(sample_settings: Settings, tmp_path: Path):
    s = sample_settings
    pip = corpus.get_creator(s, "Pip Halloran")
    before = corpus.list_videos(s, pip["id"])
    folder = tmp_path / "more"
    folder.mkdir()
    (folder / "zero.vtt").write_bytes(b"")
    (folder / "sourdough.srt").write_text(GOOD_SRT, encoding="utf-8")
    job = ingest(s, [folder], creator="Pip Halloran")
    assert job["status"] == "succeeded"
    assert statuses(job) == {"sourdough.srt": "added", "zero.vtt": "failed"}
    after = corpus.list_videos(s, pip["id"])
    assert len(after) == len(before) + 1
    by_id = {v["id"]: v for v in after}
    for v in before:
        assert by_id[v["id"]] == v


def test_a_batch_of_only_bad_files_fails_the_job(settings: Settings, tmp_path: Path):
    (tmp_path / "empty.srt").write_bytes(b"")
    (tmp_path / "noise.vtt").write_bytes(bytes(range(256)) * 4)
    job = ingest(settings, [tmp_path / "empty.srt", tmp_path / "noise.vtt", tmp_path / "missing.txt"])
    assert job["status"] == "failed"
    details = {i["name"]: i["detail"] for i in job["items"] if i["status"] == "failed"}
    missing = str(tmp_path / "missing.txt")
    assert sorted(details) == sorted(["empty.srt", "noise.vtt", missing])
    assert details["empty.srt"] == "empty.srt: the file is empty."
    assert details["noise.vtt"].startswith("noise.vtt: ") and "binary" in details["noise.vtt"]
    assert details[missing].startswith(missing) and "no such file" in details[missing]
    # the job's one-line error is the first failure and counts the rest
    assert "\n" not in job["error"] and job["error"].endswith("(and 2 more failures)")
    assert any(job["error"].startswith(d) for d in details.values())
    assert query(settings, "SELECT count(*) AS n FROM videos")[0]["n"] == 0
    assert VectorStore(settings.lancedb_dir).count() == 0


def test_uploaded_zip_is_ingested(settings: Settings, tmp_path: Path):
    import zipfile

    path = tmp_path / "upload.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("bread/sourdough.srt", GOOD_SRT)
        zf.writestr("bread/sourdough.txt", "Sourdough starters are small zoos of yeast and bacteria.")
        zf.writestr("pans/cast-iron.txt", GOOD_TXT)
    job = ingest(settings, [path])
    assert job["status"] == "succeeded", job["error"]
    assert sorted(statuses(job)) == ["cast-iron.txt", "sourdough.srt, sourdough.txt"]
    again = ingest(settings, [path])
    assert set(statuses(again).values()) == {"unchanged"}
    assert_stores_consistent(settings)


# --------------------------------------------------------------------------- (d) the CLI on a bad file

@pytest.mark.parametrize("name, content, expect", [
    ("empty.srt", b"", "the file is empty"),
    ("binary.srt", bytes(range(256)) * 8, "binary"),
    ("broken.srt", b"1\n00:00:01,000 --> banana\nsome words\n", "not a valid SRT"),
    ("script.docx", b"PK\x03\x04", "unsupported file type"),
])
def test_cli_ingest_of_a_bad_file_is_one_error_line(data_dir: Path, tmp_path: Path, name, content, expect):
    path = tmp_path / name
    path.write_bytes(content)
    proc = run_cli(["ingest", str(path), "--creator", "x"], data_dir, timeout=120)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr + proc.stdout
    # the progress bar is transient; what is left is the error, on one line that names the file
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"Error: {name}: ") and expect in lines[0]
    assert proc.stdout.strip() == ""


# --------------------------------------------------------------------------- (e) ScribeSalad transcripts through the CLI

@pytest.mark.skipif(not (SHARED_CORPORA / "kurzgesagt").is_dir(), reason="shared corpora not present")
def test_cli_ingests_scribesalad_transcripts_with_limit(settings: Settings):
    folder = SHARED_CORPORA / "kurzgesagt"
    proc = run_cli(["ingest", str(folder), "--creator", "Kurzgesagt", "--limit", "3"], settings.root)
    assert proc.returncode == 0, proc.stderr
    assert "kurzgesagt: 3 added, 0 updated, 0 unchanged, 0 failed" in proc.stdout

    expected_ids = sorted(p.stem for p in folder.glob("*.txt"))[:3]
    videos = query(settings, "SELECT id, source_id, n_words FROM videos ORDER BY source_id")
    assert [v["source_id"] for v in videos] == expected_ids
    words = manifest_words("kurzgesagt", "txt")
    for v in videos:
        assert abs(v["n_words"] - words[v["source_id"]]) <= 0.01 * words[v["source_id"]]
        segs = query(settings, "SELECT start_s, text FROM segments WHERE video_id = ? ORDER BY idx", [v["id"]])
        starts = [s["start_s"] for s in segs]
        assert len(segs) > 2 and all(t is not None for t in starts)
        assert starts == sorted(starts) and starts[0] < 60 and starts[-1] > 60
        assert not any(s["text"].startswith("Speaker") or re.search(r"\s{5,}", s["text"]) for s in segs)
        chunk_starts = [c["start_s"] for c in query(
            settings, "SELECT start_s FROM chunks WHERE video_id = ? ORDER BY idx", [v["id"]])]
        assert chunk_starts and all(t is not None for t in chunk_starts) and chunk_starts == sorted(chunk_starts)
    assert_stores_consistent(settings)
