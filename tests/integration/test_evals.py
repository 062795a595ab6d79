"""Prompt Lab on the demo creator: eval sets split by video, runs with one result per example,
compile → save → load, paired comparison, and (embedded LM) a cached re-run with 0 LM calls."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import dspy
import pytest

from pipelines import corpus, evals, jobs
from pipelines.drafting.content import Draft
from pipelines.errors import ScriptwrightError
from pipelines.lm_context import current_job_id
from pipelines.ingest.model import UNTITLED
from tests.conftest import SAMPLE, ScriptLM

PASSAGE = {"sentences": ["Okay, so picture three doors.", "Behind one is a car, and behind the others are goats.",
                         "You pick a door, and the host opens another one with a goat.",
                         "Should you switch? Let's count the cases and see."]}


@pytest.fixture
def scripted(script_lm: ScriptLM) -> dspy.LM:
    lm = dspy.utils.DummyLM({"[[ ## title ## ]]": PASSAGE}, adapter=dspy.JSONAdapter())
    script_lm(lm)
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


def test_videos_known_only_by_their_id_ask_for_one_of_their_own_sentences(settings, tmp_path) -> None:
    folder = tmp_path / "captions"
    folder.mkdir()
    for n, f in enumerate(sorted((SAMPLE / "pip-and-the-primes").glob("*.srt"))):
        shutil.copy(f, folder / f"PipVideo{n:03d}.srt")  # YouTube-id-shaped names: no title to ask for
    run(settings, "ingest", creator="Pip by id", sources=[str(folder)])
    videos = corpus.list_videos(settings, corpus.get_creator(settings, "pip-by-id")["id"])
    assert len(videos) == 7 and all(v["title"].startswith(UNTITLED) for v in videos)
    texts = {v["id"]: " ".join(s["text"] for s in corpus.video_segments(settings, v["id"])) for v in videos}
    for program in ("script", "hook", "outline"):
        for e in evals.build_eval_set(settings, "pip-by-id", program)["examples"]:
            idea = e["title"]
            assert not idea.startswith(UNTITLED) and 6 <= len(idea.split()) <= 25, (program, idea)
            assert idea in " ".join(texts[int(e["id"])].split()), (program, idea)


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


def test_runs_are_found_by_the_start_of_their_id(sample_settings, scripted, monkeypatch) -> None:
    """Like a short git hash: a unique start of a run id is enough, an ambiguous one is named,
    and `eval list` in an 80-column terminal prints ids whole so they can be typed back."""
    ids = iter(["c0ffee0a1b2c", "c0ffee9d8e7f"])
    monkeypatch.setattr(evals, "uuid", SimpleNamespace(uuid4=lambda: SimpleNamespace(hex=next(ids) + "0" * 20)))
    a = run(sample_settings, "eval-run", creator="pip-halloran", variant="stable", split="train")
    b = run(sample_settings, "eval-run", creator="pip-halloran", variant="experimental", split="train")
    assert (a["run_id"], b["run_id"]) == ("c0ffee0a1b2c", "c0ffee9d8e7f")
    assert evals.compare_runs(sample_settings, "c0ffee0", " c0ffee9 ")["b"]["id"] == b["run_id"]
    with pytest.raises(ScriptwrightError, match="'c0ffee' is the start of 2 eval runs .*c0ffee0a1b2c.*give more"):
        evals.get_run(sample_settings, "c0ffee")
    for missing in ("", "d00d"):
        with pytest.raises(ScriptwrightError, match="No eval run"):
            evals.get_run(sample_settings, missing)
    listed = subprocess.run([str(Path(sys.executable).parent / "scriptwright"), "eval", "list"], capture_output=True,
                            text=True, env={**os.environ, "COLUMNS": "80"}, timeout=120)
    assert listed.returncode == 0, listed.stderr
    assert "c0ffee0a1b2c" in listed.stdout and "c0ffee9d8e7f" in listed.stdout, listed.stdout
    stored = evals.get_run(sample_settings, a["run_id"])
    assert stored["started_at"] == jobs.get(sample_settings, stored["job_id"])["started_at"] < stored["finished_at"]
    wide = subprocess.run([str(Path(sys.executable).parent / "scriptwright"), "eval", "list"], capture_output=True,
                          text=True, env={**os.environ, "COLUMNS": "200"}, timeout=120).stdout
    assert "│ c0ffee0a1b2c │ script  │ stable " in wide and " cached) " in wide, wide


# ---------------------------------------------------------------- compiled programs through pipeline tags

RESTATED = "Switching wins the car with probability 2/3, while staying wins with probability 1/3."
UNSOURCED = "My grandmother loved watching game shows on Sunday evenings."


def compile_for_pip(settings, **params) -> dict:
    return run(settings, "optimize", creator="pip-halloran", optimizer="bootstrap", budget=2, **params)


def test_a_tag_points_the_script_writer_at_each_creators_compiled_program(sample_settings, scripted) -> None:
    before, record, compiled_id = evals.load_variant(sample_settings, "script", "pip-halloran", "tuned")
    assert compiled_id is None and record["script_writer"]["compiled"] is None
    assert record["script_writer"]["version"] == "v1" and "no compiled:latest script program" in \
        record["script_writer"]["note"]
    r = compile_for_pip(sample_settings)
    module, record, compiled_id = evals.load_variant(sample_settings, "script", "pip-halloran", "tuned")
    assert compiled_id == r["compiled_id"]
    assert record["script_writer"]["compiled"] == {"id": r["compiled_id"], "version": 1, "path": r["path"]}
    assert record["script_writer"]["tag"] == "tuned"
    assert [len(p.demos) for p in module.predictors()] == [r["demos"]] and not before.predictors()[0].demos
    # another creator on the same tag has no compiled program: the default prompt version, said so
    other = run(sample_settings, "eval-run", creator="rex-moreno", variant="tuned", split="test")
    stored = evals.get_run(sample_settings, other["run_id"])
    assert stored["compiled_id"] is None
    assert "rex-moreno has no compiled:latest" in json.loads(stored["prompt_versions"])["script_writer"]["note"]
    mine = run(sample_settings, "eval-run", creator="pip-halloran", variant="tuned", split="test")
    assert evals.get_run(sample_settings, mine["run_id"])["compiled_id"] == r["compiled_id"]


def break_file(path: Path, how: str) -> None:
    saved = json.loads(path.read_text())
    if how == "missing":
        path.unlink()
    elif how == "corrupt":
        path.write_text(path.read_text()[:200])
    elif how == "other creator":
        saved["metadata"]["creator"] = "rex-moreno"
        path.write_text(json.dumps(saved))
    elif how == "other program":
        saved["metadata"]["program"] = "hooks"
        path.write_text(json.dumps(saved))
    elif how == "wrong state":
        saved["state"] = {"writer": {"demos": []}}
        path.write_text(json.dumps(saved))


BROKEN = {"missing": "compiled program file not found",
          "corrupt": "invalid JSON at line",
          "other creator": "holds 'script' v1 of rex-moreno, not 'script' v1 of pip-halloran",
          "other program": "holds 'hooks' v1 of pip-halloran, not 'script' v1 of pip-halloran",
          "wrong state": "the saved state does not fit the script program"}


def test_a_bad_compiled_file_is_one_error_naming_it_and_stable_still_works(sample_settings, scripted) -> None:
    path = Path(compile_for_pip(sample_settings)["path"])
    good = path.read_text()
    for how, problem in BROKEN.items():
        break_file(path, how)
        for variant in ("compiled:latest", "tuned"):
            with pytest.raises(ScriptwrightError, match=problem) as caught:
                evals.load_variant(sample_settings, "script", "pip-halloran", variant)
            assert str(caught.value).startswith(f"{path}: "), how
        path.write_text(good)
    break_file(path, "other creator")
    failed = jobs.submit_and_run(sample_settings, "eval-run",
                                 {"creator": "pip-halloran", "variant": "compiled:latest", "split": "test"})
    assert failed["status"] == "failed" and failed["error"].startswith(f"{path}: ")
    assert run(sample_settings, "eval-run", creator="pip-halloran", variant="stable", split="test")["errors"] == 0


def test_a_failed_save_leaves_no_file_and_no_row(sample_settings) -> None:
    from pipelines import compiled
    from pipelines.programs.drafting import ScriptWriter

    with pytest.raises(Exception, match="NOT NULL"):
        compiled.save(sample_settings, "script", "pip-halloran", ScriptWriter(), {"optimizer": None})
    assert not [p for p in sample_settings.compiled_root.rglob("*") if p.is_file()]
    assert compiled.list_compiled(sample_settings, "script", "pip-halloran") == []


# ---------------------------------------------------------------- the wizard writes with the compiled program

@pytest.fixture
def wizard_lm(script_lm: ScriptLM) -> dspy.LM:
    from tests.integration.test_drafting import ANSWERS

    lm = dspy.utils.DummyLM({**ANSWERS, "[[ ## title ## ]]": {"sentences": [RESTATED, UNSOURCED]}},
                            adapter=dspy.JSONAdapter())
    script_lm(lm)
    return lm


def wizard_step(settings, project: str, name: str, **params) -> dict:
    from pipelines.drafting import drafts

    job = jobs.submit_and_run(settings, f"draft-{name}", {"project": project, **params})
    assert job["status"] == "succeeded", job["error"]
    return drafts.get(settings, project, job["result"]["version"])


def test_the_wizard_writes_sections_with_the_creators_compiled_program(sample_settings, wizard_lm) -> None:
    from pipelines.evidence import projects
    from tests.integration.test_drafting import IDEA, NOTES, SECTION, SOURCE

    pid = projects.ensure_project(sample_settings, "pip-halloran", IDEA)["id"]
    assert jobs.submit_and_run(sample_settings, "research", {"project": pid, "sources": [str(SOURCE)]})[
        "status"] == "succeeded"
    outline = wizard_step(sample_settings, pid, "outline", tag="tuned")["content"].model_dump()["outline"]
    # no compiled program yet: the section writer, and the record says why
    plain = wizard_step(sample_settings, pid, "script", tag="tuned")
    assert plain["content"].sections[0].sentences[0].text == SECTION["sentences"][0]["text"]
    assert plain["prompt_versions"]["script_writer"]["compiled"] is None
    assert "pip-halloran has no compiled:latest script program" in plain["prompt_versions"]["script_writer"]["note"]

    r = compile_for_pip(sample_settings)
    wizard_lm.history.clear()
    tuned = wizard_step(sample_settings, pid, "script", tag="tuned")
    assert tuned["pipeline_tag"] == "tuned"
    assert tuned["prompt_versions"]["script_writer"]["compiled"] == {"id": r["compiled_id"], "version": 1,
                                                                     "path": r["path"]}
    first = tuned["content"].model_dump()["sections"][0]
    assert [s["text"] for s in first["sentences"]] == [RESTATED, UNSOURCED]
    assert first["sentences"][0]["cites"] and first["sentences"][0]["cites"][0]["uri"].endswith("monty-hall-notes.md")
    assert first["sentences"][1]["cites"] == []
    calls = [h["messages"] for h in wizard_lm.history if "[[ ## title ## ]]" in h["messages"][-1]["content"]]
    assert len(calls) == len(outline)
    asked = calls[0][-1]["content"]
    assert outline[0]["title"] in asked and f"- {outline[0]['beats'][0]}" in asked
    assert NOTES["key_points"][0]["text"] in asked and str(outline[0]["words"]) in asked
    assert len(calls[0]) > 2, "the compiled program's demos come before the question"
    # the same project on the stable tag keeps the section writer
    stable = wizard_step(sample_settings, pid, "script")
    assert stable["content"].sections[0].sentences[0].text == SECTION["sentences"][0]["text"]
    assert "script_writer" not in stable["prompt_versions"]


def test_a_broken_compiled_program_stops_the_wizard_before_any_work(sample_settings, wizard_lm) -> None:
    from pipelines.drafting import drafts
    from pipelines.evidence import projects
    from tests.integration.test_drafting import IDEA

    pid = projects.ensure_project(sample_settings, "pip-halloran", IDEA)["id"]
    wizard_step(sample_settings, pid, "outline")
    path = Path(compile_for_pip(sample_settings)["path"])
    break_file(path, "corrupt")
    job = jobs.submit_and_run(sample_settings, "draft-script", {"project": pid, "tag": "tuned"})
    assert job["status"] == "failed" and job["error"].startswith(f"{path}: not a compiled program")
    assert [v["version"] for v in drafts.versions(sample_settings, pid)] == [1]
    assert wizard_step(sample_settings, pid, "script")["version"] == 2


# ---------------------------------------------------------------- bad input

def test_too_few_training_examples_is_one_message_naming_the_minimum(sample_settings, scripted) -> None:
    from tests.conftest import SAMPLE

    files = sorted((SAMPLE / "pip-and-the-primes").glob("*.srt"))[:5]
    ingest = jobs.submit_and_run(sample_settings, "ingest", {"creator": "Tiny Pip", "sources": [str(f) for f in files]})
    assert ingest["status"] == "succeeded", ingest["error"]
    eval_set = evals.build_eval_set(sample_settings, "tiny-pip")
    assert len(eval_set["splits"]["train"]) == 3
    for optimizer in ("random-search", "mipro"):
        job = jobs.submit_and_run(sample_settings, "optimize", {"creator": "tiny-pip", "optimizer": optimizer})
        assert job["status"] == "failed"
        assert job["error"].startswith(f"{optimizer} needs at least {evals.MIN_TRAIN[optimizer]} training examples; "
                                       "Tiny Pip's eval set has 3.")
    assert scripted.history == []
    from pipelines import compiled

    assert compiled.list_compiled(sample_settings, "script", "tiny-pip") == []
    cli = subprocess.run([str(Path(sys.executable).parent / "scriptwright"), "optimize", "--creator", "tiny-pip",
                          "--optimizer", "random-search"], capture_output=True, text=True, timeout=300)
    lines = [line for line in cli.stderr.splitlines() if line.strip()]
    assert cli.returncode == 1 and len(lines) == 1 and "random-search needs at least 4 training examples" in lines[0]


def test_a_cancelled_compile_leaves_no_program_file_and_no_row(sample_settings, script_lm) -> None:
    from pipelines import compiled

    class CancellingLM(dspy.utils.DummyLM):
        def forward(self, *args, **kwargs):
            job = jobs.get(sample_settings, current_job_id.get())
            if not job["cancel_requested"]:
                jobs.cancel(sample_settings, job["id"])
            return super().forward(*args, **kwargs)

    lm = CancellingLM({"[[ ## title ## ]]": PASSAGE}, adapter=dspy.JSONAdapter())
    script_lm(lm)
    job = jobs.submit_and_run(sample_settings, "optimize", {"creator": "pip-halloran", "optimizer": "bootstrap"})
    assert job["status"] == "cancelled" and lm.history, "the cancel came while the optimizer was calling the LM"
    assert [p for p in sample_settings.compiled_root.rglob("*") if p.is_file()] == []
    assert compiled.list_compiled(sample_settings, "script", "pip-halloran") == []


def test_mlflow_tracing_without_mlflow_fails_the_job_before_any_lm_call(sample_settings, scripted, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "mlflow", None)
    monkeypatch.setattr(sample_settings, "mlflow_uri", "http://127.0.0.1:5000")
    job = jobs.submit_and_run(sample_settings, "eval-run", {"creator": "pip-halloran", "variant": "stable"})
    assert job["status"] == "failed" and "pip install mlflow" in job["error"] and scripted.history == []


# ---------------------------------------------------------------- wizard feedback as training examples

REWRITE = "Here's the thing: the host knows where the car is, so he never opens that door."


def rated_draft(settings) -> str:
    """A Pip project whose draft got a thumbs up on s1, a thumbs down on s2 (then rewritten by the
    creator), a thumbs down on s3 (never rewritten) and a thumbs up on the hook; returns its id."""
    from pipelines.drafting import drafts
    from pipelines.evidence import projects
    from tests.integration.test_drafting import NOTES

    chunk = {"chunk_id": "src-1-0", "title": "Notes", "uri": "notes.md", "n": 1}
    notes = {**NOTES, "key_points": [{**k, "cites": [chunk]} for k in NOTES["key_points"]], "numbers": []}
    pid = projects.ensure_project(settings, "pip-halloran", "Monty Hall")["id"]
    projects.save_result(settings, pid, "research", notes)
    plans = [{"id": f"s{i}", "title": title, "goal": goal, "beats": beats, "words": 60, "duration_s": 24.0}
             for i, (title, goal, beats) in enumerate([
                 ("The tempting answer", "See why 50/50 feels right", ["two doors left"]),
                 ("The host knows", "The host never opens the car", ["the host avoids the car"]),
                 ("A hundred doors", "Make switching obvious", ["99 goats"])], start=1)]
    sections = [{"id": p["id"], "title": p["title"], "sentences": [{"text": f"Model text for {p['title']}.",
                                                                    "cites": []}]} for p in plans]
    content = {"idea": "Monty Hall", "creator": "pip-halloran", "creator_name": "Pip Halloran", "outline": plans,
               "sections": sections, "hook": {"id": "h1", "style": "question", "text": "Would you switch?"}}
    v1 = drafts.save_version(settings, pid, content, "script")
    drafts.add_feedback(settings, pid, v1, "section", "s1", 1, "Sounds like me")
    drafts.add_feedback(settings, pid, v1, "section", "s2", -1, "Not how I'd say it")
    drafts.add_feedback(settings, pid, v1, "section", "s3", -1, "Meh")
    drafts.add_feedback(settings, pid, v1, "hook", "hook", 1, "")
    drafts.save_edit(settings, pid, v1, drafts.edit_section(Draft.model_validate(content), "s2", REWRITE), "edited s2")
    return pid


def test_wizard_feedback_joins_the_train_split_only(sample_settings, scripted) -> None:
    from tests.integration.test_drafting import NOTES

    pid = rated_draft(sample_settings)
    before = evals.build_eval_set(sample_settings, "pip-halloran")
    r = evals.add_feedback_examples(sample_settings, "pip-halloran")
    assert (r["added"], r["skipped"], r["from_feedback"]) == (2, 1, 2) and r["eval_set"] == before["id"]
    after = evals.build_eval_set(sample_settings, "pip-halloran")
    assert after["splits"]["test"] == before["splits"]["test"] and after["splits"]["dev"] == before["splits"]["dev"]
    added = {e["section"]: e for e in after["examples"] if e.get("source") == "feedback"}
    assert set(added) == {"s1", "s2"} and all(e["split"] == "train" and e["id"] in after["splits"]["train"]
                                              for e in added.values())
    assert added["s1"]["reference"] == "Model text for The tempting answer."
    assert added["s2"]["reference"] == REWRITE and added["s2"]["title"] == "The host knows"
    assert added["s2"]["key_points"][0] == "the host avoids the car" and added["s2"]["target_words"] == 60
    assert NOTES["key_points"][1]["text"] in added["s2"]["key_points"]
    assert evals.split_summary(after) == "train 5 videos + 2 from feedback, dev 1 video, test 1 video"

    again = evals.add_feedback_examples(sample_settings, "pip-halloran")
    assert again["added"] == 0 and again["train"] == r["train"] == len(before["splits"]["train"]) + 2
    train = run(sample_settings, "eval-run", creator="pip-halloran", variant="stable", split="train")
    assert train["n"] == 7 and train["errors"] == 0

    cli = subprocess.run([str(Path(sys.executable).parent / "scriptwright"), "eval", "add-feedback", "--creator",
                          "pip-halloran", "--project", pid], capture_output=True, text=True, timeout=300)
    assert cli.returncode == 0, cli.stderr
    assert "Added 0 feedback examples" in cli.stdout and "7 examples, 2 from feedback" in cli.stdout


# ---------------------------------------------------------------- hooks and outlines on the creator's own videos

def cli(*args: str) -> str:
    from typer.testing import CliRunner

    from pipelines.cli import app

    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout  # the progress bar and any model warnings go to stderr


# 7 embedded-model calls per program: hook 40 s, outline 60 s on this 2-core machine at load ~2, past
# the 600 s default at load 10-16
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("program,parts", [("hook", {"setup", "voice", "length", "copied"}),
                                           ("outline", {"covered", "out_of_order", "n_segments"})])
def test_embedded_lm_compiles_and_evaluates_hooks_and_outlines_from_the_cli(sample_settings, program, parts) -> None:
    """Rex has six videos: four to compile on, one to score the compiled program, one to test."""
    out = cli("optimize", "--creator", "rex-moreno", "--program", program, "--optimizer", "bootstrap", "--budget", "1")
    assert f"Compiled {program} v1" in out
    saved = evals.build_eval_set(sample_settings, "rex-moreno", program)
    assert [len(saved["splits"][s]) for s in ("train", "dev", "test")] == [4, 1, 1]

    first = json.loads(cli("eval", "run", "--creator", "rex-moreno", "--program", program, "--json"))[0]
    assert first["n"] == 1 and first["lm_calls"] >= 1
    stored = evals.get_run(sample_settings, first["run_id"])
    assert stored["metric"] == f"{program}-metric-v1" and stored["program"] == program
    result = stored["results"][0]
    # the tiny model's answer sometimes fails to parse twice: the example then scores 0 with the reason kept
    assert (parts <= set(result["subscores"]) and result["output"]) or (result["error"] and result["score"] == 0)
    again = json.loads(cli("eval", "run", "--creator", "rex-moreno", "--program", program, "--json"))[0]
    assert again["lm_calls"] == 0 and again["cached_calls"] >= 1 and again["mean"] == first["mean"]
    assert "stable vs stable on 1 examples" in cli("eval", "compare", first["run_id"], again["run_id"])
