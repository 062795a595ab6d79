"""Idea validation on the demo workspace: corpus fit, audience demand, competition from a
SearxNG-compatible search served on loopback, and the verdict stored on a project."""

from __future__ import annotations

import dspy
import pytest

from pipelines import jobs
from pipelines.errors import ScriptwrightError
from pipelines.evidence import projects
from pipelines.evidence.idea import competition
from pipelines.evidence.search import video_search, web_search
from tests.conftest import ScriptLM

pytestmark = pytest.mark.usefixtures("no_proxies")

VERDICT = {"verdict": "sharpen it", "reasons": ["Pip already made a Monty Hall video (similarity 0.8)."],
           "angles": ["Monty Hall with 100 doors", "Why your intuition about doors lies", "Monty Hall in a game show"]}
RIVALS = {"results": [
    {"title": "The Monty Hall problem, explained", "url": "https://example.org/v/1", "content": "doors and goats",
     "author": "Some channel", "views": 1200000},
    {"title": "Monty Hall simulation", "url": "https://example.org/v/2", "content": "a simulation"},
    {"title": "no url here"},
]}


@pytest.fixture
def verdict_lm(script_lm: ScriptLM) -> dspy.LM:
    lm = dspy.utils.DummyLM([VERDICT] * 3, adapter=dspy.JSONAdapter())
    script_lm(lm)
    return lm


def test_a_repeat_idea_is_recognised_and_stored(sample_settings, httpserver, verdict_lm) -> None:
    httpserver.expect_request("/search", query_string={"q": "The Monty Hall problem explained", "format": "json",
                                                       "categories": "videos"}).respond_with_json(RIVALS)
    settings = sample_settings.model_copy(update={"video_search": httpserver.url_for("")})
    job = jobs.submit_and_run(settings, "idea-validate", {"creator": "pip-halloran",
                                                          "idea": "The Monty Hall problem explained"})
    assert job["status"] == "succeeded", job["error"]
    result = projects.result(settings, job["result"]["project"], "idea")
    c = result["content"]
    assert c["fit"]["verdict"] == "already covered"
    assert c["fit"]["videos"][0]["title"].startswith("The Monty Hall Problem")
    assert c["fit"]["videos"][0]["excerpt"] and c["fit"]["videos"][0]["similarity"] >= 0.65
    assert c["competition"]["configured"] and c["competition"]["count"] == 2
    assert c["competition"]["top_views"] == 1200000
    assert c["demand"]["comments"] > 0 and c["demand"]["matching"] > 0
    assert all(q["similarity"] >= 0.45 for q in c["demand"]["quotes"])
    assert c["verdict"] == "sharpen it" and len(c["angles"]) == 3
    assert result["prompt_versions"]["idea_validation"]["version"] == "v1"
    sent = "\n".join(str(m.get("content")) for h in verdict_lm.history for m in h["messages"])
    assert "already covered" in sent and "Competing videos found: 2" in sent

    again = jobs.submit_and_run(settings, "idea-validate", {"creator": "pip-halloran",
                                                            "idea": "The Monty Hall problem explained"})
    assert again["result"]["project"] == job["result"]["project"] and again["result"]["version"] == 2


def test_an_idea_from_another_field_is_outside_the_channel(sample_settings, verdict_lm) -> None:
    job = jobs.submit_and_run(sample_settings, "idea-validate", {"creator": "pip-halloran",
                                                                 "idea": "How black holes evaporate"})
    assert job["status"] == "succeeded", job["error"]
    c = projects.result(sample_settings, job["result"]["project"], "idea")["content"]
    assert c["fit"]["verdict"] == "outside the channel's topics"
    assert c["competition"] == {"configured": False, "videos": [], "note": c["competition"]["note"]}


ECHOED = {"verdict": "make it", "reasons": ["make it", "sharpen it", "skip it"], "angles": ["skip it", "{angle}"]}


def test_reasons_that_only_echo_the_options_are_asked_for_again(sample_settings, script_lm) -> None:
    lm = dspy.utils.DummyLM([ECHOED, VERDICT], adapter=dspy.JSONAdapter())
    script_lm(lm)
    job = jobs.submit_and_run(sample_settings, "idea-validate", {"creator": "pip-halloran", "idea": "Prime gaps"})
    assert job["status"] == "succeeded" and not jobs.is_partial(job) and job["message"] == "Done"
    c = projects.result(sample_settings, job["result"]["project"], "idea")["content"]
    assert c["reasons"] == VERDICT["reasons"] and c["problems"] == [] and len(lm.history) == 2


def test_a_verdict_without_a_usable_reason_is_partial(sample_settings, script_lm) -> None:
    lm = dspy.utils.DummyLM([ECHOED, ECHOED], adapter=dspy.JSONAdapter())
    script_lm(lm)
    job = jobs.submit_and_run(sample_settings, "idea-validate", {"creator": "pip-halloran", "idea": "Prime gaps"})
    assert job["status"] == "succeeded" and jobs.is_partial(job), job
    assert job["message"].startswith("Idea check: the verdict from dummy came with no usable reason")
    assert "treat it as a guess" in job["message"] and "Validate again" in job["message"]
    c = projects.result(sample_settings, job["result"]["project"], "idea")["content"]
    assert c["verdict"] == "make it" and c["reasons"] == [] and c["angles"] == []
    assert c["problems"] == [job["message"]] and c["fit"]["videos"], "the measured facts stand"


def test_the_cli_warns_of_a_partial_result_and_still_succeeds(sample_settings, script_lm) -> None:
    from typer.testing import CliRunner

    from pipelines import cli

    lm = dspy.utils.DummyLM([ECHOED, ECHOED], adapter=dspy.JSONAdapter())
    script_lm(lm)
    result = CliRunner().invoke(cli.app, ["idea", "validate", "--creator", "pip-halloran", "--idea", "Prime gaps"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.stderr.split())
    assert "partial: Idea check: the verdict from dummy came with no usable reason" in said
    assert "Prime gaps → make it" in " ".join(result.stdout.split())


def test_search_providers_are_off_by_default_and_errors_are_clear(settings, httpserver) -> None:
    assert video_search(settings) is None and web_search(settings) is None
    httpserver.expect_request("/search").respond_with_data("down", status=503)
    broken = settings.model_copy(update={"video_search": httpserver.url_for("")})
    with pytest.raises(ScriptwrightError, match="returned 503"):
        competition(broken, "anything")
    with pytest.raises(ScriptwrightError, match="expected 'youtube' or a SearxNG URL"):
        video_search(settings.model_copy(update={"video_search": "bing"}))


def test_projects_keep_their_creator(sample_settings) -> None:
    a = projects.ensure_project(sample_settings, "pip-halloran", "Zero factorial")
    b = projects.ensure_project(sample_settings, "rex-moreno", "Zero factorial")
    assert a["id"] == "zero-factorial" and b["id"] == "zero-factorial-2"
    assert projects.ensure_project(sample_settings, "pip-halloran", "Zero factorial")["id"] == a["id"]
    with pytest.raises(ScriptwrightError, match="No project 'nope'"):
        projects.get_project(sample_settings, "nope")
    with pytest.raises(ScriptwrightError, match="working title"):
        projects.ensure_project(sample_settings, "pip-halloran", "???")
