"""Ingest throughput against the bare embedder on the same chunks, and hybrid search latency
against embedding the query alone, on one ingested corpus (3b1b when the shared corpora are
present, else the demo corpus). Run with `make bench`; asserts nothing about time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from pipelines import jobs
from pipelines.embed import embed
from pipelines.settings import Settings
from pipelines.store.duckdb import connect
from tests.bench.measure import percentile, search_latencies
from tests.bench.report import Row
from tests.conftest import SAMPLE, SHARED_CORPORA

pytestmark = [pytest.mark.bench, pytest.mark.timeout(3600)]  # a loaded machine is slow, not broken


@dataclass(frozen=True)
class Ingested:
    settings: Settings
    source: str
    videos: int
    words: int
    chunks: list[str]
    seconds: float
    cpu_s: float


@pytest.fixture(scope="module")
def ingested(tmp_path_factory: pytest.TempPathFactory) -> Ingested:
    source = SHARED_CORPORA / "3b1b"
    if not source.exists():
        source = SAMPLE
    settings = Settings(data_dir=tmp_path_factory.mktemp("ingest-bench") / "data")
    settings.ensure_dirs()
    embed(["warm up the model once so neither side pays for loading it"])
    started, cpu_started = time.perf_counter(), time.process_time()
    job = jobs.submit_and_run(settings, "ingest", {"creator": "bench", "sources": [str(source)]})
    seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    assert job["status"] == "succeeded", job["error"]
    with connect(settings.duckdb_path) as conn:
        chunks = [r[0] for r in conn.execute("SELECT text FROM chunks ORDER BY video_id, idx").fetchall()]
        words = conn.execute("SELECT sum(n_words) FROM videos").fetchone()[0]
    return Ingested(settings, source.name, job["result"]["added"], words, chunks, seconds, cpu_s)


def test_ingest_throughput_vs_bare_embedder(ingested: Ingested, bench_record: Callable[[Row], None]) -> None:
    started, cpu_started = time.perf_counter(), time.process_time()
    embed(ingested.chunks)
    embed_s, embed_cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    bench_record(Row.of(
        "ingest throughput", ingested.words / ingested.seconds, "words/s", ingested.words / embed_s,
        f"{ingested.source}: {ingested.videos} videos, {ingested.words:,} words, {len(ingested.chunks)} chunks; "
        f"baseline: the bare embedder on the same chunks; in CPU time the ratio is {embed_cpu_s / ingested.cpu_s:.2f}"))


def test_hybrid_search_latency(ingested: Ingested, bench_record: Callable[[Row], None]) -> None:
    searches, embeds = search_latencies(ingested.settings, creator="bench")
    where = (f"{len(searches)} searches, {ingested.source} ({len(ingested.chunks)} chunks); "
             "baseline: embedding the query")
    for q in (50, 95):
        bench_record(Row.of(f"hybrid search p{q}", percentile(searches, q), "ms", percentile(embeds, q), where))
