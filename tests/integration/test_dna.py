"""Creator DNA on the demo corpus: the measured part saved first (and by seeding), the style
guide and stories as a separate, retryable part, through the real embedded LM path (and DummyLM
where the content matters), versioned snapshots, CLI."""

import json
import os
import subprocess
import sys
from pathlib import Path

import dspy
import pytest

from pipelines import corpus, jobs
from pipelines.errors import ScriptwrightError
from pipelines.voice import dna
from tests.conftest import ScriptLM

GUIDE = {"summary": "Warm and playful.", "do": [{"rule": "Ask the viewer questions", "example": "Ready?"}],
         "dont": [{"rule": "Lecture", "example": "none"}]}
STORIES = {"stories": [{"kind": "personal story", "summary": "Gran's abacus with a chipped red bead",
                        "quote": "chipped red bead"}]}
# Answers a tiny model gives that are not a style guide, and why each is refused.
JUNK_GUIDES = [
    ({"summary": "#1", "do": GUIDE["do"], "dont": GUIDE["dont"]}, "its summary is not a sentence"),
    ({"summary": "so so so so so", "do": GUIDE["do"], "dont": GUIDE["dont"]}, "its summary is not a sentence"),
    ({"summary": "{summary}: how {creator} sounds", "do": GUIDE["do"], "dont": GUIDE["dont"]},
     "its summary is not a sentence"),  # the embedded model's answer, placeholder and all
    ({"summary": "", "do": GUIDE["do"], "dont": GUIDE["dont"]}, "its summary is empty"),
    ({"summary": GUIDE["summary"], "do": [], "dont": GUIDE["dont"]}, "it has no do rules"),
    ({"summary": GUIDE["summary"], "do": [{"rule": "#1", "example": "#1"}], "dont": GUIDE["dont"]},
     "a do rule is not a sentence: '#1'"),
    ({"summary": GUIDE["summary"], "do": GUIDE["do"], "dont": [{"rule": "you you you", "example": "x"}]},
     "a don't rule is not a sentence"),
    ({"summary": GUIDE["summary"]}, "did not match the expected fields"),  # what the 135M model hit
]


def build(settings, creator, lm=None, **params):
    if lm is None:
        return jobs.submit_and_run(settings, "dna-build", {"creator": creator, **params})
    with dspy.context(lm=lm):
        return jobs.submit_and_run(settings, "dna-build", {"creator": creator, **params})


def writer_answers(script_lm: ScriptLM, answers: list[dict]) -> list[dict | None]:
    """The writer role answered by DummyLM with `answers`; returns, per time the writer is looked up,
    the creator's latest DNA at that moment (what the build had saved before asking the LM)."""
    seen: list[dict | None] = []

    def dummy_for_role(settings, role):
        seen.append(dna.latest(settings, "pip-halloran"))
        return dspy.utils.DummyLM(answers, adapter=dspy.JSONAdapter())

    script_lm(dummy_for_role)
    return seen


@pytest.fixture
def guide_writer(script_lm):
    """The writer role answered by DummyLM: content checks need a predictable answer."""
    writer_answers(script_lm, [GUIDE, STORIES] * 4)


def test_seeding_measures_every_demo_creator_and_everything_reads_it(sample_settings) -> None:
    """`load_sample` (make app, fixtures) leaves every demo creator with measured DNA, no LM involved."""
    from pipelines.assistant.chat import greeting
    from pipelines.drafting.steps import creator_pace, voice_brief

    creators = corpus.list_creators(sample_settings)
    assert len(creators) >= 3
    for c in creators:
        snap = dna.latest(sample_settings, c["slug"])
        assert snap is not None, f"{c['name']} has no DNA after seeding"
        assert snap["version"] == 1 and snap["lm"] is None and snap["stories"] == []
        assert dna.guide_state(sample_settings, snap) == {"status": "measured", "error": None, "job_id": None}
        assert snap["features"]["wpm"]["median"] > 100 and len(snap["signature_phrases"]) >= 10
        brief = voice_brief(sample_settings, c["slug"])
        assert snap["style_guide"]["measured_rules"][0] in brief and snap["signature_phrases"][0]["phrase"] in brief
        assert creator_pace(sample_settings, c["id"], c["slug"])[0] == round(snap["features"]["wpm"]["median"], 1)
        assert "your Creator DNA (v1)" in greeting(sample_settings, c, None)


def test_build_writes_the_guide_into_the_measured_snapshot_and_links_stories(sample_settings, guide_writer) -> None:
    measured = dna.snapshot(sample_settings, "Pip Halloran")
    job = build(sample_settings, "Pip Halloran")
    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["status"] == "built" and job["result"]["version"] == 1
    assert job["result"]["guide"] == "written"
    snap = dna.snapshot(sample_settings, "Pip Halloran")
    assert snap["id"] == measured["id"] and snap["features"] == measured["features"]
    assert snap["n_videos"] == 7
    assert snap["features"]["wpm"]["median"] == pytest.approx(165, abs=3)
    assert snap["features"]["question_rate"]["median"] > 10
    phrases = [p["phrase"] for p in snap["signature_phrases"]]
    assert any("sneaky part" in p for p in phrases[:10])
    assert snap["signature_phrases"][0]["examples"][0]["start_s"] is not None
    rules = " ".join(snap["style_guide"]["measured_rules"])
    assert "Questions: more than other creators" in rules
    assert "Median sentence length: shorter than other creators" in rules
    assert snap["style_guide"]["do"][0]["rule"] == "Ask the viewer questions"
    assert dna.guide_state(sample_settings, snap)["status"] == "written"
    story = snap["stories"][0]
    assert story["title"] and story["start_s"] is not None, "a story links to where it was told"
    assert snap["prompt_versions"]["style_guide"]["version"] == "v1"
    assert job["prompt_versions"]["story_library"]["version"] == "v1"


def test_unchanged_corpus_is_a_no_op_and_force_makes_a_new_version(sample_settings, guide_writer) -> None:
    assert build(sample_settings, "Rex Moreno")["result"]["version"] == 1
    again = build(sample_settings, "Rex Moreno")
    assert again["result"] == {"status": "unchanged", "creator": "rex-moreno", "version": 1, "guide": "written"}
    forced = build(sample_settings, "Rex Moreno", force=True)
    assert forced["result"]["version"] == 2 and forced["result"]["guide"] == "written"
    versions = [s["version"] for s in dna.list_snapshots(sample_settings, "Rex Moreno")]
    assert versions == [2, 1]
    d = dna.diff(dna.snapshot(sample_settings, "Rex Moreno", 1), dna.snapshot(sample_settings, "Rex Moreno", 2))
    assert d["old"] == 1 and d["new"] == 2 and d["measurements"] == []


@pytest.mark.parametrize(("answer", "why"), JUNK_GUIDES)
def test_a_failed_guide_keeps_the_measured_part_saved_before_the_writer_was_asked(
        sample_settings, script_lm, answer, why) -> None:
    seen = writer_answers(script_lm, [answer, STORIES])
    job = build(sample_settings, "Pip Halloran", force=True)

    assert [(s["version"], s["guide_status"]) for s in seen] == [(2, "writing")], "measured and saved before the LM"
    assert job["status"] == "failed"
    assert "measured Creator DNA (v2: measurements and signature phrases) is saved" in job["error"]
    assert why in job["error"] and "--part guide" in job["error"] and "SCRIPTWRIGHT_LM_WRITER" in job["error"]
    snap = dna.latest(sample_settings, "Pip Halloran")
    assert snap["version"] == 2 and snap["features"]["wpm"]["median"] == pytest.approx(165, abs=3)
    assert "Questions: more than other creators" in " ".join(snap["style_guide"]["measured_rules"])
    assert "summary" not in snap["style_guide"] and snap["stories"] == []
    state = dna.guide_state(sample_settings, snap)
    assert state["status"] == "failed" and why in state["error"] and "--part guide" in state["error"]


def test_retrying_only_the_guide_fills_it_in_without_measuring_again(sample_settings, monkeypatch, script_lm) -> None:
    writer_answers(script_lm, [JUNK_GUIDES[0][0]])
    assert build(sample_settings, "Pip Halloran", force=True)["status"] == "failed"
    failed = dna.snapshot(sample_settings, "Pip Halloran")

    def no_measuring(*args, **kwargs):
        raise AssertionError("the guide part measured again")

    monkeypatch.setattr(dna, "measure", no_measuring)
    writer_answers(script_lm, [GUIDE, STORIES])
    job = build(sample_settings, "Pip Halloran", part="guide")
    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["version"] == 2 and job["result"]["guide"] == "written" and job["result"]["stories"] == 1
    snap = dna.snapshot(sample_settings, "Pip Halloran")
    assert snap["id"] == failed["id"] and [s["version"] for s in dna.list_snapshots(sample_settings, "pip-halloran")] \
        == [2, 1]
    for key in ("features", "video_features", "signature_phrases", "corpus_hash", "n_videos", "job_id"):
        assert snap[key] == failed[key], f"{key} changed when only the guide was written"
    assert snap["style_guide"]["measured_rules"] == failed["style_guide"]["measured_rules"]
    assert snap["style_guide"]["summary"] == "Warm and playful." and snap["stories"][0]["title"]
    assert dna.guide_state(sample_settings, snap) == {"status": "written", "error": None, "job_id": job["id"]}

    again = build(sample_settings, "Pip Halloran", part="guide")
    assert again["status"] == "failed" and "already has its style guide" in again["error"]
    bogus = build(sample_settings, "Pip Halloran", part="everything")
    assert bogus["status"] == "failed" and "expected one of all, measured, guide" in bogus["error"]


def test_a_guide_whose_job_stopped_reads_as_failed_and_one_being_written_is_not_taken_twice(
        sample_settings, guide_writer) -> None:
    from pipelines.store.duckdb import execute

    writing, _ = jobs.create(sample_settings, "dna-build", {"creator": "pip-halloran", "part": "guide"})
    execute(sample_settings.duckdb_path, "UPDATE jobs SET status = 'running' WHERE id = ?", [writing])
    execute(sample_settings.duckdb_path, "UPDATE dna_snapshots SET guide_status = 'writing', guide_job_id = ?"
                                         " WHERE creator_id = ?",
            [writing, corpus.get_creator(sample_settings, "pip-halloran")["id"]])
    snap = dna.latest(sample_settings, "pip-halloran")
    assert dna.guide_state(sample_settings, snap) == {"status": "writing", "error": None, "job_id": writing}
    second = build(sample_settings, "Pip Halloran", part="guide")
    assert second["status"] == "failed" and f"is having its style guide written by job {writing}" in second["error"]

    execute(sample_settings.duckdb_path, "UPDATE jobs SET status = 'failed', error = 'Interrupted: gone' WHERE id = ?",
            [writing])
    state = dna.guide_state(sample_settings, snap)
    assert state["status"] == "failed" and "stopped before it finished: Interrupted: gone" in state["error"]
    assert build(sample_settings, "Pip Halloran")["result"]["guide"] == "written", "a stopped guide is written again"


def test_too_few_videos_is_a_clear_error(settings, tmp_path, guide_writer) -> None:
    from tests.conftest import SAMPLE

    folder = tmp_path / "two"
    folder.mkdir()
    for f in sorted((SAMPLE / "pip-and-the-primes").glob("*.srt"))[:2]:
        (folder / f.name).write_bytes(f.read_bytes())
    jobs.submit_and_run(settings, "ingest", {"creator": "Tiny", "sources": [str(folder)]})
    job = build(settings, "Tiny")
    assert job["status"] == "failed" and "at least 3" in job["error"]
    with pytest.raises(ScriptwrightError, match="No Creator DNA"):
        dna.snapshot(settings, "Tiny")


def test_embedded_lm_fills_the_guide_or_says_why_it_did_not(sample_settings) -> None:
    """The real local model: its guide may be refused as junk, but the build ends with the measured
    part in place and either a written guide or a failed one with its reason."""
    job = build(sample_settings, "Dr. Amara Okafor", force=True)
    snap = dna.snapshot(sample_settings, "Dr. Amara Okafor")
    assert snap["version"] == 2
    assert "Hedges: more than other creators" in " ".join(snap["style_guide"]["measured_rules"])
    state = dna.guide_state(sample_settings, snap)
    if job["status"] == "succeeded":
        assert state["status"] == "written" and snap["lm"] == "local/smollm2"
        assert dna.guide_problem(snap["style_guide"]["summary"], [r["rule"] for r in snap["style_guide"]["do"]],
                                 [r["rule"] for r in snap["style_guide"]["dont"]]) is None
        assert isinstance(snap["stories"], list)
    else:
        assert state["status"] == "failed" and "local/smollm2" in state["error"]
        assert "measured Creator DNA (v2" in job["error"]


def test_cli_show_and_diff(sample_settings, guide_writer) -> None:
    build(sample_settings, "Pip Halloran")
    cli = Path(sys.executable).parent / "scriptwright"
    env = {**os.environ, "SCRIPTWRIGHT_DATA_DIR": str(sample_settings.root)}

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(cli), "dna", *args], capture_output=True, text=True, env=env, timeout=120)

    shown = run("show", "-c", "pip-halloran", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["version"] == 1
    diff = run("diff", "-c", "pip-halloran")
    assert diff.returncode == 1 and "fewer than two DNA versions" in diff.stderr

    measured = run("build", "-c", "pip-halloran", "--part", "measured", "--force")
    assert measured.returncode == 0, measured.stderr
    assert "DNA version 2 measured from 7 videos" in measured.stdout and "--part guide" in measured.stdout
    shown = run("show", "-c", "pip-halloran")
    assert shown.returncode == 0 and "Style guide: not written yet" in shown.stdout
    assert "Questions: more than other creators" in shown.stdout
    diff = run("diff", "-c", "pip-halloran")
    assert diff.returncode == 0 and "DNA v1 → v2" in diff.stdout
    wrong = run("build", "-c", "pip-halloran", "--part", "story")
    assert wrong.returncode == 1 and "expected one of all, measured, guide" in wrong.stderr
