"""The publish kit on the demo creator: a drafted script (DummyLM answers keyed by each step's own
input field), then titles, description, Short and community post as the `publish` job, each a
new version of the draft; what the model leaves unusable is reported, never stored as done.
Also the title program's eval set, eval run and compile, and the CLI's bad input."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import dspy
import pytest

from pipelines import corpus, evals, jobs
from pipelines.drafting import drafts
from pipelines.drafting.chapters import CHAPTER_MIN_S, chapter_problems
from pipelines.drafting.description import DESCRIPTION_MAX, description_text
from pipelines.drafting.export import runtime
from pipelines.drafting.kit import choose_title, export_description, stale_parts
from pipelines.drafting.publish import ON_TOPIC_MIN, topic_of
from pipelines.drafting.shorts import SHORT_MAX_S
from pipelines.drafting.steps import creator_pace
from pipelines.errors import ScriptwrightError
from pipelines.evidence import projects
from pipelines.evidence.sources import best_match
from pipelines.lm import scripted_lms
from pipelines.settings import Settings, get_settings
from pipelines.store.duckdb import connect
from tests.conftest import SAMPLE, ScriptLM

SOURCE = SAMPLE / "sources" / "monty-hall-notes.md"
IDEA = "Monty Hall with a hundred doors"
BIN = Path(sys.executable).parent / "scriptwright"
DRAFTING = {
    "[[ ## frameworks ## ]]": {"framework": "misconception-first", "why": "Everyone's first guess is wrong.",
                               "sections": [{"title": "The tempting answer", "goal": "See why 50/50 feels right",
                                             "beats": ["two doors"]}]},
    "[[ ## style ## ]]": {"hook": "Be honest, you would stay with your door, wouldn't you? Let's find out why "
                                  "that loses two times out of three."},
    "[[ ## hook ## ]]": {"curiosity": 4, "clarity": 5, "promise": 4, "critique": "Name the prize."},
    "[[ ## previous ## ]]": {"sentences": [
        {"text": "Switching wins the car two times out of three, and staying wins only once.", "cites": ["N1"]},
        {"text": "The host knows where the car is, so the door he opens tells you something.", "cites": []},
        {"text": "Picture a hundred doors and a host who opens ninety-eight goats for you.", "cites": []},
        {"text": "Would you still keep your first pick now, or would you switch?", "cites": []}]},
    "[[ ## passages ## ]]": {"key_points": [{"text": "Switching wins with probability 2/3.", "cites": ["P1"]}],
                             "definitions": [], "numbers": [], "open_questions": []},
}
TITLES = {"ask the question the video answers": {"title": "Should You Always Switch Doors?"},
          "lead with a number": {"title": "100 Doors, 98 Goats and One Car"},
          "say what the viewer will understand": {"title": "Finally Understand the Monty Hall Problem"},
          "hint at a surprise": {"title": "The Door You Picked Is Probably Wrong"},
          "say plainly what the video explains": {"title": "The Monty Hall Problem With a Hundred Doors"}}
KIT = {**TITLES,
       "[[ ## video_outline ## ]]": {"summary": "Three doors, one car, and a host who knows. Let's see why "
                                                "switching wins two times in three, with a hundred doors to help."},
       "[[ ## short_passage ## ]]": {"hook_line": "You picked door one. Should you switch?",
                                     "script": "Switching wins two times out of three. The host knows where the car "
                                               "is. Picture a hundred doors: would you keep your pick?"},
       "[[ ## what_it_covers ## ]]": {"post": "New video! Gran and I finally settle the Monty Hall argument with a "
                                             "hundred doors and a lot of goats. If you have ever stayed with your "
                                             "first door, this one is for you. Which would you pick?"}}
PIP_DESCRIPTIONS = ["Why do the primes never run out?\n\n0:00 Intro\n2:10 Euclid\n\nSources:\n- Euclid\n\n"
                    "Join the maths club: https://pip.example/club\nGran's abacus fund: https://pip.example/gran",
                    "A birthday puzzle.\n\nJoin the maths club: https://pip.example/club\n"
                    "Gran's abacus fund: https://pip.example/gran",
                    "Negative numbers with a thermometer.\n\nJoin the maths club: https://pip.example/club"]


def answering(script_lm: ScriptLM, answers: dict) -> dspy.utils.DummyLM:
    lm = dspy.utils.DummyLM(answers, adapter=dspy.JSONAdapter())
    script_lm(lm)
    return lm


@pytest.fixture(scope="module")
def _drafted_workspace(_sample_workspace: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The demo workspace with a project of Pip's drafted (research, outline, hooks, script) and three of Pip's
    videos given descriptions; made once for this module."""
    path = tmp_path_factory.mktemp("drafted-workspace") / "data"
    shutil.copytree(_sample_workspace, path)
    settings = Settings(data_dir=path)
    with scripted_lms(dspy.utils.DummyLM(DRAFTING, adapter=dspy.JSONAdapter())):
        pid = projects.ensure_project(settings, "pip-halloran", IDEA)["id"]
        assert jobs.submit_and_run(settings, "research", {"project": pid, "sources": [str(SOURCE)]})["status"] \
            == "succeeded"
        for name in ("outline", "hooks", "script"):
            job = jobs.submit_and_run(settings, f"draft-{name}", {"project": pid})
            assert job["status"] == "succeeded", job["error"]
    creator = corpus.get_creator(settings, "pip-halloran")
    with connect(settings.duckdb_path) as conn:
        ids = [r[0] for r in conn.execute("SELECT id FROM videos WHERE creator_id = ? ORDER BY published_at DESC",
                                          [creator["id"]]).fetchall()]
        for video_id, text in zip(ids, PIP_DESCRIPTIONS):
            conn.execute("UPDATE videos SET description = ? WHERE id = ?", [text, video_id])
    return path, pid


@pytest.fixture
def drafted(_drafted_workspace: tuple[Path, str], data_dir: Path) -> tuple[Settings, str]:
    """A private copy of the drafted workspace as this test's data dir: (settings, project id)."""
    shutil.copytree(_drafted_workspace[0], data_dir, dirs_exist_ok=True)
    settings = get_settings()
    settings.ensure_dirs()
    return settings, _drafted_workspace[1]


def publish(settings, project: str, part: str = "all") -> dict:
    job = jobs.submit_and_run(settings, "publish", {"project": project, "part": part})
    assert job["status"] == "succeeded", job["error"]
    return job


def test_the_kit_is_made_part_by_part_as_new_versions(drafted, script_lm) -> None:
    settings, project = drafted
    answering(script_lm, KIT)
    job = publish(settings, project)
    assert not jobs.is_partial(job), job["result"]
    assert job["result"]["parts"] == ["titles", "description", "short", "post"]
    assert job["result"]["versions"] == [4, 5, 6, 7]
    row = drafts.get(settings, project)
    assert row["step"] == "publish" and row["parent_version"] == 6 and row["note"] == "publish post generated"
    assert set(row["prompt_versions"]) >= {"title", "description", "short", "community_post"}
    content = row["content"]
    kit = content.publish
    assert stale_parts(content) == []

    titles = kit["titles"]
    assert [t["style"] for t in titles["candidates"]] == ["question", "number", "outcome", "curiosity gap", "plain"]
    assert titles["range"] == [28, 52] and titles["past_titles"] == 7
    for t in titles["candidates"]:
        assert t["chars"] == len(t["text"]) and t["in_range"] == (28 <= t["chars"] <= 52)
        assert 0 < t["closeness"] <= 1 and t["nearest"] in {v["title"] for v in corpus.list_videos(
            settings, corpus.get_creator(settings, "pip-halloran")["id"])}
    plain = next(t for t in titles["candidates"] if t["style"] == "plain")
    assert plain["nearest"] == "The Monty Hall Problem: Why You Should Always Switch"
    assert titles["chosen"]["id"] == max((t for t in titles["candidates"] if t["in_range"]),
                                         key=lambda t: t["closeness"])["id"]

    description = kit["description"]
    pip = corpus.get_creator(settings, "pip-halloran")
    wpm, _ = creator_pace(settings, pip["id"], pip["slug"])
    words = len(content.hook.text.split()) + sum(len(s.text.split()) for sec in content.sections
                                                for s in sec.sentences)
    assert description["wpm"] == wpm
    assert description["duration_s"] == pytest.approx(words / wpm * 60, abs=0.1)
    chapters = description["chapters"]
    assert chapters[0]["start_s"] == 0 and len(chapters) >= 3
    assert all(c["duration_s"] >= CHAPTER_MIN_S for c in chapters)
    assert sum(c["duration_s"] for c in chapters) == pytest.approx(description["duration_s"], abs=0.1)
    assert description["duration_s"] == pytest.approx(runtime(content), abs=0.1), "the runtime the export shows"
    assert chapter_problems(chapters, description["duration_s"]) == []
    assert description["sources"] == [] and description["unlinked_sources"] == 1  # the demo source is a file
    assert description["footer"] == ["Join the maths club: https://pip.example/club",
                                     "Gran's abacus fund: https://pip.example/gran"]
    text = description_text(description)
    assert text.startswith("Three doors, one car") and "0:00 " in text and len(text) <= DESCRIPTION_MAX
    assert text.endswith("Gran's abacus fund: https://pip.example/gran\n")

    short = kit["short"]
    assert short["tightened"] and short["hook"] == "You picked door one. Should you switch?"
    assert short["seconds"] <= SHORT_MAX_S and short["words"] == len(short["hook"].split()) + len(short["text"].split())
    assert short["passage"]["stands_alone"] and short["passage"]["words"] <= wpm
    assert kit["post"]["text"].startswith("New video!") and kit["post"]["title"] == titles["chosen"]["text"]

    path = export_description(Path(settings.data_dir) / "out", project, content)
    assert path.name == "description.txt" and path.read_text(encoding="utf-8") == text

    other = titles["candidates"][0]
    picked = choose_title(content, other["id"], "  My own   title ")
    assert picked.publish["titles"]["chosen"] == {"id": other["id"], "style": other["style"], "text": "My own title"}
    with pytest.raises(ScriptwrightError, match="no title 't9'"):
        choose_title(content, "t9")
    with pytest.raises(ScriptwrightError, match="1 to 100 characters; this one has 101"):
        choose_title(content, other["id"], "x" * 101)


def test_feedback_on_a_kit_part_is_an_example_of_its_program(drafted, script_lm) -> None:
    settings, project = drafted
    answering(script_lm, KIT)
    version = publish(settings, project)["result"]["version"]
    content = drafts.get(settings, project, version)["content"]
    drafts.add_feedback(settings, project, version, "publish", "titles", 1, "my kind of title")
    drafts.add_feedback(settings, project, version, "publish", "post", -1, "too chatty")
    with pytest.raises(ScriptwrightError, match="publish kit is on one of titles, description, short, post, not "
                                                "'thumbnail'"):
        drafts.add_feedback(settings, project, version, "publish", "thumbnail", 1)
    title, post = drafts.feedback_examples(settings, project)
    assert (title["program"], title["target"], title["rating"]) == ("title", "titles", 1)
    assert title["output"] == title["reference"] == content.publish["titles"]["chosen"]["text"]
    assert title["inputs"]["idea"] == IDEA and "Switching wins the car" in title["inputs"]["script"]
    assert (post["program"], post["output"], post["reference"]) == ("community_post",
                                                                    content.publish["post"]["text"], None)


def test_writing_one_part_again_keeps_the_others_and_the_older_version(drafted, script_lm) -> None:
    settings, project = drafted
    answering(script_lm, KIT)
    before = drafts.get(settings, project, publish(settings, project)["result"]["version"])
    answering(script_lm, {**KIT, "[[ ## what_it_covers ## ]]": {"post": "A second take on the post, written "
                                                                        "again for the people who follow Pip "
                                                                        "and love a good puzzle about doors."}})
    job = publish(settings, project, "post")
    assert job["result"]["versions"] == [before["version"] + 1]
    after = drafts.get(settings, project)
    assert after["parent_version"] == before["version"]
    assert after["content"].publish["post"]["text"].startswith("A second take")
    for part in ("titles", "description", "short"):
        assert after["content"].publish[part] == before["content"].publish[part]
    assert drafts.get(settings, project, before["version"])["content"].publish["post"]["text"] \
        .startswith("New video!")

    edited = drafts.edit_section(after["content"], "s1", "A brand new first section that changes the script.")
    drafts.save_edit(settings, project, after["version"], edited, "edited s1")
    assert stale_parts(drafts.get(settings, project)["content"]) == ["titles", "description", "short", "post"]


def test_unusable_answers_are_reported_and_the_deterministic_parts_still_right(drafted, script_lm) -> None:
    settings, project = drafted
    same = {key: {"title": "Monty Hall"} for key in TITLES}
    # what the embedded model answered on this draft: one of Pip's own titles, and a post about its instructions
    copied = {"say plainly what the video explains": {"title": "Fractions, Explained with Pizza"},
              "lead with a number": {"title": "Monty Hall's Monty Hall Problem Monty Hall's Monty Hall Problem"}}
    meta = ("The creator has decided to share a story of their life and how it has shaped them, and the creator is "
            "using this to inspire others.")
    answering(script_lm, {**same, **copied, "[[ ## video_outline ## ]]": {"summary": "{summary}"},
                          "[[ ## short_passage ## ]]": {"hook_line": "Doors.", "script": "Doors. " * 300},
                          "[[ ## what_it_covers ## ]]": {"post": meta}})
    job = publish(settings, project)
    assert jobs.is_partial(job)
    problems = job["result"]["problems"]
    assert [p.split(":")[0] for p in problems] == ["Titles", "Description", "Short", "Community post"]
    assert "4 of 5 from dummy were left out" in problems[0] and "the same as the question title" in problems[0]
    assert "plain (a copy of your title “Fractions, Explained With Pizza”)" in problems[0]
    assert "number (it says “monty hall s monty hall problem” over and over)" in problems[0]
    assert "Short: the cut from dummy was unusable (it says “doors” over and over)" in problems[2]
    assert "was not about the video" in problems[3] and "set a stronger model" in problems[3]

    content = drafts.get(settings, project)["content"]
    kit = content.publish
    assert [t["text"] for t in kit["titles"]["candidates"]] == ["Monty Hall"]
    assert kit["description"]["summary"] == ""
    assert len(kit["description"]["chapters"]) >= 3 and kit["description"]["footer"]
    assert kit["short"]["hook"] is None and not kit["short"]["tightened"]
    assert kit["short"]["text"] == kit["short"]["passage"]["text"] and kit["short"]["seconds"] <= SHORT_MAX_S
    assert kit["post"]["text"] == ""
    assert content.problems["publish.post"] == [problems[3]]
    assert description_text(kit["description"]).startswith("0:00 ")


def test_a_project_without_a_script_is_a_clear_error(sample_settings, monkeypatch) -> None:
    pid = projects.ensure_project(sample_settings, "pip-halloran", "Negative numbers on a thermometer")["id"]
    job = jobs.submit_and_run(sample_settings, "publish", {"project": pid})
    assert job["status"] == "failed"
    assert job["error"] == (f"Project {pid} has no script yet: write it first (`scriptwright draft --project {pid}`), "
                            "then make its publish kit.")
    env = {**os.environ, "SCRIPTWRIGHT_DATA_DIR": str(sample_settings.data_dir)}
    for args, needle in ((["publish", "--project", pid], "has no script yet: write it first"),
                         (["publish", "--project", pid, "--part", "thumbnail"], "--part 'thumbnail': expected all"),
                         (["publish", "--project", "nope"], "No project 'nope'")):
        out = subprocess.run([str(BIN), *args], capture_output=True, text=True, timeout=300, env=env)
        assert out.returncode != 0
        lines = [line for line in out.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and needle in lines[0] and "Traceback" not in out.stderr, out.stderr


def test_the_cli_exports_the_current_kit_without_writing_anything_new(drafted, script_lm, tmp_path) -> None:
    settings, project = drafted
    answering(script_lm, KIT)
    version = publish(settings, project)["result"]["version"]
    env = {**os.environ, "SCRIPTWRIGHT_DATA_DIR": str(settings.data_dir)}
    out = subprocess.run([str(BIN), "publish", "--project", project, "--export", str(tmp_path / "kit")],
                         capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr
    assert "Should You Always Switch Doors?" in out.stdout and "Community post" in out.stdout
    written = (tmp_path / "kit" / "description.txt").read_text(encoding="utf-8")
    assert written == description_text(drafts.get(settings, project)["content"].publish["description"])
    assert drafts.get(settings, project)["version"] == version


def test_the_title_program_is_evaluated_and_compiled_on_the_creators_own_titles(sample_settings,
                                                                                script_lm) -> None:
    eval_set = evals.build_eval_set(sample_settings, "pip-halloran", "title")
    examples = eval_set["examples"]
    assert len(examples) == 7 and {e["split"] for e in examples} == {"train", "dev", "test"}
    train_titles = {e["reference"] for e in examples if e["split"] == "train"}
    for e in examples:
        assert e["reference"] not in e["past_titles"] and set(e["past_titles"]) <= train_titles
        assert e["key_points"] and len(e["opening"].split()) == 60
    assert evals.build_eval_set(sample_settings, "pip-halloran", "title")["id"] == eval_set["id"]

    answering(script_lm, {"[[ ## title_style ## ]]": {"title": "Why Can't We Divide by Zero, Really?"}})
    job = jobs.submit_and_run(sample_settings, "eval-run", {"creator": "pip-halloran", "program": "title",
                                                           "variant": "stable", "split": "test"})
    assert job["status"] == "succeeded", job["error"]
    run = evals.get_run(sample_settings, job["result"]["run_id"])
    assert run["metric"] == "title-metric-v1" and run["program"] == "title" and len(run["results"]) == 1
    result = run["results"][0]
    assert result["output"] == "Why Can't We Divide by Zero, Really?"
    assert set(result["subscores"]) >= {"meaning", "length", "plain", "clickbait", "reference"}

    job = jobs.submit_and_run(sample_settings, "optimize", {"creator": "pip-halloran", "program": "title",
                                                           "optimizer": "bootstrap", "budget": 2})
    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["version"] == 1 and job["result"]["demos"] >= 1
    compiled_run = jobs.submit_and_run(sample_settings, "eval-run", {"creator": "pip-halloran", "program": "title",
                                                                    "variant": "compiled:latest", "split": "test"})
    assert compiled_run["status"] == "succeeded", compiled_run["error"]
    compiled_id = evals.get_run(sample_settings, compiled_run["result"]["run_id"])["compiled_id"]
    assert compiled_id == job["result"]["compiled_id"]


def test_the_embedded_model_writes_a_description_or_says_it_could_not(drafted) -> None:
    settings, project = drafted  # no LM scripted: every role is the embedded model
    job = publish(settings, project, "description")
    content = drafts.get(settings, project)["content"]
    description = content.publish["description"]
    assert description["lm"] == "local/smollm2"
    if jobs.is_partial(job):
        assert job["result"]["problems"][0].startswith("Description: the summary from local/smollm2 was empty")
        assert "so the description has no summary, only chapters" in job["result"]["problems"][0]  # what it has
        assert description["summary"] == ""
    else:
        assert best_match(description["summary"], [topic_of(content)])[1] >= ON_TOPIC_MIN
    # whatever the model wrote, what code makes is right
    assert len(description["chapters"]) >= 3
    assert chapter_problems(description["chapters"], description["duration_s"]) == []
    assert description["footer"] == ["Join the maths club: https://pip.example/club",
                                     "Gran's abacus fund: https://pip.example/gran"]
    assert len(description_text(description)) <= DESCRIPTION_MAX
