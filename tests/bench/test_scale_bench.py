"""Scale: a generated channel of $SCRIPTWRIGHT_BENCH_VIDEOS videos (default 1,000, about 1.5 M
words) ingested from a local folder by `scriptwright ingest` in its own process: throughput,
peak memory, store sizes, hybrid search latency with and without an ANN index, and the Creators
page in headless Chromium. Each figure is set against a baseline measured in the same run.
"""

from __future__ import annotations

import json
import os
import random
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lancedb
import pytest
from lancedb.index import IvfHnswSq

from pipelines.settings import Settings
from pipelines.store.duckdb import connect
from pipelines.store.vectors import CHUNKS, DIM
from tests.bench.measure import Measured, creators_page_row, percentile, run_measured, search_latencies
from tests.bench.report import Row
from tests.bench.synthetic import SyntheticCorpus, write_corpus
from tests.conftest import REPO

pytestmark = [pytest.mark.bench, pytest.mark.timeout(6 * 3600)]
VIDEOS = int(os.environ.get("SCRIPTWRIGHT_BENCH_VIDEOS", "1000"))
CREATOR = "Synthetic Channel"
BIN = Path(sys.executable).parent / "scriptwright"
SAMPLE_CHUNKS = 200  # about 40,000 words: one ingest batch
MIB = 1024 ** 2

# The baseline process: the packaged embedder alone on sampled chunks (prints seconds).
BARE_EMBEDDER = """
import json, sys, time
from pipelines.embed import embed
texts = json.loads(open(sys.argv[1], encoding="utf-8").read())
embed(["warm up"])
start = time.perf_counter()
embed(texts)
print(time.perf_counter() - start)
"""


@dataclass(frozen=True)
class Scale:
    settings: Settings
    corpus: SyntheticCorpus
    ingest: Measured
    words: int
    chunk_texts: list[str]
    sample_words: int
    bare: Measured  # the bare-embedder process
    bare_embed_s: float  # the embed call alone, as that process timed it


def size(path: Path) -> int:
    return path.stat().st_size if path.is_file() else sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


@pytest.fixture(scope="module")
def scale(tmp_path_factory: pytest.TempPathFactory) -> Scale:
    root = tmp_path_factory.mktemp("scale")
    generated = write_corpus(root / "channel", VIDEOS)
    settings = Settings(data_dir=root / "data")
    env = {**os.environ, "SCRIPTWRIGHT_DATA_DIR": str(settings.root)}
    ingest = run_measured([str(BIN), "ingest", str(generated.folder), "--creator", CREATOR], env, REPO,
                          root / "ingest.log")
    with connect(settings.duckdb_path) as conn:
        chunk_texts = [r[0] for r in conn.execute("SELECT text FROM chunks ORDER BY id").fetchall()]
        words = conn.execute("SELECT sum(n_words) FROM videos").fetchone()[0]
    sample = random.Random(0).sample(chunk_texts, min(SAMPLE_CHUNKS, len(chunk_texts)))
    (root / "sample.json").write_text(json.dumps(sample), encoding="utf-8")
    bare = run_measured([sys.executable, "-c", BARE_EMBEDDER, str(root / "sample.json")], env, REPO,
                        root / "embed.log")
    return Scale(settings, generated, ingest, words, chunk_texts, sum(len(t.split()) for t in sample), bare,
                 float(bare.output.split()[-1]))


def test_scale_ingest(scale: Scale, bench_record: Callable[[Row], None]) -> None:
    n_chunks = len(scale.chunk_texts)
    what = f"{scale.corpus.videos:,} generated videos, {scale.words:,} words, {n_chunks:,} chunks"
    sampled = min(SAMPLE_CHUNKS, n_chunks)
    cpu_ratio = (scale.words / scale.ingest.cpu_s) / (scale.sample_words / scale.bare.cpu_s)
    bench_record(Row.of(
        "scale: ingest throughput", scale.words / scale.ingest.wall_s, "words/s",
        scale.sample_words / scale.bare_embed_s,
        f"{what}: `scriptwright ingest <folder>` took {scale.ingest.wall_s / 60:.1f} min (process start included); "
        f"baseline: the bare embedder on {sampled} sampled chunks in a fresh process; in CPU time (whole "
        f"processes, model load included) the ratio is {cpu_ratio:.2f}"))
    bench_record(Row.of(
        "scale: ingest memory peak", scale.ingest.peak_mib, "MiB", scale.bare.peak_mib,
        "peak RSS of the ingest process (wait4); baseline: the bare-embedder process"))
    bench_record(Row.of(
        "scale: DuckDB file", size(scale.settings.duckdb_path) / MIB, "MiB", scale.corpus.text_bytes / MIB,
        "videos, segments, chunks, jobs; baseline: the transcript text alone (UTF-8)"))
    versions = len(lancedb.connect(str(scale.settings.lancedb_dir)).open_table(CHUNKS).list_versions())
    raw = n_chunks * DIM * 4 + sum(len(t.encode("utf-8")) for t in scale.chunk_texts)
    bench_record(Row.of(
        "scale: LanceDB dir", size(scale.settings.lancedb_dir) / MIB, "MiB", raw / MIB,
        f"chunk vectors, text and FTS index, {versions} table versions kept; "
        "baseline: raw float32 vectors + chunk text"))


def test_scale_creators_page(scale: Scale, browser: Any, bench_record: Callable[[Row], None]) -> None:
    bench_record(creators_page_row("scale: Creators page load", scale.settings, browser,
                                   f"one creator with {scale.corpus.videos:,} videos"))


def test_scale_search(scale: Scale, bench_record: Callable[[Row], None]) -> None:
    table = lancedb.connect(str(scale.settings.lancedb_dir)).open_table(CHUNKS)
    fragments = table.stats()["fragment_stats"]["num_fragments"]
    searches, embeds = search_latencies(scale.settings, creator=CREATOR)
    where = f"{len(searches)} searches over {len(scale.chunk_texts):,} chunks"
    for q in (50, 95):
        bench_record(Row.of(f"scale: hybrid search p{q}", percentile(searches, q), "ms", percentile(embeds, q),
                            f"{where} in {fragments} fragment(s), no vector index; baseline: embedding the query"))
    started = time.perf_counter()
    table.create_index("vector", config=IvfHnswSq())
    built_s = time.perf_counter() - started
    indexed, _ = search_latencies(scale.settings, creator=CREATOR)
    for q in (50, 95):
        bench_record(Row.of(f"scale: hybrid search p{q}, IVF_HNSW_SQ index", percentile(indexed, q), "ms",
                            percentile(searches, q),
                            f"{where}, index built in {built_s:.1f} s; baseline: the same searches without it"))
