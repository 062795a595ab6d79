"""The evidence commands as a user runs them, with the embedded LM end to end (real
subprocesses, loopback articles). Quality is not asserted; the guarantees are."""

from __future__ import annotations

import json

import pytest

from pipelines import corpus
from pipelines.evidence.verify import VERDICTS, quote_in
from pipelines.store.duckdb import connect
from tests.evidence_site import FALSE_CLAIM, TRUE_CLAIM, UNRELATED_CLAIM, serve
from tests.integration.test_cli import run

pytestmark = pytest.mark.usefixtures("no_proxies")


def test_research_and_verify_with_the_embedded_lm(settings, data_dir, httpserver) -> None:
    corpus.ensure_creator(settings, "Bee Teacher")
    urls = serve(httpserver)
    out = run(["research", "--project", "How honeybees talk", "--creator", "Bee Teacher", "--json",
               *[arg for url in urls for arg in ("--source", url)]], data_dir)
    assert out.returncode == 0, out.stderr
    notes = json.loads(out.stdout)
    assert notes["project"] == "how-honeybees-talk"
    with connect(settings.duckdb_path) as conn:
        page_chunks = {r[0] for r in conn.execute("SELECT id FROM source_chunks").fetchall()}
    for point in notes["key_points"] + notes["numbers"] + notes["definitions"]:
        assert point["cites"] and {c["chunk_id"] for c in point["cites"]} <= page_chunks
    assert any(f["uri"].endswith("/bees/eyes") for f in notes["flags"])
    assert "flagged (treated as data" in out.stderr

    out = run(["verify", "--project", "how-honeybees-talk", "--json", "--claim", TRUE_CLAIM, "--claim", FALSE_CLAIM,
               "--claim", UNRELATED_CLAIM], data_dir)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    by_claim = {c["claim"]: c for c in report["claims"]}
    assert set(by_claim) == {TRUE_CLAIM, FALSE_CLAIM, UNRELATED_CLAIM}
    assert by_claim[UNRELATED_CLAIM]["verdict"] == "not enough evidence"
    for c in report["claims"]:
        assert c["verdict"] in VERDICTS
        if c["verdict"] != "not enough evidence":
            assert c["evidence"] and any(quote_in(c["quote"], e["text"]) for e in c["evidence"])

    listed = run(["projects", "--json"], data_dir)
    assert json.loads(listed.stdout)[0]["sources"] == 3


@pytest.mark.parametrize("args,needle", [
    (["research", "--project", "nope"], "No project 'nope'"),
    (["verify", "--project", "nope"], "No project 'nope'"),
    (["idea", "validate", "--creator", "ghost", "--idea", "zero factorial"], "No creator named 'ghost'"),
    (["idea", "validate", "--creator", "ghost", "--idea", "  "], "--idea is empty"),
    (["audience", "--creator", "ghost"], "No creator named 'ghost'"),
])
def test_evidence_errors_are_one_line(data_dir, args, needle) -> None:
    out = run(args, data_dir)
    assert out.returncode == 1
    assert needle in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_verify_refuses_a_missing_or_empty_file(settings, data_dir, tmp_path) -> None:
    corpus.ensure_creator(settings, "Bee Teacher")
    from pipelines.evidence.projects import ensure_project

    ensure_project(settings, "Bee Teacher", "Bees")
    empty = tmp_path / "draft.md"
    empty.write_text("  \n")
    for path, needle in ((tmp_path / "missing.md", "file not found"), (empty, "the file is empty")):
        out = run(["verify", "--project", "bees", str(path)], data_dir)
        assert out.returncode == 1 and needle in out.stderr, out.stderr


def test_audience_without_comments_says_how_to_get_them(settings, data_dir) -> None:
    corpus.ensure_creator(settings, "Bee Teacher")
    out = run(["audience", "--creator", "Bee Teacher"], data_dir)
    assert out.returncode == 0, out.stderr
    assert "no comments stored yet" in out.stdout


def test_audience_of_the_demo_creator(sample_settings, data_dir) -> None:
    out = run(["audience", "--creator", "pip-halloran", "--idea", "the Monty Hall problem", "--project",
               "Monty Hall", "--json"], data_dir)
    assert out.returncode == 1 and "No project 'Monty Hall'" in out.stderr
    out = run(["audience", "--creator", "pip-halloran", "--idea", "the Monty Hall problem", "--json"], data_dir)
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report["total"] == sum(c["count"] for c in report["clusters"]) > 0
    assert report["related"]
