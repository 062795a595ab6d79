"""Search at scale: `corpus.search` (hybrid, one creator) over generated workspaces of 1,000, 10,000 and
100,000 chunks ($SCRIPTWRIGHT_BENCH_CHUNKS, comma-separated, to choose others), with and without an ANN
vector index (IVF_PQ, IVF_HNSW_SQ).

The workspaces are written without the embedder per chunk: one creator, videos of 25 chunks written to
DuckDB by the corpus's own per-video write (one caption segment per chunk), and the chunks added to
LanceDB with the store's schema, then compacted and full-text indexed by `VectorStore.reindex_text` as an
ingest leaves them. Chunk texts are ~120 words of the demo transcripts' sentences; vectors are normalised
mixes of two really embedded pool texts plus a little noise, so they spread like MiniLM output.

Baselines, measured in the same run with the same queries: `corpus.search` against its parts (the query
embedding + the raw LanceDB hybrid search, same creator filter, on a table opened once), interleaved; with an
index, `corpus.search` against the same searches before the index was built, and the raw hybrid search
against itself with the index bypassed, interleaved (the comparison the machine's load cannot skew), with
the index's vector-only recall@10 against exact search.
"""

from __future__ import annotations

import math
import os
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import lancedb
import numpy as np
import pyarrow as pa
import pytest
from lancedb.index import IvfHnswSq, IvfPq
from lancedb.table import Table

from pipelines import corpus
from pipelines.embed import embed, embed_one
from pipelines.ingest.chunk import Chunk
from pipelines.ingest.model import Segment, VideoDoc
from pipelines.settings import Settings
from pipelines.store import vectors
from pipelines.store.duckdb import connect
from pipelines.store.vectors import CHUNK_SCHEMA, CHUNKS, DIM, VectorStore
from tests.bench.measure import QUERIES, percentile, timed_ms
from tests.bench.report import Row
from tests.bench.synthetic import WORDS_PER_MINUTE, sentence_pool

pytestmark = [pytest.mark.bench, pytest.mark.timeout(4 * 3600)]
SIZES = [int(n) for n in os.environ.get("SCRIPTWRIGHT_BENCH_CHUNKS", "1000,10000,100000").split(",")]
CREATOR = "Synthetic Channel"
CHUNKS_PER_VIDEO = 25
CHUNK_WORDS = 120
POOL = 1_000  # texts embedded for real; every chunk vector mixes two of them
NOISE = 0.01  # per-dimension standard deviation added to a mix (a unit MiniLM vector's is about 0.05)
REPEATS = 4
K = 10
LANCE_BATCH = 10_000  # rows per LanceDB commit while building


@dataclass(frozen=True)
class Workspace:
    settings: Settings
    chunks: int
    build_s: float


@dataclass(frozen=True)
class Latencies:
    searches: list[float]  # corpus.search, ms
    embeds: list[float]  # embed_one(query), ms
    raws: list[float]  # raw LanceDB hybrid search with the query's vector, ms
    exacts: list[float]  # the same with the vector index bypassed (measured only when there is one), ms

    @property
    def parts(self) -> list[float]:
        """Per query, what corpus.search is made of: its embedding + the raw hybrid search."""
        return [e + r for e, r in zip(self.embeds, self.raws)]


def chunk_text(rng: random.Random, sentences: list[str]) -> str:
    """Demo-transcript sentences drawn at random until the text has CHUNK_WORDS words."""
    picked: list[str] = []
    words = 0
    while words < CHUNK_WORDS:
        picked.append(rng.choice(sentences))
        words += len(picked[-1].split())
    return " ".join(picked)


@pytest.fixture(scope="module")
def pool() -> np.ndarray:
    """POOL generated chunk texts embedded by the packaged model (unit vectors, one per row)."""
    rng, sentences = random.Random(1), sentence_pool()
    return embed([chunk_text(rng, sentences) for _ in range(POOL)])


def mixed_vectors(pool: np.ndarray, n: int, seed: int) -> np.ndarray:
    """n unit vectors, each a random mix of two pool vectors plus Gaussian noise."""
    gen = np.random.default_rng(seed)
    a = gen.uniform(0.3, 0.7, (n, 1)).astype(np.float32)
    mixed = a * pool[gen.integers(len(pool), size=n)] + (1 - a) * pool[gen.integers(len(pool), size=n)]
    mixed += gen.normal(0, NOISE, mixed.shape).astype(np.float32)
    return (mixed / np.linalg.norm(mixed, axis=1, keepdims=True)).astype(np.float32)


def video(number: int, texts: list[str]) -> tuple[VideoDoc, list[Chunk]]:
    """A video whose chunks are `texts`, one caption segment per chunk, spoken at WORDS_PER_MINUTE."""
    segments, chunks, t = [], [], 0.0
    for idx, text in enumerate(texts):
        end = t + len(text.split()) * 60 / WORDS_PER_MINUTE
        segments.append(Segment(t, end, text))
        chunks.append(Chunk(idx, t, end, text))
        t = end
    title = f"Episode {number + 1}: {' '.join(texts[0].split()[:6])}"
    return VideoDoc("file", f"synthetic-{number:06d}", title, segments, duration_s=round(t, 1)), chunks


def build_workspace(settings: Settings, n: int, pool: np.ndarray) -> Workspace:
    """One creator with n // CHUNKS_PER_VIDEO videos in DuckDB and their chunks in LanceDB, full-text indexed."""
    started = time.perf_counter()
    rng, sentences = random.Random(n), sentence_pool()
    creator_id = int(corpus.ensure_creator(settings, CREATOR)["id"])
    ids, video_ids, starts, texts = [], [], [], []
    with connect(settings.duckdb_path):  # one database instance for every video's transaction
        for number in range(n // CHUNKS_PER_VIDEO):
            doc, chunks = video(number, [chunk_text(rng, sentences) for _ in range(CHUNKS_PER_VIDEO)])
            video_id, rows = corpus._write_video(settings, creator_id, corpus._Pending(doc, None, chunks))
            ids += [r["id"] for r in rows]
            video_ids += [video_id] * len(rows)
            starts += [r["start_s"] for r in rows]
            texts += [r["text"] for r in rows]
    corpus.renew_stamp(settings)
    vectors = mixed_vectors(pool, len(ids), seed=n)
    store = VectorStore(settings.lancedb_dir)
    for at in range(0, len(ids), LANCE_BATCH):
        end = at + LANCE_BATCH
        store.add(pa.table({
            "id": ids[at:end], "creator_id": [creator_id] * len(ids[at:end]), "video_id": video_ids[at:end],
            "start_s": starts[at:end], "text": texts[at:end],
            "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors[at:end].ravel()), DIM),
        }, schema=CHUNK_SCHEMA))
    store.reindex_text()
    return Workspace(settings, len(ids), time.perf_counter() - started)


def raw_hybrid(table: Table, query: str, vector: np.ndarray, where: str, exact: bool = False) -> list[dict[str, Any]]:
    search = table.search(query_type="hybrid").vector(vector).text(query).where(where, prefilter=True).limit(K)
    return (search.bypass_vector_index() if exact else search).to_list()


def latencies(settings: Settings, table: Table, where: str, exact: bool = False) -> Latencies:
    """corpus.search, the query embedding and the raw hybrid search (and, with `exact`, the raw hybrid search
    bypassing the vector index), interleaved, REPEATS rounds of QUERIES, after a warm-up."""
    corpus.search(settings, QUERIES[0], CREATOR)
    raw_hybrid(table, QUERIES[0], embed_one(QUERIES[0]), where)
    searches, embeds, raws, exacts = [], [], [], []
    for _ in range(REPEATS):
        for q in QUERIES:
            searches.append(timed_ms(lambda q=q: corpus.search(settings, q, CREATOR)))
            started = time.perf_counter()
            vector = embed_one(q)
            embeds.append((time.perf_counter() - started) * 1000)
            raws.append(timed_ms(lambda q=q, vector=vector: raw_hybrid(table, q, vector, where)))
            if exact:
                exacts.append(timed_ms(lambda q=q, vector=vector: raw_hybrid(table, q, vector, where, exact=True)))
    return Latencies(searches, embeds, raws, exacts)


def recall(table: Table, vectors: list[np.ndarray]) -> float:
    """Share of the exact vector top-K that the index's vector search returns, over the query vectors."""
    found = total = 0
    for v in vectors:
        exact = {r["id"] for r in table.search(v).bypass_vector_index().limit(K).to_list()}
        approx = {r["id"] for r in table.search(v).limit(K).to_list()}
        found += len(exact & approx)
        total += len(exact)
    return found / total


def p(samples: list[float], q: float = 50) -> float:
    return percentile(samples, q)


@pytest.mark.parametrize("n", SIZES, ids=[f"{n}-chunks" for n in SIZES])
def test_search_scale(n: int, pool: np.ndarray, tmp_path_factory: pytest.TempPathFactory,
                      bench_record: Callable[[Row], None], monkeypatch: pytest.MonkeyPatch) -> None:
    # the store's own index policy (past VECTOR_INDEX_FROM rows) is what this bench chooses: off while building
    monkeypatch.setattr(vectors, "VECTOR_INDEX_FROM", math.inf)
    root = tmp_path_factory.mktemp(f"search-{n}")
    ws = build_workspace(Settings(data_dir=root / "data"), n, pool)
    table = lancedb.connect(str(ws.settings.lancedb_dir)).open_table(CHUNKS)
    where = f"creator_id = {int(corpus.get_creator(ws.settings, CREATOR)['id'])}"
    fragments = table.stats()["fragment_stats"]["num_fragments"]
    plain = latencies(ws.settings, table, where)
    what = (f"{ws.chunks:,} chunks of ~{CHUNK_WORDS} words in {ws.chunks // CHUNKS_PER_VIDEO:,} videos, "
            f"{fragments} fragment(s), workspace built in {ws.build_s:.0f} s; {len(plain.searches)} searches "
            f"(hybrid, creator filter, k={K})")
    for q in (50, 95):
        bench_record(Row.of(
            f"search p{q}, {ws.chunks:,} chunks: corpus.search vs embed + raw hybrid", p(plain.searches, q), "ms",
            p(plain.parts, q),
            f"{what}, no vector index; baseline per query: embed_one ({p(plain.embeds, q):.1f} ms p{q}) + LanceDB "
            f"hybrid on a table opened once ({p(plain.raws, q):.1f} ms p{q}), interleaved"))
    query_vectors = [embed_one(q) for q in QUERIES]
    partitions = max(1, round(math.sqrt(ws.chunks)))
    for label, config in (("IVF_PQ", IvfPq(num_partitions=partitions)),
                          ("IVF_HNSW_SQ", IvfHnswSq(num_partitions=partitions))):
        started = time.perf_counter()
        table.create_index("vector", config=config, replace=True)
        built_s = time.perf_counter() - started
        indexed = latencies(ws.settings, table, where, exact=True)
        index = (f"{label} index ({partitions} partitions, defaults otherwise) built in {built_s:.1f} s, vector "
                 f"recall@{K} against exact search {recall(table, query_vectors):.2f}")
        bench_record(Row.of(
            f"search p50, {ws.chunks:,} chunks: corpus.search with {label} index vs without", p(indexed.searches),
            "ms", p(plain.searches),
            f"{what}; {index}; p95 {p(indexed.searches, 95):.1f} ms (without {p(plain.searches, 95):.1f}); "
            f"embed_one p50 {p(indexed.embeds):.1f} ms (without {p(plain.embeds):.1f}); against its parts with the "
            f"index (embed + raw hybrid, interleaved) {p(indexed.parts):.1f} ms p50, ratio "
            f"{p(indexed.searches) / p(indexed.parts):.2f}; baseline: the same searches without an index, measured "
            "before it was built"))
        bench_record(Row.of(
            f"search p50, {ws.chunks:,} chunks: raw LanceDB hybrid with {label} index vs bypassing it",
            p(indexed.raws), "ms", p(indexed.exacts),
            f"{what}; {index}; the part of corpus.search an index changes, without the query embedding's noise; "
            f"p95 {p(indexed.raws, 95):.1f} ms (bypassing {p(indexed.exacts, 95):.1f}); baseline: the same raw "
            "searches with bypass_vector_index(), interleaved"))
    shutil.rmtree(root, ignore_errors=True)
