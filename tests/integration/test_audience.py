"""Audience research on ingested comments: the 300-comment tides fixture and the demo corpus,
through the real ingest job, DuckDB, LanceDB and the packaged embedder."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pipelines import corpus, jobs
from pipelines.errors import ScriptwrightError
from pipelines.evidence.audience import GAP_SCORE, KINDS, RELATED, audience_report, knowledge_gaps, load_comments
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, rows
from tests.comments_fixture import WATCH_URL, write_fixture

GAP_KEYS = {"cluster_id", "label", "count", "quote", "best_video_title", "best_score"}


@pytest.fixture(scope="module")
def tides(tmp_path_factory: pytest.TempPathFactory) -> tuple[Settings, list[dict[str, Any]], dict[str, Any]]:
    """The fixture ingested once into its own data dir, with its report for one idea."""
    root = tmp_path_factory.mktemp("tides")
    s = Settings(data_dir=root / "data")
    s.ensure_dirs()
    written = write_fixture(root / "videos")
    job = jobs.submit_and_run(s, "ingest", {"creator": "Marla", "sources": [str(root / "videos")]})
    assert job["status"] == "succeeded", job["error"]
    return s, written, audience_report(s, "Marla", idea="could tides power a city")


def _holding(report: dict[str, Any], written: list[dict[str, Any]], phrase: str,
             kinds: tuple[str, ...] = ("question",)) -> dict[str, Any]:
    """The cluster of these kinds holding most of the comments that contain the phrase."""
    ids = {c["id"] for c in written if phrase in c["text"]}
    return max((c for c in report["clusters"] if c["kind"] in kinds), key=lambda c: len(ids & set(c["comment_ids"])))


def _stored(s: Settings) -> list[dict[str, Any]]:
    with connect(s.duckdb_path, s.lock_retry_s) as conn:
        return rows(conn, "SELECT video_id, comment_id, parent_id, text FROM comments")


def test_every_distinct_comment_is_in_one_cluster(tides):
    s, written, report = tides
    stored = _stored(s)
    assert len(stored) == len(written) - 1  # ingest drops the one empty comment
    distinct = {(r["video_id"], " ".join(r["text"].split()).casefold()) for r in stored if r["text"].strip()}
    assert 240 <= report["total"] == len(distinct) < len(stored)  # the duplicates are counted once
    assert sum(report["by_kind"].values()) == sum(c["count"] for c in report["clusters"]) == report["total"]
    ids = [i for c in report["clusters"] for i in c["comment_ids"]]
    assert len(ids) == len(set(ids)) == report["total"]
    assert any("." in i for i in ids)  # replies are analysed too
    json.dumps(report)


def test_every_kind_is_found_and_quotes_are_verbatim(tides):
    _, written, report = tides
    assert all(report["by_kind"][k] > 0 for k in KINDS)
    assert {c["kind"] for c in report["clusters"]} == set(KINDS)
    assert len([c for c in report["clusters"] if c["kind"] == "question"]) >= 2
    texts = {c["text"] for c in written}
    by_id = {c["id"]: c for c in written}
    for cluster in report["clusters"]:
        assert cluster["quotes"] and cluster["label"]
        for q in cluster["quotes"]:
            assert q["text"] in texts and by_id[q["comment_id"]]["text"] == q["text"]
            assert q["link"] == f"{WATCH_URL}&lc={q['comment_id']}"
            assert q["video_title"] == "Why the Moon Makes Two Tides a Day"


def test_the_rules_agree_with_the_intended_kinds(tides):
    s, written, report = tides
    intended = {c["id"]: c["kind"] for c in written}
    found = {i: c["kind"] for c in report["clusters"] for i in c["comment_ids"]}
    agree = sum(intended[i] == kind for i, kind in found.items())
    assert agree / len(found) >= 0.95


def test_markup_in_comments_stays_text(tides):
    s, written, report = tides
    marked = {c["id"]: c["text"] for c in written if "<" in c["text"]}
    assert any("<script>" in t for t in marked.values()) and any("<b>hi</b>" in t for t in marked.values())
    loaded = {c.comment_id: c.text for c in load_comments(s, "Marla")}
    kept = {i: t for i, t in marked.items() if i in loaded}
    assert kept and all(loaded[i] == t for i, t in kept.items())  # neither stripped nor escaped
    quoted = [q["text"] for c in report["clusters"] for q in c["quotes"]]
    assert any(t.startswith("<script>alert('tide')</script>") for t in quoted)


def test_the_idea_relates_to_the_tidal_power_requests(tides):
    _, written, report = tides
    assert report["idea"] == "could tides power a city" and report["related"]
    clusters = {c["id"]: c for c in report["clusters"]}
    assert all(clusters[i]["relevance"] >= RELATED for i in report["related"])
    power = _holding(report, written, "tidal", ("request",))
    assert "tidal" in power["keywords"] and power["id"] in report["related"]
    assert power["relevance"] == max(c["relevance"] for c in report["clusters"] if c["kind"] == "request")
    editing = _holding(report, written, "Great editing", ("praise",))
    assert editing["relevance"] < RELATED and editing["id"] not in report["related"]


def test_knowledge_gaps_are_the_unanswered_questions(tides):
    s, written, report = tides
    assert report["gaps"] == knowledge_gaps(s, "Marla", report)
    gap_ids = {g["cluster_id"] for g in report["gaps"]}
    assert all(set(g) == GAP_KEYS and g["best_score"] < GAP_SCORE for g in report["gaps"])
    assert [g["count"] for g in report["gaps"]] == sorted((g["count"] for g in report["gaps"]), reverse=True)
    assert _holding(report, written, "two high tides a day")["id"] not in gap_ids  # the video answers it
    assert _holding(report, written, "fifty minutes later")["id"] not in gap_ids
    assert _holding(report, written, "moon drifting away")["id"] in gap_ids
    assert _holding(report, written, "lake")["id"] in gap_ids
    assert gap_ids <= {c["id"] for c in report["clusters"] if c["kind"] == "question"}
    # a confusion is left under the video that covered the subject: not a gap, a confusion after that video
    confused = {c["id"] for c in report["clusters"] if c["kind"] == "confusion"}
    assert {g["cluster_id"] for g in report["confusions"]} == confused
    assert all(g["video_title"] for g in report["confusions"])
    assert knowledge_gaps(s, "Marla", report, threshold=-1.0) == []


def test_a_creator_without_comments_gets_a_note(settings: Settings, tmp_path: Path):
    (tmp_path / "talk.srt").write_text("1\n00:00:00,000 --> 00:00:04,000\nBread needs time.\n", encoding="utf-8")
    job = jobs.submit_and_run(settings, "ingest", {"creator": "Quiet", "sources": [str(tmp_path)]})
    assert job["status"] == "succeeded", job["error"]
    report = audience_report(settings, "Quiet", idea="bread")
    assert report["total"] == 0 and report["clusters"] == [] and report["gaps"] == [] and report["related"] == []
    assert "--comments" in report["note"] and ".info.json" in report["note"]
    with pytest.raises(ScriptwrightError, match="No creator named 'Nobody'"):
        audience_report(settings, "Nobody")


def test_the_demo_creator_has_an_audience(sample_settings: Settings):
    s = sample_settings
    pip = corpus.get_creator(s, "Pip Halloran")
    (video,) = [v for v in corpus.list_videos(s, pip["id"]) if v["comments"]]
    assert video["title"] == "The Monty Hall Problem: Why You Should Always Switch"
    assert (video["source"], video["source_id"], video["url"]) == ("file", "the-monty-hall-problem", None)
    assert str(video["published_at"]) == "2024-04-03"
    report = audience_report(s, "Pip Halloran", idea="the Monty Hall problem")
    assert report["total"] == video["comments"] == 62
    assert all(report["by_kind"][k] > 0 for k in KINDS)
    assert report["related"]
    top = next(c for c in report["clusters"] if c["id"] == report["related"][0])
    assert top["relevance"] >= RELATED and top["kind"] in ("question", "confusion")
    assert all(q["link"] is None for c in report["clusters"] for q in c["quotes"])  # a local file: no URL
    gaps = knowledge_gaps(s, "Pip Halloran", report)
    assert isinstance(gaps, list) and gaps and all(set(g) == GAP_KEYS for g in gaps)
    assert any("Bayes" in g["quote"] for g in gaps)
    assert audience_report(s, "Rex Moreno")["note"]
