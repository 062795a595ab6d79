"""The benchmark machinery on a tiny generated channel, in the default suite so it cannot rot:
the generator, an ingest of its folder, the search timer, the rows written as JSON and the table."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipelines import jobs
from pipelines.settings import Settings
from tests.bench.measure import QUERIES, percentile, search_latencies
from tests.bench.report import Row, machine, render, save
from tests.bench.synthetic import write_corpus


def test_generated_channel_ingests_and_its_figures_make_the_table(settings: Settings, tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    generated = write_corpus(tmp_path / "channel", 5, mean_words=300)
    again = write_corpus(tmp_path / "again", 5, mean_words=300)
    assert sorted(p.name for p in generated.folder.iterdir()) == sorted(p.name for p in again.folder.iterdir())
    assert all(p.read_bytes() == (again.folder / p.name).read_bytes() for p in generated.folder.iterdir())
    assert 5 * 200 <= generated.words <= 5 * 400

    job = jobs.submit_and_run(settings, "ingest", {"creator": "Synthetic Channel", "sources": [str(generated.folder)]})
    assert job["status"] == "succeeded", job["error"]
    assert job["result"]["added"] == 5 and abs(job["result"]["words"] - generated.words) <= 0.02 * generated.words

    searches, embeds = search_latencies(settings, "Synthetic Channel", repeats=1, queries=QUERIES[:2])
    assert len(searches) == len(embeds) == 2 and min(searches) > 0
    assert percentile([4.0, 1.0, 3.0, 2.0], 50) == 2.5 and percentile([1.0, 2.0], 95) == pytest.approx(1.95)

    rows = [Row.of("smoke: search p50", percentile(searches, 50), "ms", percentile(embeds, 50), "two queries"),
            Row.of("smoke: rerun LM calls", 0, "calls", 3, "a | in notes"),
            Row.of("smoke: store size", 1.5, "MiB")]
    monkeypatch.setenv("SCRIPTWRIGHT_BENCH_DIR", str(tmp_path / "bench"))
    paths = [save(r) for r in rows]
    assert [p.name for p in paths] == ["smoke-search-p50.json", "smoke-rerun-lm-calls.json", "smoke-store-size.json"]
    stored = json.loads(paths[1].read_text())
    assert stored["ratio"] == 0.0 and stored["baseline"] == 3.0 and stored["machine"]["cpus"] >= 1

    table = render(rows, machine()).splitlines()
    assert table[0] == "| benchmark | value | baseline | ratio | notes |" and len(table) == 2 + len(rows) + 2
    assert table[3] == "| smoke: rerun LM calls | 0 calls | 3 calls | 0.00× | a / in notes |"
    assert table[4] == "| smoke: store size | 1.50 MiB | – | – |  |"
    assert table[-1].startswith("Machine: ") and "GiB RAM" in table[-1]
