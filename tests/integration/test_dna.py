"""Creator DNA on the demo corpus: measurements, phrases, style guide through the real
embedded LM path (and DummyLM where the content matters), versioned snapshots, CLI."""

import json
import os
import subprocess
import sys
from pathlib import Path

import dspy
import pytest

from pipelines import jobs
from pipelines.errors import ScriptwrightError
from pipelines.voice import dna

GUIDE = {"summary": "Warm and playful.", "do": [{"rule": "Ask the viewer questions", "example": "Ready?"}],
         "dont": [{"rule": "Lecture", "example": "none"}]}
STORIES = {"stories": [{"kind": "personal story", "summary": "Gran's abacus with a chipped red bead",
                        "quote": "chipped red bead"}]}


def build(settings, creator, lm=None, **params):
    if lm is None:
        return jobs.submit_and_run(settings, "dna-build", {"creator": creator, **params})
    with dspy.context(lm=lm):
        return jobs.submit_and_run(settings, "dna-build", {"creator": creator, **params})


@pytest.fixture
def scripted_lm(monkeypatch):
    """The writer role answered by DummyLM: content checks need a predictable answer."""
    from pipelines import lm as lm_module

    def dummy_for_role(settings, role):
        return dspy.utils.DummyLM([GUIDE, STORIES] * 4, adapter=dspy.JSONAdapter())

    monkeypatch.setattr(lm_module, "lm_for_role", dummy_for_role)


def test_build_measures_and_links_stories(sample_settings, scripted_lm) -> None:
    job = build(sample_settings, "Pip Halloran")
    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["status"] == "built" and job["result"]["version"] == 1
    snap = dna.snapshot(sample_settings, "Pip Halloran")
    assert snap["n_videos"] == 7
    assert snap["features"]["wpm"]["median"] == pytest.approx(165, abs=3)
    assert snap["features"]["question_rate"]["median"] > 10
    phrases = [p["phrase"] for p in snap["signature_phrases"]]
    assert any("sneaky part" in p for p in phrases[:10])
    assert snap["signature_phrases"][0]["examples"][0]["start_s"] is not None
    rules = " ".join(snap["style_guide"]["measured_rules"])
    assert "Questions: more than other creators" in rules
    assert "Median sentence length: shorter than other creators" in rules
    story = snap["stories"][0]
    assert story["title"] and story["start_s"] is not None, "a story links to where it was told"
    assert snap["prompt_versions"]["style_guide"]["version"] == "v1"
    assert job["prompt_versions"]["story_library"]["version"] == "v1"


def test_unchanged_corpus_is_a_no_op_and_force_makes_a_new_version(sample_settings, scripted_lm) -> None:
    build(sample_settings, "Rex Moreno")
    again = build(sample_settings, "Rex Moreno")
    assert again["result"] == {"status": "unchanged", "creator": "rex-moreno", "version": 1}
    forced = build(sample_settings, "Rex Moreno", force=True)
    assert forced["result"]["version"] == 2
    versions = [s["version"] for s in dna.list_snapshots(sample_settings, "Rex Moreno")]
    assert versions == [2, 1]
    d = dna.diff(dna.snapshot(sample_settings, "Rex Moreno", 1), dna.snapshot(sample_settings, "Rex Moreno", 2))
    assert d["old"] == 1 and d["new"] == 2 and d["measurements"] == []


def test_too_few_videos_is_a_clear_error(settings, tmp_path, scripted_lm) -> None:
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


def test_embedded_lm_builds_a_valid_snapshot(sample_settings) -> None:
    """The real local model: content is weak, but the structure must be complete and stored."""
    job = build(sample_settings, "Dr. Amara Okafor")
    assert job["status"] == "succeeded", job["error"]
    snap = dna.snapshot(sample_settings, "Dr. Amara Okafor")
    assert snap["lm"] == "local/smollm2"
    assert isinstance(snap["style_guide"]["do"], list) and isinstance(snap["stories"], list)
    assert "Hedges: more than other creators" in " ".join(snap["style_guide"]["measured_rules"])


def test_cli_show_and_diff(sample_settings, scripted_lm) -> None:
    build(sample_settings, "Pip Halloran")
    cli = Path(sys.executable).parent / "scriptwright"
    env = {**os.environ, "SCRIPTWRIGHT_DATA_DIR": str(sample_settings.root)}
    shown = subprocess.run([str(cli), "dna", "show", "-c", "pip-halloran", "--json"], capture_output=True, text=True,
                           env=env, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["version"] == 1
    diff = subprocess.run([str(cli), "dna", "diff", "-c", "pip-halloran"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert diff.returncode == 1 and "fewer than two DNA versions" in diff.stderr
