"""Research with citations and fact verification over three articles served on loopback:
real HTTP, trafilatura, DuckDB, LanceDB and MiniLM; DummyLM where the answer must be known."""

from __future__ import annotations

from types import SimpleNamespace

import dspy
import pytest

from pipelines import corpus, jobs
from pipelines.evidence import projects
from pipelines.evidence.injection import WITHHELD
from pipelines.evidence.sources import list_sources
from pipelines.evidence.verify import check_claim, list_claims
from pipelines.store.duckdb import connect
from tests.conftest import ScriptLM
from tests.evidence_site import ARTICLES, FALSE_CLAIM, NOBEL_QUOTE, TRUE_CLAIM, UNRELATED_CLAIM, serve

pytestmark = pytest.mark.usefixtures("no_proxies")

NOTES = {
    "key_points": [
        {"text": "Karl von Frisch decoded the waggle dance.", "cites": ["P1", "P2", "P3", "P4"]},
        {"text": "Bees have five eyes, two compound eyes and three ocelli.", "cites": ["P99"]},
        {"text": "The moon is made of green cheese.", "cites": ["P77"]},
    ],
    "definitions": [{"term": "ocelli", "meaning": "the three simple eyes a bee has on top of its head", "cites": []}],
    "numbers": [{"text": "A colony holds 20,000 to 80,000 workers.", "cites": ["1"]}],
    "open_questions": ["How do drones spend the winter?"],
}


def use_lm(script_lm: ScriptLM, lm: dspy.LM) -> dspy.LM:
    script_lm(lm)
    return lm


@pytest.fixture
def project(settings) -> str:
    corpus.ensure_creator(settings, "Bee Teacher")
    return projects.ensure_project(settings, "Bee Teacher", "How honeybees talk")["id"]


def research(settings, project: str, urls: list[str], **params) -> dict:
    return jobs.submit_and_run(settings, "research", {"project": project, "sources": urls, **params})


def prompts_sent(lm: dspy.utils.DummyLM) -> str:
    return "\n".join(str(m.get("content")) for h in lm.history for m in h["messages"])


def test_research_notes_cite_chunks_of_the_served_pages(settings, project, httpserver, script_lm) -> None:
    urls = serve(httpserver)
    lm = use_lm(script_lm, dspy.utils.DummyLM([NOTES], adapter=dspy.JSONAdapter()))
    job = research(settings, project, urls)
    assert job["status"] == "succeeded", job["error"]
    notes = projects.result(settings, project, "research")["content"]

    stored = list_sources(settings, project)
    assert sorted(s["uri"] for s in stored) == sorted(urls)
    with connect(settings.duckdb_path) as conn:
        page_chunks = {r[0] for r in conn.execute("SELECT id FROM source_chunks WHERE project_id = ?", [project]).fetchall()}
    points = notes["key_points"] + notes["numbers"] + notes["definitions"]
    assert points, notes
    for point in points:
        assert point["cites"], point
        assert {c["chunk_id"] for c in point["cites"]} <= page_chunks
        assert all(c["uri"] in urls for c in point["cites"])
    texts = [p["text"] for p in notes["key_points"]]
    assert "Bees have five eyes, two compound eyes and three ocelli." in texts  # re-grounded by similarity
    eyes = next(p for p in notes["key_points"] if p["text"].startswith("Bees have five eyes"))
    assert eyes["grounding"] == "matched" and eyes["cites"][0]["uri"].endswith("/bees/eyes")
    assert notes["dropped_uncited"] == ["The moon is made of green cheese."]
    assert notes["open_questions"] == ["How do drones spend the winter?"]
    assert "Copyright the bee blog" not in " ".join(p["text"] for p in notes["passages"])

    # the instruction inside the eyes article is flagged, stored as data and never shown to the model
    assert [f["rule"] for f in notes["flags"]] and notes["flags"][0]["uri"].endswith("/bees/eyes")
    sent = prompts_sent(lm)
    assert "Ignore previous instructions" not in sent and WITHHELD in sent
    with connect(settings.duckdb_path) as conn:
        assert conn.execute("SELECT count(*) FROM source_chunks WHERE text LIKE '%Ignore previous instructions%'"
                            " AND flagged").fetchone()[0] == 1


def test_verification_quotes_evidence_and_never_supports_without_it(settings, project, httpserver, script_lm) -> None:
    urls = serve(httpserver)
    use_lm(script_lm, dspy.utils.DummyLM([NOTES], adapter=dspy.JSONAdapter()))
    research(settings, project, urls)
    every = ["E1", "E2", "E3", "E4"]
    answers = {
        TRUE_CLAIM: {"verdict": "supported", "cites": every, "quote": NOBEL_QUOTE, "confidence": 0.9},
        FALSE_CLAIM: {"verdict": "contradicted", "cites": every, "quote": f"He {NOBEL_QUOTE}.", "confidence": 0.8},
    }
    use_lm(script_lm, dspy.utils.DummyLM(answers, adapter=dspy.JSONAdapter()))
    job = jobs.submit_and_run(settings, "verify", {"project": project,
                                                   "claims": [TRUE_CLAIM, FALSE_CLAIM, UNRELATED_CLAIM]})
    assert job["status"] == "succeeded", job["error"]
    report = projects.result(settings, project, "verification")["content"]
    by_claim = {c["claim"]: c for c in report["claims"]}
    dance_page = " ".join(ARTICLES["/bees/dance"][1])

    supported = by_claim[TRUE_CLAIM]
    assert supported["verdict"] == "supported" and supported["confidence"] == 0.9
    assert supported["quote"] == NOBEL_QUOTE and NOBEL_QUOTE in dance_page
    assert any(e["uri"].endswith("/bees/dance") and NOBEL_QUOTE in e["text"] for e in supported["evidence"])
    contradicted = by_claim[FALSE_CLAIM]
    assert contradicted["verdict"] == "contradicted" and contradicted["evidence"]
    # the unrelated claim never reached the model (the DummyLM has no answer for it)
    unrelated = by_claim[UNRELATED_CLAIM]
    assert unrelated["verdict"] == "not enough evidence" and unrelated["model_verdict"] is None
    assert report["counts"] == {"supported": 1, "contradicted": 1, "not enough evidence": 1}
    assert [c["verdict"] for c in list_claims(settings, project)] == ["supported", "contradicted",
                                                                      "not enough evidence"]


def test_a_verdict_without_a_cited_passage_or_a_real_quote_is_not_trusted(settings, project, httpserver,
                                                                           script_lm) -> None:
    use_lm(script_lm, dspy.utils.DummyLM([NOTES], adapter=dspy.JSONAdapter()))
    research(settings, project, serve(httpserver))

    def uncited(claim, evidence):
        return SimpleNamespace(verdict="supported", cites=["E9"], quote=NOBEL_QUOTE, confidence=0.99)

    def misquoted(claim, evidence):
        return SimpleNamespace(verdict="supported", cites=["E1", "E2", "E3", "E4"],
                               quote="von Frisch got the prize in a year", confidence=0.95)

    checked = check_claim(settings, project, TRUE_CLAIM, uncited)
    assert checked["verdict"] == "not enough evidence" and checked["model_verdict"] == "supported"
    checked = check_claim(settings, project, TRUE_CLAIM, misquoted)
    assert checked["verdict"] == "supported" and checked["confidence"] == 0.6
    assert any(checked["quote"] in e["text"] for e in checked["evidence"])


def test_unparseable_answers_are_retried_once_then_fail_that_step_only(settings, project, httpserver,
                                                                        script_lm) -> None:
    urls = serve(httpserver)
    bad = {"summary": "not the fields we asked for"}
    lm = use_lm(script_lm, dspy.utils.DummyLM([bad, bad], adapter=dspy.JSONAdapter()))
    job = research(settings, project, urls)
    assert job["status"] == "failed"
    assert job["error"].startswith("Research notes: the answer from dummy did not match the expected fields")
    assert len(lm.history) == 2
    assert len(list_sources(settings, project)) == 3  # the sources read before the failure are kept
    assert projects.result(settings, project, "research") is None

    lm = use_lm(script_lm, dspy.utils.DummyLM([bad, NOTES], adapter=dspy.JSONAdapter()))
    job = research(settings, project, [])
    assert job["status"] == "succeeded", job["error"]
    assert len(lm.history) == 2 and projects.result(settings, project, "research")["version"] == 1


def test_bad_sources_fail_alone(settings, project, httpserver, script_lm) -> None:
    urls = serve(httpserver)
    httpserver.expect_request("/missing").respond_with_data("gone", status=404)
    httpserver.expect_request("/empty").respond_with_data("<html><body><script>x()</script></body></html>",
                                                          content_type="text/html")
    use_lm(script_lm, dspy.utils.DummyLM([NOTES], adapter=dspy.JSONAdapter()))
    job = research(settings, project, [urls[0], httpserver.url_for("/missing"), httpserver.url_for("/empty"),
                                       "http://127.0.0.1:9/nothing-listens-here"])
    assert job["status"] == "succeeded", job["error"]
    failed = {i["name"]: i["detail"] for i in job["items"] if i["status"] == "failed"}
    assert set(failed) == {httpserver.url_for("/missing"), httpserver.url_for("/empty"),
                           "http://127.0.0.1:9/nothing-listens-here"}
    assert "404" in failed[httpserver.url_for("/missing")]
    assert [s["uri"] for s in list_sources(settings, project)] == [urls[0]]

    # adding the same page again stores nothing new
    again = research(settings, project, [urls[0]])
    assert [i["status"] for i in again["items"]] == ["unchanged"]


def test_research_needs_a_source(settings, project, script_lm) -> None:
    use_lm(script_lm, dspy.utils.DummyLM([NOTES], adapter=dspy.JSONAdapter()))
    job = research(settings, project, [])
    assert job["status"] == "failed" and "has no sources yet" in job["error"]


def test_no_usable_point_from_the_model_falls_back_to_extracted_sentences(settings, project, httpserver,
                                                                          script_lm) -> None:
    urls = serve(httpserver)
    empty = {"key_points": [], "definitions": [], "numbers": [], "open_questions": []}
    use_lm(script_lm, dspy.utils.DummyLM([empty], adapter=dspy.JSONAdapter()))
    job = research(settings, project, urls, topic="the waggle dance")
    assert job["status"] == "succeeded" and jobs.is_partial(job), job
    points = projects.result(settings, project, "research")["content"]["key_points"]
    assert 1 <= len(points) <= 5 and all(p["grounding"] == "extracted" for p in points)
    assert job["message"] == (f"Research notes: no point from dummy was usable and cited a passage; the {len(points)} "
                              "source sentences closest to the topic stand in, marked extracted. Write the notes "
                              "again, or set a stronger model (SCRIPTWRIGHT_LM, shown on the Settings page).")
    page_text = " ".join(" ".join(paragraphs) for _, paragraphs in ARTICLES.values())
    assert all(p["text"] in page_text and p["cites"][0]["uri"] in urls for p in points)
    assert not any("Ignore previous instructions" in p["text"] for p in points)
    assert any("waggle" in p["text"] for p in points)


def test_web_search_finds_sources_only_when_configured(settings, project, httpserver, script_lm) -> None:
    urls = serve(httpserver)
    use_lm(script_lm, dspy.utils.DummyLM([NOTES, NOTES], adapter=dspy.JSONAdapter()))
    job = research(settings, project, [], web=True)
    assert job["status"] == "failed" and "SCRIPTWRIGHT_WEB_SEARCH" in job["error"]

    httpserver.expect_request("/search").respond_with_json(
        {"results": [{"title": t, "url": u, "content": ""} for (t, _), u in zip(ARTICLES.values(), urls)]})
    searching = settings.model_copy(update={"web_search": httpserver.url_for("")})
    job = research(searching, project, [], web=True)
    assert job["status"] == "succeeded", job["error"]
    assert sorted(s["uri"] for s in list_sources(searching, project)) == sorted(urls)


def test_a_contradicted_number_is_caught_without_the_model(settings, project, httpserver, script_lm) -> None:
    use_lm(script_lm, dspy.utils.DummyLM([NOTES], adapter=dspy.JSONAdapter()))
    research(settings, project, serve(httpserver))
    asked = []

    def gullible(claim, evidence):
        asked.append(claim)
        return SimpleNamespace(verdict="supported", cites=["E1"], quote=NOBEL_QUOTE, confidence=0.99)

    checked = check_claim(settings, project, "A honeybee colony typically holds about 5,000 worker bees.", gullible)
    assert checked["verdict"] == "contradicted" and not asked, "decided in code, whatever the judge would say"
    assert "80,000 worker bees" in checked["quote"] and checked["evidence"]
    assert checked["reason"].startswith("The source says 80,000 where the claim says 5,000.")
    # someone else named for what the source states: also decided in code
    named = check_claim(settings, project, "Charles Darwin decoded the waggle dance of honeybees.", gullible)
    assert named["verdict"] == "contradicted" and not asked, named
    assert named["reason"].startswith("The source names Karl von Frisch where the claim names Charles Darwin.")
    # the right number goes on to the judge as before
    assert check_claim(settings, project, TRUE_CLAIM, gullible)["verdict"] == "supported" and asked


def test_a_fact_check_whose_answers_cite_nothing_is_partial(settings, project, httpserver, script_lm) -> None:
    use_lm(script_lm, dspy.utils.DummyLM([NOTES], adapter=dspy.JSONAdapter()))
    research(settings, project, serve(httpserver))
    uncited = {"verdict": "supported", "cites": [], "quote": "", "confidence": 0.0}
    use_lm(script_lm, dspy.utils.DummyLM({TRUE_CLAIM: uncited}, adapter=dspy.JSONAdapter()))
    job = jobs.submit_and_run(settings, "verify", {"project": project, "claims": [TRUE_CLAIM, UNRELATED_CLAIM]})
    assert job["status"] == "succeeded" and jobs.is_partial(job), job
    assert job["message"].startswith("Fact check: 1 of 2 claims got no usable answer from dummy (a verdict citing "
                                     "none of the passages it was shown), so they stay 'not enough evidence'.")
    report = projects.result(settings, project, "verification")["content"]
    by_claim = {c["claim"]: c for c in report["claims"]}
    assert by_claim[TRUE_CLAIM]["verdict"] == "not enough evidence" and by_claim[TRUE_CLAIM]["problem"]
    assert by_claim[UNRELATED_CLAIM]["problem"] is None, "no passage about it: the sources' word, not a gap"
    assert report["problems"] == [job["message"]]
