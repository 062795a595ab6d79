"""The store builds a vector index once a table passes VECTOR_INDEX_FROM rows (the size where the scale
bench measured it faster), and search still finds the nearest rows through it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from pipelines.store import vectors
from pipelines.store.vectors import DIM, VectorStore


def rows(n: int, start: int = 0) -> list[dict]:
    rng = np.random.default_rng(start)
    out = []
    for i in range(start, start + n):
        v = rng.normal(size=DIM).astype(np.float32)
        out.append({"id": f"c{i}", "creator_id": 1, "video_id": i // 25, "start_s": 0.0,
                    "text": f"chunk number {i} about doors and goats", "vector": (v / np.linalg.norm(v)).tolist()})
    return out


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> VectorStore:
    monkeypatch.setattr(vectors, "VECTOR_INDEX_FROM", 600)
    return VectorStore(tmp_path / "lancedb")


def test_a_small_table_is_searched_without_an_index(store: VectorStore) -> None:
    store.add(rows(300))
    store.reindex_text()
    assert not store.vector_indexed()


def test_past_the_threshold_the_index_is_built_once_and_search_uses_it(store: VectorStore) -> None:
    data = rows(700)
    store.add(data)
    store.reindex_text()
    assert store.vector_indexed()
    target = data[123]
    hits = store.search("", np.array(target["vector"], dtype=np.float32), "creator_id = 1", k=3, mode="vector")
    assert hits[0]["id"] == "c123"
    store.add(rows(50, start=700))  # rows written after the index are still found
    store.reindex_text()
    assert store.vector_indexed()
    late = rows(50, start=700)[7]
    hits = store.search("doors", np.array(late["vector"], dtype=np.float32), "creator_id = 1", k=3)
    assert hits[0]["id"] == "c707", "hybrid search over the index and the rows added since"
