"""Ingest throughput against the bare embedder on the same chunks, measured in one run.

Run with `make bench`. Prints figures; asserts nothing about time.
"""

import time

import pytest

from pipelines import jobs
from pipelines.embed import embed
from pipelines.store.duckdb import connect
from tests.conftest import SAMPLE, SHARED_CORPORA


@pytest.mark.bench
def test_ingest_throughput_vs_bare_embedder(settings) -> None:
    source = SHARED_CORPORA / "3b1b"
    if not source.exists():
        source = SAMPLE
    embed(["warm up the model once so neither side pays for loading it"])

    started = time.perf_counter()
    job = jobs.submit_and_run(settings, "ingest", {"creator": "bench", "sources": [str(source)]})
    ingest_s = time.perf_counter() - started
    assert job["status"] == "succeeded", job["error"]

    with connect(settings.duckdb_path) as conn:
        chunk_texts = [r[0] for r in conn.execute("SELECT text FROM chunks ORDER BY video_id, idx").fetchall()]
        corpus_words = conn.execute("SELECT sum(n_words) FROM videos").fetchone()[0]
    started = time.perf_counter()
    embed(chunk_texts)
    embed_s = time.perf_counter() - started

    ingest_wps = corpus_words / ingest_s
    embed_wps = corpus_words / embed_s
    print(f"\nsource: {source.name}, {job['result']['added']} videos, {corpus_words:,} words, {len(chunk_texts)} chunks")
    print(f"ingest end to end: {ingest_s:.1f} s = {ingest_wps:,.0f} words/s")
    print(f"bare embedder on the same chunks: {embed_s:.1f} s = {embed_wps:,.0f} words/s")
    print(f"ratio ingest / bare embedder: {ingest_wps / embed_wps:.2f}")
