"""Drafting on the demo creator: outline, hooks, script, checks as jobs that each save a new
version; edits, restore, diff, feedback and export (real stores, embedder and voice scorer;
DummyLM answers keyed by each step's own input field)."""

from __future__ import annotations

import json

import dspy
import pytest

from pipelines import jobs
from pipelines.drafting import drafts
from pipelines.drafting.export import export_version
from pipelines.drafting.steps import choose_hook
from pipelines.errors import ScriptwrightError
from pipelines.evidence import projects
from pipelines.usable import DONE, PARTIAL, TODO, draft_states
from tests.conftest import SAMPLE, ScriptLM

SOURCE = SAMPLE / "sources" / "monty-hall-notes.md"
IDEA = "Monty Hall with a hundred doors"
NOTES = {
    "key_points": [{"text": "Switching wins the car with probability 2/3, while staying wins with probability 1/3.",
                    "cites": ["P1"]},
                   {"text": "The host knows where the car is and always opens a goat door.", "cites": ["P2"]}],
    "definitions": [], "numbers": [{"text": "With 100 doors switching wins 99 times in 100.", "cites": ["P3"]}],
    "open_questions": [],
}
OUTLINE = {"framework": "misconception-first", "why": "Everyone's first guess is wrong.",
           "sections": [{"title": "The tempting answer", "goal": "See why 50/50 feels right", "beats": ["two doors"]},
                        {"title": "A hundred doors", "goal": "Make switching obvious", "beats": ["99 goats"]},
                        {"title": "What the host knows", "goal": "See the host's choice as information",
                         "beats": ["he never opens the car"]}]}
HOOK = {"hook": "Be honest, you would stay with your door, wouldn't you? Let's find out why that loses."}
LONG_HOOK = {"hook": "Okay, so here's a game show with a hundred doors. Behind one of them is a car, and behind all "
                     "the others, goats. You pick one. Then the host, who knows everything, opens ninety-eight goat "
                     "doors. Do you switch? Let's find out, because the answer feels wrong and is completely right."}
RATING = {"curiosity": 4, "clarity": 5, "promise": 4, "critique": "Name the prize."}
SECTION = {"sentences": [{"text": "Switching wins two times out of three.", "cites": ["N1"]},
                         {"text": "Let's check that with a hundred doors, okay?", "cites": []}]}
ANSWERS = {"[[ ## frameworks ## ]]": OUTLINE, "[[ ## style ## ]]": HOOK, "[[ ## previous ## ]]": SECTION,
           "[[ ## passages ## ]]": NOTES, "[[ ## hook ## ]]": RATING}


@pytest.fixture
def scripted(script_lm: ScriptLM) -> dspy.LM:
    lm = dspy.utils.DummyLM(ANSWERS, adapter=dspy.JSONAdapter())
    script_lm(lm)
    return lm


@pytest.fixture
def project(sample_settings, scripted) -> str:
    pid = projects.ensure_project(sample_settings, "pip-halloran", IDEA)["id"]
    job = jobs.submit_and_run(sample_settings, "research", {"project": pid, "sources": [str(SOURCE)]})
    assert job["status"] == "succeeded", job["error"]
    return pid


def step(settings, project: str, name: str, **params) -> dict:
    job = jobs.submit_and_run(settings, f"draft-{name}", {"project": project, **params})
    assert job["status"] == "succeeded", job["error"]
    return drafts.get(settings, project, job["result"]["version"])


def test_each_step_is_a_new_version_with_its_provenance(sample_settings, project) -> None:
    v1 = step(sample_settings, project, "outline")
    c = v1["content"].model_dump()
    assert v1["version"] == 1 and v1["step"] == "outline" and v1["parent_version"] is None
    assert c["framework"]["id"] == "misconception-first"
    assert [s["title"] for s in c["outline"][:2]] == ["The tempting answer", "A hundred doors"]
    assert len(c["outline"]) == 5  # one section per beat of the framework; missing plans use the beat's own
    assert all(s["duration_s"] == pytest.approx(s["words"] / c["wpm"] * 60, abs=0.1) for s in c["outline"])
    assert v1["prompt_versions"]["outline"]["version"] == "v1" and v1["pipeline_tag"] == "stable"

    v2 = step(sample_settings, project, "hooks")
    hooks = v2["content"].model_dump()["hooks"]
    assert v2["parent_version"] == 1 and len(hooks) == 4
    assert {h["style"] for h in hooks} == {"question", "surprising fact", "story", "stakes"}
    assert all(h["voice"] is None and "Too short to judge" in h["voice_note"] for h in hooks)
    assert [h["score"] for h in hooks] == sorted((h["score"] for h in hooks), reverse=True)
    assert v2["content"].hook.id == hooks[0]["id"]

    v3 = step(sample_settings, project, "script")
    sections = v3["content"].model_dump()["sections"]
    assert len(sections) == 5 and sections[0]["sentences"][0]["text"] == "Switching wins two times out of three."
    cited = sections[0]["sentences"][0]["cites"]
    assert cited and cited[0]["uri"].endswith("monty-hall-notes.md")
    assert sections[0]["sentences"][1]["cites"] == []

    v4 = step(sample_settings, project, "checks")
    checks = v4["content"].checks
    assert set(checks) >= {"coherence", "simplification", "safety", "voice", "counts"}
    assert 0 <= checks["voice"]["fidelity"] <= 1 and checks["voice"]["profile_z"] is not None
    assert [v["version"] for v in drafts.versions(sample_settings, project)] == [4, 3, 2, 1]


def test_rerunning_a_step_keeps_every_edit(sample_settings, project) -> None:
    for name in ("outline", "hooks", "script"):
        step(sample_settings, project, name)
    edited = drafts.edit_section(drafts.get(sample_settings, project, 3)["content"], "s1",
                                 "Switching wins two times out of three. My own new line!")
    assert drafts.save_edit(sample_settings, project, 3, edited, "edited s1") == 4
    v5 = step(sample_settings, project, "outline", base_version=4)
    assert v5["version"] == 5 and v5["parent_version"] == 4
    # the edit is still there in the edited version and carried into the re-run's version
    for version in (4, 5):
        texts = [s.text for s in drafts.get(sample_settings, project, version)["content"].sections[0].sentences]
        assert texts == ["Switching wins two times out of three.", "My own new line!"]
    kept = drafts.get(sample_settings, project, 4)["content"].sections[0].sentences[0]
    assert kept.cites, "an unchanged sentence keeps its citation"
    assert "+My own new line!" in drafts.diff(sample_settings, project, 3, 4)

    restored = drafts.restore(sample_settings, project, 3)
    assert restored == 6
    assert drafts.get(sample_settings, project, 6)["content"] == drafts.get(sample_settings, project, 3)["content"]
    assert drafts.get(sample_settings, project, 6)["note"] == "restored v3"


def test_choosing_and_editing_a_hook(sample_settings, project) -> None:
    step(sample_settings, project, "outline")
    content = step(sample_settings, project, "hooks")["content"]
    other = content.hooks[-1]
    chosen = choose_hook(content, other.id, "My own opening line.")
    assert chosen.hook.model_dump() == {"id": other.id, "style": other.style, "text": "My own opening line."}
    with pytest.raises(ScriptwrightError, match="no hook 'h9'"):
        choose_hook(content, "h9")


def test_feedback_becomes_evaluation_examples_and_export_carries_everything(sample_settings, project,
                                                                            tmp_path) -> None:
    for name in ("outline", "hooks", "script", "checks"):
        step(sample_settings, project, name)
    drafts.add_feedback(sample_settings, project, 4, "section", "s1", 1, "Sounds like me")
    drafts.add_feedback(sample_settings, project, 4, "hook", "hook", -1, "Too long")
    with pytest.raises(ScriptwrightError, match="thumbs"):
        drafts.add_feedback(sample_settings, project, 4, "draft", "draft", 5)
    examples = drafts.feedback_examples(sample_settings, project)
    assert [(e["program"], e["rating"]) for e in examples] == [("script", 1), ("hooks", -1)]
    assert examples[0]["output"].startswith("Switching wins two times out of three.")

    paths = export_version(sample_settings, project)
    markdown = paths["markdown"].read_text()
    assert "## Hook [0:00]" in markdown and "## The tempting answer [" in markdown
    assert "[^1]" in markdown and "monty-hall-notes.md" in markdown and "## Checks" in markdown
    bundle = json.loads(paths["bundle"].read_text())
    assert bundle["meta"]["version"] == 4 and len(bundle["feedback"]) == 2
    assert bundle["research"]["key_points"] and bundle["sources"][0]["uri"].endswith("monty-hall-notes.md")
    assert "[^" not in paths["teleprompter"].read_text()


def test_the_whole_pipeline_as_one_job(sample_settings, scripted) -> None:
    job = jobs.submit_and_run(sample_settings, "draft", {"creator": "pip-halloran", "idea": IDEA,
                                                         "sources": [str(SOURCE)], "target_minutes": 3})
    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["versions"] == [1, 2, 3, 4]
    assert set(job["prompt_versions"]) >= {"research_notes", "outline", "hook", "script_section"}
    final = drafts.get(sample_settings, job["result"]["project"])
    assert final["content"].target_words == int(3 * final["content"].wpm)
    assert final["content"].checks and final["cost_usd"] == 0.0


def test_an_unknown_framework_falls_back_by_similarity(sample_settings, project, script_lm) -> None:
    answers = {**ANSWERS, "[[ ## frameworks ## ]]": {**OUTLINE, "framework": "no-such-framework"}}
    script_lm(lambda settings, role: dspy.utils.DummyLM(answers, adapter=dspy.JSONAdapter()))
    c = step(sample_settings, project, "outline")["content"]
    assert c.framework.id
    # the model's reason was for a framework not taken: not quoted (the wizard showed "… framework). [Monty Hall …],")
    assert c.framework.why == "Chosen by similarity to the idea (the model named 'no-such-framework')."


def test_script_needs_an_outline(sample_settings, project) -> None:
    job = jobs.submit_and_run(sample_settings, "draft-script", {"project": project})
    assert job["status"] == "failed" and "Write the outline first" in job["error"]
    assert drafts.find(sample_settings, project) is None


def test_hooks_long_enough_are_scored_for_voice(sample_settings, project, script_lm) -> None:
    answers = {**ANSWERS, "[[ ## style ## ]]": LONG_HOOK}
    script_lm(lambda settings, role: dspy.utils.DummyLM(answers, adapter=dspy.JSONAdapter()))
    hooks = step(sample_settings, project, "hooks")["content"].hooks
    assert all(0 <= h.voice <= 1 and h.voice_note is None for h in hooks)
    assert all(h.score == pytest.approx(((13 / 3 - 1) / 4 + h.voice) / 2, abs=1e-3) for h in hooks)


def test_a_sentence_that_restates_a_note_keeps_its_citation() -> None:
    from pipelines.drafting.steps import sentence_cites

    chunk = {"chunk_id": "src-1-0", "title": "Notes", "uri": "notes.md", "n": 1}
    items = [{"text": NOTES["key_points"][0]["text"], "cites": [chunk]},
             {"text": "The host always opens a door with a goat.", "cites": [{**chunk, "chunk_id": "src-1-1"}]}]
    assert [c["chunk_id"] for c in sentence_cites("x", ["N2"], items, [0, 1])] == ["src-1-1"]
    restated = sentence_cites("If you switch doors you win with probability two thirds, staying wins one third.", [],
                              items, [0, 1])
    assert [c["chunk_id"] for c in restated] == ["src-1-0"]
    assert sentence_cites("My grandmother loved watching game shows on Sunday evenings.", [], items, [0, 1]) == []


# ---------------------------------------------------------------- answers with nothing usable in them

def answering(script_lm: ScriptLM, answers: dict) -> dspy.utils.DummyLM:
    lm = dspy.utils.DummyLM(answers, adapter=dspy.JSONAdapter())
    script_lm(lm)
    return lm


def script_calls(lm: dspy.utils.DummyLM) -> int:
    return sum(1 for h in lm.history if "[[ ## previous ## ]]" in str(h["messages"][-1]["content"]))


def test_sections_that_come_back_empty_are_retried_once_then_make_the_job_partial(sample_settings, project,
                                                                                  script_lm) -> None:
    step(sample_settings, project, "outline")
    step(sample_settings, project, "hooks")
    # only the first section gets sentences; the other four come back empty, twice
    lm = answering(script_lm, {"The tempting answer\nGoal": SECTION,
                               **ANSWERS, "[[ ## previous ## ]]": {"sentences": [{"text": " ", "cites": []}]}})
    job = jobs.submit_and_run(sample_settings, "draft-script", {"project": project})
    assert job["status"] == "succeeded" and jobs.is_partial(job), job
    assert script_calls(lm) == 1 + 4 * 2, "each empty section is asked once more, past the cache"
    message = job["result"]["message"]
    assert message.startswith("Script: 4 of 5 sections came back empty from dummy (A hundred doors, ")
    assert "write the script again, write them yourself, or set a stronger model (SCRIPTWRIGHT_LM" in message
    assert job["message"] == message, "the job's own message is the warning, not 'Done'"

    saved = drafts.get(sample_settings, project)
    assert saved["note"] == "script generated with gaps" and saved["content"].problems["script"] == [message]
    sections = saved["content"].model_dump()["sections"]
    assert [len(s["sentences"]) for s in sections] == [2, 0, 0, 0, 0], "what was written is kept"
    assert draft_states(saved["content"])["sections"] == PARTIAL

    markdown = export_version(sample_settings, project)["markdown"].read_text()
    assert "> 4 of 5 sections have no text yet and are left out: A hundred doors, " in markdown
    assert "## The tempting answer [" in markdown and "## A hundred doors [" not in markdown
    assert "no text yet.)" not in markdown
    assert jobs.submit_and_run(sample_settings, "draft-checks", {"project": project})["status"] == "succeeded"


def test_a_script_with_no_sentence_is_partial_and_is_neither_checked_nor_exported(sample_settings, project,
                                                                                   script_lm) -> None:
    answering(script_lm, {**ANSWERS, "[[ ## previous ## ]]": {"sentences": []}})
    job = jobs.submit_and_run(sample_settings, "draft", {"project": project})
    assert job["status"] == "succeeded" and jobs.is_partial(job), job
    problems = job["result"]["problems"]
    assert problems[0].startswith("Script: 5 of 5 sections came back empty from dummy")
    assert problems[1] == "Checks: skipped, the script has no sentences to check."
    assert job["result"]["versions"] == [1, 2, 3], "outline, hooks and the empty script are saved; no checks"
    content = drafts.get(sample_settings, project)["content"]
    assert draft_states(content)["sections"] == PARTIAL and draft_states(content)["export"] == TODO

    with pytest.raises(ScriptwrightError, match="Nothing to export: the script has no sentences yet"):
        export_version(sample_settings, project)
    checks = jobs.submit_and_run(sample_settings, "draft-checks", {"project": project})
    assert checks["status"] == "failed" and "The script has no sentences yet" in checks["error"]


def test_an_outline_of_one_repeated_word_gives_way_to_the_framework_beats(sample_settings, project,
                                                                          script_lm) -> None:
    from pipelines.drafting.frameworks import load_frameworks

    beach = {"title": "beach", "goal": "beach", "beats": ["beach"]}
    lm = answering(script_lm, {**ANSWERS, "[[ ## frameworks ## ]]": {"framework": "{framework}", "why": "{why}",
                                                                     "sections": [beach] * 4}})
    job = jobs.submit_and_run(sample_settings, "draft-outline", {"project": project})
    assert jobs.is_partial(job), job
    assert sum(1 for h in lm.history if "[[ ## frameworks ## ]]" in str(h["messages"][-1]["content"])) == 2
    content = drafts.get(sample_settings, project)["content"]
    framework = next(f for f in load_frameworks(sample_settings) if f.id == content.framework.id)
    assert [s.title for s in content.outline] == [b.title for b in framework.beats]
    assert content.framework.why == "Chosen by similarity to the idea (the model named no listed framework)."
    assert job["result"]["problems"] == [
        f"Outline: the section plans from dummy were unusable (every beat was “beach”); the {framework.name} "
        "framework's own beats stand in for them. Edit them, write the outline again, or set a stronger model "
        "(SCRIPTWRIGHT_LM, shown on the Settings page)."]
    assert draft_states(content)["outline"] == PARTIAL
    edited = drafts.edit_outline(content, [{"title": "Doors", "goal": "See it", "beats": "one; two"}])
    assert edited.outline[0].beats == ["one", "two"] and draft_states(edited)["outline"] == DONE


def test_hooks_that_come_back_empty_are_left_out(sample_settings, project, script_lm) -> None:
    step(sample_settings, project, "outline")
    answering(script_lm, {"question: open with a question": HOOK, **ANSWERS, "[[ ## style ## ]]": {"hook": "..."}})
    job = jobs.submit_and_run(sample_settings, "draft-hooks", {"project": project})
    assert jobs.is_partial(job), job
    assert job["result"]["problems"][0].startswith(
        "Hooks: 3 of 4 from dummy were unusable (surprising fact, story, stakes: empty or under 8 words). Write hooks "
        "again")
    content = drafts.get(sample_settings, project)["content"]
    assert [h.style for h in content.hooks] == ["question"] and content.hook.text == HOOK["hook"]
    assert draft_states(content)["hooks"] == PARTIAL
    assert draft_states(choose_hook(content, "h1"))["hooks"] == DONE, "the creator's choice settles the step"

    answering(script_lm, {**ANSWERS, "[[ ## style ## ]]": {"hook": ""}})
    job = jobs.submit_and_run(sample_settings, "draft-hooks", {"project": project})
    assert "Hooks: 4 of 4 from dummy were unusable" in job["message"]
    again = drafts.get(sample_settings, project)["content"]
    assert again.hooks == content.hooks and again.hook == content.hook, "nothing usable replaces nothing"


def test_the_cli_refuses_to_export_an_empty_script_and_names_missing_sections(settings, data_dir) -> None:
    from pipelines import corpus
    from tests.integration.test_cli import run

    corpus.ensure_creator(settings, "Bee Teacher")
    pid = projects.ensure_project(settings, "Bee Teacher", "How bees talk")["id"]
    hook = {"id": "h1", "style": "question", "text": "Ever watched a bee dance?"}
    sections = [{"id": f"s{i}", "title": title, "duration_s": 0.0, "sentences": []}
                for i, title in ((1, "The dance"), (2, "The sun"))]
    drafts.save_version(settings, pid, {"idea": "How bees talk", "hook": hook, "sections": sections}, "script")
    out = run(["drafts", "export", "--project", pid], data_dir)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.strip() == ("Error: Nothing to export: the script has no sentences yet. Write the script (or "
                                  "its sections) first, then export.")
    assert not (settings.exports_dir / pid).exists()

    sections[0]["sentences"] = [{"text": "A bee dances to point the way.", "cites": []}]
    drafts.save_version(settings, pid, {"idea": "How bees talk", "hook": hook, "sections": sections}, "edit")
    out = run(["drafts", "export", "--project", pid], data_dir)
    assert out.returncode == 0, out.stderr
    assert "partial: 1 of 2 sections have no text yet and are left out: The sun." in " ".join(out.stderr.split())
    markdown = (settings.exports_dir / pid / f"{pid}-v2.md").read_text()
    assert "## The dance [" in markdown and "## The sun" not in markdown


# ---------------------------------------------------------------- answers about something else, or the prompt again

VOLCANO = ("Deep under Iceland, magma chambers swell for centuries before an eruption. Basalt lava flows hotter and "
           "runnier than the sticky rhyolite of explosive volcanoes, which is why Hawaiian eruptions ooze.")
# the hook prompt's own instructions (prompts/hook/v1.md), given back as the hook
HOOK_PROMPT_BACK = ("Write the first words of the video: three to five sentences (about 50 to 70 words) the creator "
                    "says to camera in the given style.")


def calls_with(lm: dspy.utils.DummyLM, marker: str) -> int:
    return sum(1 for h in lm.history if marker in str(h["messages"][-1]["content"]))


@pytest.mark.parametrize("sections,reason", [
    ([{"title": "Magma chambers", "goal": "See how magma swells under Iceland", "beats": ["basalt lava", "rhyolite"]},
      {"title": "Explosive eruptions", "goal": "Why sticky lava explodes", "beats": ["gas pressure"]},
      {"title": "Hawaiian lava", "goal": "Why it oozes", "beats": ["runny basalt"]}],
     "it is not about the idea or the notes (similarity "),
    ([{"title": "Pick the one framework from the list", "goal": "that best fits this idea and audience",
       "beats": ["give its id exactly as listed"]},
      {"title": "Then write one section per beat of that framework", "goal": "in order",
       "beats": ["a short title, the goal and the points it makes"]},
      {"title": "Build the sections from the research notes", "goal": "answer the audience's questions where they fit",
       "beats": ["Do not add facts that are not in the notes"]}],
     "it repeats its instructions (“"),
])
def test_an_outline_about_something_else_or_its_own_prompt_gives_way_to_the_framework_beats(
        sample_settings, project, script_lm, sections, reason) -> None:
    lm = answering(script_lm, {**ANSWERS, "[[ ## frameworks ## ]]": {**OUTLINE, "sections": sections}})
    job = jobs.submit_and_run(sample_settings, "draft-outline", {"project": project})
    assert jobs.is_partial(job), job
    assert calls_with(lm, "[[ ## frameworks ## ]]") == 2, "asked once more, past the cache"
    content = drafts.get(sample_settings, project)["content"]
    assert content.framework.id == "misconception-first"
    assert [s.title for s in content.outline] == ["The common belief", "Where it breaks", "The better model",
                                                       "Why the myth persists", "Takeaway"]
    [message] = job["result"]["problems"]
    assert message.startswith(f"Outline: the section plans from dummy were unusable ({reason}")
    assert "the Misconception first framework's own beats stand in for them" in message


@pytest.mark.parametrize("hook,reason", [
    ({"hook": VOLCANO}, "it is not about the idea or the notes (similarity "),
    ({"hook": HOOK_PROMPT_BACK}, "it repeats its instructions (“write the first words of the video"),
])
def test_a_hook_about_something_else_or_its_own_prompt_is_retried_then_left_out(sample_settings, project, script_lm,
                                                                               hook, reason) -> None:
    step(sample_settings, project, "outline")
    lm = answering(script_lm, {"question: open with a question": HOOK, **ANSWERS, "[[ ## style ## ]]": hook})
    job = jobs.submit_and_run(sample_settings, "draft-hooks", {"project": project})
    assert jobs.is_partial(job), job
    assert calls_with(lm, "[[ ## style ## ]]") == 1 + 3 * 2, "each unusable hook is asked once more"
    content = drafts.get(sample_settings, project)["content"]
    assert [h.style for h in content.hooks] == ["question"]
    [message] = job["result"]["problems"]
    assert message.startswith("Hooks: 3 of 4 from dummy were unusable (")
    assert reason in message and "surprising fact" in message and "Write hooks again" in message


@pytest.mark.parametrize("sentences,reason", [
    ([{"text": "Deep under Iceland, magma chambers swell for centuries before an eruption.", "cites": []},
      {"text": "Basalt lava flows hotter and runnier than sticky rhyolite.", "cites": []}],
     "it is not about the idea or the notes (similarity "),
    ([{"text": "Write this section of the script as the creator would say it out loud.", "cites": []},
      {"text": "The section's title, goal, beats and length in words.", "cites": []}],
     "it repeats its instructions (“"),
])
def test_a_section_about_something_else_or_its_own_prompt_is_retried_then_set_aside(sample_settings, project,
                                                                                   script_lm, sentences,
                                                                                   reason) -> None:
    step(sample_settings, project, "outline")
    step(sample_settings, project, "hooks")
    lm = answering(script_lm, {"The tempting answer\nGoal": SECTION,
                               **ANSWERS, "[[ ## previous ## ]]": {"sentences": sentences}})
    job = jobs.submit_and_run(sample_settings, "draft-script", {"project": project})
    assert jobs.is_partial(job), job
    assert script_calls(lm) == 1 + 4 * 2, "each off-task section is asked once more, past the cache"
    sections = drafts.get(sample_settings, project)["content"].sections
    assert [len(s.sentences) for s in sections] == [2, 0, 0, 0, 0], "what was off task is not kept"
    empty, aside = job["result"]["problems"]
    assert empty.startswith("Script: 4 of 5 sections came back empty from dummy (A hundred doors, ")
    assert aside.startswith("Script: what dummy wrote for A hundred doors (") and reason in aside
    assert aside.endswith("was set aside, leaving the section empty.")
