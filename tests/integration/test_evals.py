"""Prompt Lab on the demo creator: eval sets split by video, runs with one result per example,
compile → save → load, paired comparison, and (embedded LM) a cached re-run with 0 LM calls."""

from __future__ import annotations

import json
from pathlib import Path

import dspy
import pytest

from pipelines import evals, jobs
from pipelines import lm as lm_module
from pipelines.errors import ScriptwrightError

PASSAGE = {"sentences": ["Okay, so picture three doors.", "Behind one is a car, and behind the others are goats.",
                         "You pick a door, and the host opens another one with a goat.",
                         "Should you switch? Let's count the cases and see."]}


@pytest.fixture
def scripted(monkeypatch: pytest.MonkeyPatch) -> dspy.LM:
    lm = dspy.utils.DummyLM({"[[ ## title ## ]]": PASSAGE}, adapter=dspy.JSONAdapter())
    monkeypatch.setattr(lm_module, "lm_for_role", lambda settings, role: lm)
    return lm


def run(settings, kind: str, **params) -> dict:
    job = jobs.submit_and_run(settings, kind, params)
    assert job["status"] == "succeeded", job["error"]
    return job["result"]


def test_eval_sets_are_split_by_video_and_reproducible(sample_settings) -> None:
    first = evals.build_eval_set(sample_settings, "pip-halloran")
    assert evals.build_eval_set(sample_settings, "pip-halloran")["id"] == first["id"]
    splits = first["splits"]
    all_ids = splits["train"] + splits["dev"] + splits["test"]
    assert len(all_ids) == len(set(all_ids)) == 7 and splits["test"] and splits["dev"]
    for e in first["examples"]:
        assert e["split"] in splits and e["id"] in splits[e["split"]]
        assert 1 <= len(e["key_points"]) <= 3 and all(p.split()[0] in e["reference"] for p in e["key_points"])
    other = evals.build_eval_set(sample_settings, "pip-halloran", seed=1)
    assert other["id"] != first["id"] and sorted(other["splits"]["test"] + other["splits"]["dev"] +
                                                other["splits"]["train"]) == sorted(all_ids)
    with pytest.raises(ScriptwrightError, match="programs with eval sets"):
        evals.build_eval_set(sample_settings, "pip-halloran", program="hooks")


def test_runs_store_one_result_per_example_and_compare(sample_settings, scripted) -> None:
    a = run(sample_settings, "eval-run", creator="pip-halloran", variant="stable", split="train")
    b = run(sample_settings, "eval-run", creator="pip-halloran", variant="experimental", split="train")
    stored = evals.get_run(sample_settings, a["run_id"])
    assert len(stored["results"]) == a["n"] == 5 and a["errors"] == 0
    parts = stored["results"][0]["subscores"]
    assert {"score", "coverage", "length", "structure", "voice"} <= set(parts)
    assert json.loads(stored["prompt_versions"])["script_writer"]["version"] == "v1"
    assert json.loads(evals.get_run(sample_settings, b["run_id"])["prompt_versions"])["script_writer"]["version"] == "v2"
    c = evals.compare_runs(sample_settings, a["run_id"], b["run_id"])
    assert c["n"] == 5 and c["ci_low"] <= c["mean_diff"] <= c["ci_high"]
    assert c["win"] + c["tie"] + c["loss"] == 5
    other = run(sample_settings, "eval-run", creator="pip-halloran", variant="stable", split="test")
    with pytest.raises(ScriptwrightError, match="different eval sets or splits"):
        evals.compare_runs(sample_settings, a["run_id"], other["run_id"])


def test_compile_save_load_gives_the_same_outputs(sample_settings, scripted) -> None:
    r = run(sample_settings, "optimize", creator="pip-halloran", optimizer="bootstrap", budget=2)
    path = Path(r["path"])
    saved = json.loads(path.read_text())
    assert saved["metadata"]["optimizer"] == "bootstrap" and saved["metadata"]["trainset_ids"]
    assert path.is_relative_to(sample_settings.compiled_root) and r["demos"] >= 1
    module, _, compiled_id = evals.load_variant(sample_settings, "script", "pip-halloran", "compiled:latest")
    assert compiled_id == r["compiled_id"]
    eval_set = evals.build_eval_set(sample_settings, "pip-halloran")
    ex = evals.examples(eval_set, "test", "voice")[0]
    fresh, _, _ = evals.load_variant(sample_settings, "script", "pip-halloran", f"compiled:v{r['version']}")
    with dspy.context(lm=scripted, adapter=dspy.JSONAdapter()):
        assert module(**ex.inputs()).script == fresh(**ex.inputs()).script
    assert [len(p.demos) for p in module.predictors()] == [len(p.demos) for p in fresh.predictors()]
    with pytest.raises(ScriptwrightError, match="No compiled script program 'v9'"):
        evals.load_variant(sample_settings, "script", "pip-halloran", "compiled:v9")


def test_embedded_lm_compile_then_eval_and_a_cached_rerun(sample_settings) -> None:
    compiled = run(sample_settings, "optimize", creator="pip-halloran", optimizer="bootstrap", budget=1)
    before = run(sample_settings, "eval-run", creator="pip-halloran", variant="stable", split="test")
    after = run(sample_settings, "eval-run", creator="pip-halloran", variant="compiled:latest", split="test")
    assert before["n"] == after["n"] >= 1 and before["lm_calls"] >= 1
    again = run(sample_settings, "eval-run", creator="pip-halloran", variant="stable", split="test")
    assert again["lm_calls"] == 0 and again["cached_calls"] >= 1 and again["mean"] == before["mean"]
    c = evals.compare_runs(sample_settings, before["run_id"], after["run_id"])
    assert c["ci_low"] <= c["mean_diff"] <= c["ci_high"] and compiled["version"] == 1
