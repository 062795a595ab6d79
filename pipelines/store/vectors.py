"""LanceDB store for searchable chunks: vector, full-text (native FTS) and hybrid search."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:  # lancedb takes 1.3 s to import: commands that never open the vectors skip it
    import lancedb
    import numpy as np

CHUNKS = "chunks"
DIM = 384
# A table this large gets an IVF_HNSW_SQ vector index (sqrt(rows) partitions). Measured by
# tests/bench/test_search_scale_bench.py against the same hybrid search bypassing the index: slower at
# 1,000 chunks, no faster at 10,000, 1.7x faster at 30,000, 2.3x at 50,000, 3.5x at 100,000 (recall@10
# 0.88-0.95); IVF_PQ was as fast but found 0.42-0.46 of the true top 10.
VECTOR_INDEX_FROM = 30_000

CHUNK_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("creator_id", pa.int64()),
        pa.field("video_id", pa.int64()),
        pa.field("start_s", pa.float64()),
        pa.field("text", pa.string()),
        pa.field("vector", pa.list_(pa.float32(), DIM)),
    ]
)


SOURCE_CHUNKS = "source_chunks"

SOURCE_SCHEMA = pa.schema(
    [
        pa.field("id", pa.string()),
        pa.field("project_id", pa.string()),
        pa.field("source_id", pa.string()),
        pa.field("text", pa.string()),
        pa.field("vector", pa.list_(pa.float32(), DIM)),
    ]
)

SCHEMAS = {CHUNKS: CHUNK_SCHEMA, SOURCE_CHUNKS: SOURCE_SCHEMA}


_connections: dict[tuple[str, int, int], lancedb.DBConnection] = {}
_connections_lock = threading.Lock()


def _connection(directory: Path) -> lancedb.DBConnection:
    """One connection per directory per process: LanceDB caches a table's opened indexes on its connection,
    and a new connection per search measured +15 ms at 100,000 chunks (each call re-read the indexes).
    Keyed by the folder's inode too, so a folder deleted and made again gets a new connection."""
    directory.mkdir(parents=True, exist_ok=True)
    resolved = directory.resolve()
    found = resolved.stat()
    key = (str(resolved), found.st_dev, found.st_ino)
    with _connections_lock:
        if key not in _connections:
            import lancedb

            _connections[key] = lancedb.connect(key[0])
        return _connections[key]


class VectorStore:
    """One LanceDB directory; tables are opened per call (cheap on the shared connection) so other
    processes' writes show up."""

    def __init__(self, directory: Path) -> None:
        self.db = _connection(directory)

    def _table(self, name: str = CHUNKS):
        return self.db.create_table(name, schema=SCHEMAS[name], exist_ok=True)

    def add(self, records: list[dict[str, Any]], table: str = CHUNKS) -> None:
        if records:
            self._table(table).add(records)

    def replace_video_chunks(self, video_id: int, records: list[dict[str, Any]], table: str = CHUNKS) -> None:
        """Make a video's rows exactly `records`, in one commit (upsert by id, delete the rest)."""
        tbl = self._table(table)
        if not records:
            tbl.delete(f"video_id = {int(video_id)}")
            return
        (tbl.merge_insert("id").when_matched_update_all().when_not_matched_insert_all()
            .when_not_matched_by_source_delete(f"video_id = {int(video_id)}").execute(records))

    def upsert(self, records: list[dict[str, Any]], table: str) -> None:
        """Insert or replace rows by id in one commit."""
        if records:
            self._table(table).merge_insert("id").when_matched_update_all().when_not_matched_insert_all().execute(records)

    def delete(self, where: str, table: str = CHUNKS) -> None:
        self._table(table).delete(where)

    def count(self, where: str | None = None, table: str = CHUNKS) -> int:
        return self._table(table).count_rows(where)

    def ids(self, where: str, table: str = CHUNKS) -> set[str]:
        tbl = self._table(table)
        return set(tbl.search().where(where).select(["id"]).limit(None).to_arrow()["id"].to_pylist())

    def reindex_text(self, table: str = CHUNKS) -> None:
        """After a batch of writes: merge the small fragments each video's commit leaves (hybrid search
        over 1,000 of them measured 7x slower than compacted), then (re)build the full-text index so
        FTS and hybrid search see new rows; past VECTOR_INDEX_FROM rows, build the vector index once."""
        tbl = self._table(table)
        rows = tbl.count_rows()
        if rows:
            tbl.optimize()  # also folds new rows into an existing vector index
            tbl.create_fts_index("text", replace=True)
        if rows >= VECTOR_INDEX_FROM and not self.vector_indexed(table):
            from lancedb.index import IvfHnswSq

            tbl.create_index("vector", config=IvfHnswSq(num_partitions=int(rows ** 0.5)))

    def vector_indexed(self, table: str = CHUNKS) -> bool:
        return any(index.columns == ["vector"] for index in self._table(table).list_indices())

    def search(self, text: str, vector: np.ndarray | None, where: str | None = None, k: int = 10,
               mode: str = "hybrid", table: str = CHUNKS) -> list[dict[str, Any]]:
        """Top-k rows for a query; each row has a `score` (higher is better) and no vector."""
        tbl = self._table(table)
        if not tbl.count_rows():
            return []
        if mode == "vector":
            query = tbl.search(vector, query_type="vector")
        elif mode == "fts":
            query = tbl.search(text, query_type="fts")
        elif mode == "hybrid":
            query = tbl.search(query_type="hybrid").vector(vector).text(text)
        else:
            raise ValueError(f"unknown search mode {mode!r}")
        if where:
            query = query.where(where, prefilter=True)
        hits = query.limit(k).to_list()
        for hit in hits:
            hit.pop("vector", None)
            hit["score"] = _score(hit)
        return hits


def _score(hit: dict[str, Any]) -> float:
    """One higher-is-better score whichever search produced the hit."""
    relevance, bm25, distance = (hit.pop(k, None) for k in ("_relevance_score", "_score", "_distance"))
    if relevance is not None:
        return float(relevance)
    if bm25 is not None:
        return float(bm25)
    return 1.0 - float(distance if distance is not None else 1.0)
