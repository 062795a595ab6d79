"""The assistant over real stores: tools are the pipeline's own functions, every step is stored."""

from __future__ import annotations

import json

import dspy
import pytest

from pipelines import jobs
from pipelines.assistant import agent, chat
from pipelines.drafting import drafts
from pipelines.errors import ScriptwrightError
from pipelines.evidence import projects
from tests.conftest import ScriptLM

HOOK = ("What if the door you picked first is the worst bet in the room? Here's the thing: most people stick. "
        "Let's count it out together, and you'll never see three doors the same way again.")


def use_lm(script_lm: ScriptLM, answers: list[dict]) -> dspy.utils.DummyLM:
    lm = dspy.utils.DummyLM(answers, adapter=dspy.JSONAdapter())
    script_lm(lm)
    return lm


def act(tool: str, **args) -> dict:
    """The agent step's answer: call `tool` with these arguments."""
    return {"thought": f"use {tool}", "tool": tool, "args": json.dumps(args)}


@pytest.fixture
def session(sample_settings) -> dict:
    project = projects.ensure_project(sample_settings, "pip-halloran", "Monty Hall", "Why switching doors wins")
    return chat.start_session(sample_settings, "pip-halloran", project["id"])


def turn(settings, session_id: str, text: str) -> dict:
    """Send a message and run its job here; the job row (status, result)."""
    _, job_id = agent.send(settings, session_id, text)
    return jobs.run(settings, job_id)


def test_search_write_and_save_a_hook_as_a_new_version(sample_settings, session, script_lm) -> None:
    use_lm(script_lm, [act("search_corpus", query="prime numbers"), act("write_hook", style="question"),
                       {"hook": HOOK}, act("save_hook", text=HOOK), act("finish"),
                       {"reply": "I found your primes video and saved the hook as draft v1."}])
    result = turn(sample_settings, session["id"], "Give me a question hook in my style and save it")["result"]
    assert result["tools"] == ["search_corpus", "write_hook", "save_hook"] and result["errors"] == 0
    assert result["wrote"] == ["draft v1"]
    saved = drafts.get(sample_settings, session["project_id"])
    assert saved["version"] == 1 and saved["step"] == "assistant" and saved["content"].hook.text == HOOK

    stored = chat.messages(sample_settings, session["id"])
    assert [m["role"] for m in stored] == ["assistant", "user", "tool", "tool", "tool", "assistant"]
    search = stored[2]
    assert search["tool_name"] == "search_corpus" and search["tool_args"] == {"query": "prime numbers"}
    passages = search["tool_result"]["result"]["passages"]
    assert passages and all(p["title"] and p["at"] for p in passages)
    assert stored[4]["tool_result"]["wrote"] == "draft v1" and "Saved as draft v1" in stored[4]["content"]

    # a second turn sees the first in its history and its write adds a version, never overwrites
    lm = use_lm(script_lm, [act("save_hook", text=HOOK + " Ready?"), act("finish"), {"reply": "Saved v2."}])
    turn(sample_settings, session["id"], "Add 'Ready?' at the end")
    assert [v["version"] for v in drafts.versions(sample_settings, session["project_id"])] == [2, 1]
    assert "Give me a question hook" in str(lm.history[0]["messages"])


def test_greeting_knows_the_creator_and_the_project(sample_settings, session) -> None:
    greeting = chat.messages(sample_settings, session["id"])[0]
    assert greeting["role"] == "assistant" and greeting["content"].startswith("Hi Pip!")
    assert "videos" in greeting["content"] and "Monty Hall" in greeting["content"]
    assert greeting["content"].count("Ask me to") == 1
    again = chat.latest_session(sample_settings, "pip-halloran", session["project_id"])
    assert again["id"] == session["id"]


def test_bad_messages_are_refused_before_anything_is_stored(sample_settings, session) -> None:
    for text, match in (("   ", "Type a message first"), ("x" * 20_000, "20,000 characters.*up to 8,000")):
        with pytest.raises(ScriptwrightError, match=match):
            agent.send(sample_settings, session["id"], text)
    assert len(chat.messages(sample_settings, session["id"])) == 1


def test_unknown_tool_bad_arguments_and_a_failing_tool_are_readable(sample_settings, session, script_lm) -> None:
    use_lm(script_lm, [act("delete_everything"), act("search_corpus", wrong="x"),
                       {"thought": "t", "tool": "search_corpus", "args": "query=primes"},
                       act("rewrite_section", section_id="s9", request="simpler"), act("finish"),
                       {"reply": "Sorry, none of that worked."}])
    result = turn(sample_settings, session["id"], "Make section 9 simpler")["result"]
    assert result["errors"] == 4
    tools = [m for m in chat.messages(sample_settings, session["id"]) if m["role"] == "tool"]
    assert [m["status"] for m in tools] == ["error"] * 4
    assert "There is no tool called 'delete_everything'" in tools[0]["content"]
    assert "arguments that do not fit" in tools[1]["content"] and "query" in tools[1]["content"]
    assert "needs its arguments as a JSON object, got: query=primes" in tools[2]["content"]
    assert "has no draft yet" in tools[3]["content"]
    assert chat.messages(sample_settings, session["id"])[-1]["content"] == "Sorry, none of that worked."


def test_a_repeated_call_is_not_run_again_and_the_turn_replies(sample_settings, session, script_lm) -> None:
    """Small models repeat their last call; a repeated write would save the same hook twice."""
    use_lm(script_lm, [act("save_hook", text=HOOK), act("save_hook", text=HOOK),
                       {"reply": "Saved your hook as draft v1."}])
    result = turn(sample_settings, session["id"], "Save this as my hook: " + HOOK)["result"]
    assert result["tools"] == ["save_hook"] and result["reply"] == "Saved your hook as draft v1."
    assert [v["version"] for v in drafts.versions(sample_settings, session["project_id"])] == [1]
    assert [m["role"] for m in chat.messages(sample_settings, session["id"])] == ["assistant", "user", "tool",
                                                                                   "assistant"]


def test_an_unreadable_lm_answer_becomes_an_error_message(sample_settings, session, script_lm) -> None:
    use_lm(script_lm, [{"nonsense": 1}] * 4)
    _, job_id = agent.send(sample_settings, session["id"], "Hello?", tag="experimental")
    result = jobs.run(sample_settings, job_id)
    assert result["status"] == "succeeded"
    assert result["prompt_versions"]["assistant"] == {**result["prompt_versions"]["assistant"], "tag": "experimental"}
    last = chat.messages(sample_settings, session["id"])[-1]
    assert last["role"] == "error" and "did not match the expected fields" in last["content"]
    assert [m["role"] for m in chat.messages(sample_settings, session["id"])] == ["assistant", "user", "error"]


def test_with_the_embedded_model_a_chosen_tool_gets_typed_arguments(sample_settings, session, script_lm) -> None:
    """When the router leaves a message to the embedded model, it picks a tool from an enum, then fills
    the tool's own fields (no free JSON)."""
    from pipelines.settings import EMBEDDED_LM

    lm = use_lm(script_lm, [{"thought": "search", "tool": "search_corpus"}, {"query": "prime numbers"},
                            {"thought": "done", "tool": "finish"}, {"reply": "Your primes video."}])
    lm.model = EMBEDDED_LM
    result = turn(sample_settings, session["id"], "Can you help me with primes?")["result"]
    assert result["tools"] == ["search_corpus"] and result["errors"] == 0
    search = chat.messages(sample_settings, session["id"])[2]
    assert search["tool_args"] == {"query": "prime numbers"} and search["tool_result"]["result"]["passages"]
    assert search["tool_result"]["routed_by"] == "model"
    step, arguments = (str(call["messages"]) for call in lm.history[:2])
    assert "`args`" not in step and "finish" in step
    assert "search_corpus(query, k)" in arguments and "`query`" in arguments


def test_with_the_embedded_model_an_obvious_request_goes_to_its_tool_by_meaning(sample_settings, session,
                                                                                  script_lm) -> None:
    """No model call picks the tool or writes its arguments: the search is the message, the hook the
    passage pasted after the request; the call says it was routed by meaning and why."""
    from pipelines.settings import EMBEDDED_LM

    lm = use_lm(script_lm, [{"thought": "done", "tool": "finish"}, {"reply": "Your primes video."},
                            {"thought": "done", "tool": "finish"}, {"reply": "Saved as draft v1."}])
    lm.model = EMBEDDED_LM
    asked = "Where did I talk about prime numbers before?"
    assert turn(sample_settings, session["id"], asked)["result"]["tools"] == ["search_corpus"]
    search = chat.messages(sample_settings, session["id"])[2]
    assert search["tool_args"] == {"query": asked} and search["tool_result"]["routed_by"] == "meaning"
    assert search["tool_result"]["result"]["passages"][0]["title"].startswith("Why the Primes Never Run Out")
    assert search["tool_result"]["thought"].startswith("Routed by meaning")
    assert "[1] search_corpus(" in str(lm.history[0]["messages"]), "the model's first call already sees the search"

    result = turn(sample_settings, session["id"], f"Save this as my hook: {HOOK}")["result"]
    assert result["tools"] == ["save_hook"] and result["wrote"] == ["draft v1"]
    assert drafts.get(sample_settings, session["project_id"])["content"].hook.text == HOOK
    assert len(lm.history) == 4, "two turns, each one step (finish) and the reply"


@pytest.mark.slow
def test_one_turn_with_the_embedded_lm_is_stored(sample_settings, session) -> None:
    job = turn(sample_settings, session["id"], "Where did I talk about prime numbers before?")
    assert job["status"] == "succeeded", job["error"]
    stored = chat.messages(sample_settings, session["id"])
    last = stored[-1]
    assert last["turn"] == 1 and last["role"] in ("assistant", "error") and last["content"].strip()
    for call in (m for m in stored if m["role"] == "tool"):  # typed fields: every call's arguments fit its tool
        assert not any(words in call["content"] for words in ("needs its arguments", "do not fit")), call


def test_chat_command_prints_tool_calls_and_resumes_the_conversation(sample_settings, session, script_lm) -> None:
    from typer.testing import CliRunner

    from pipelines.cli import app

    use_lm(script_lm, [act("search_corpus", query="prime numbers"), act("finish"),
                       {"reply": "You covered primes in your sieve video."}])
    runner = CliRunner()
    args = ["chat", "--creator", "pip-halloran", "--project", session["project_id"]]
    result = runner.invoke(app, [*args, "-m", "Where did I talk about primes?"])
    assert result.exit_code == 0, result.output
    assert "search_corpus" in result.output and "You covered primes in your sieve video." in result.output
    again = runner.invoke(app, args, input="/quit\n")
    assert again.exit_code == 0 and "Where did I talk about primes?" in again.output
    assert f"Conversation {session['id']}" in again.output


def test_chat_command_refuses_an_overlong_message_in_one_line(sample_settings, data_dir) -> None:
    from tests.integration.test_cli import run

    out = run(["chat", "--creator", "pip-halloran", "-m", "x" * 20_000], data_dir)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1].startswith("Error: Your message is 20,000 characters")


def test_assistant_tasks_run_as_an_eval_with_tool_use_and_outcomes_scored(sample_settings, script_lm) -> None:
    from pipelines import evals
    from pipelines.assistant.tasks import build_tasks

    tasks = build_tasks(sample_settings, "pip-halloran")
    first_title = tasks[0]["video_title"]
    hook = next(t for t in tasks if t["id"] == "save-hook")["message"].split(": ", 1)[1]
    # the model gets the first task right, calls the wrong tool on the second, and follows the rest
    answers = [act("search_corpus", query=first_title), act("finish"), {"reply": "Found it."},
               act("score_voice", text="hello"), act("finish"), {"reply": "Scored."},
               act("score_voice", text=tasks[2]["message"].split("? ", 1)[1]), act("finish"), {"reply": "0.9"},
               act("validate_idea", idea=tasks[3]["video_title"]), act("finish"), {"reply": "Covered."},
               act("save_hook", text=hook), act("finish"), {"reply": "Saved."}]
    use_lm(script_lm, answers)
    job = jobs.submit_and_run(sample_settings, "eval-run", {"program": "assistant", "creator": "pip-halloran",
                                                           "variant": "stable"})
    assert job["status"] == "succeeded", job["error"]
    run = evals.get_run(sample_settings, job["result"]["run_id"])
    scores = {r["example_id"]: r["subscores"] for r in run["results"]}
    assert set(scores) == {t["id"] for t in tasks}
    assert scores["find-past-video"] == {**scores["find-past-video"], "score": 1.0, "tools": 1.0, "outcome": 1.0}
    assert scores["signature-phrases"]["score"] == 0.0 and scores["signature-phrases"]["called"] == ["score_voice"]
    assert scores["idea-fit"]["outcome"] == 1.0 and scores["save-hook"]["score"] == 1.0
    assert run["metric"] == "assistant-tasks-v1"
    assert drafts.find(sample_settings, "assistant-evaluation")["step"] == "assistant"
    refused = jobs.submit_and_run(sample_settings, "optimize", {"program": "assistant", "creator": "pip-halloran"})
    assert refused["status"] == "failed" and "evaluated, not compiled" in refused["error"]
