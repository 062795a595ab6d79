"""Real DuckDB and LanceDB: search modes, atomic chunk replacement, cross-process locking."""

import shutil
import subprocess
import sys
import textwrap

import lancedb
import pytest

from pipelines.embed import embed, embed_one
from pipelines.errors import ScriptwrightError
from pipelines.store.duckdb import connect, transaction
from pipelines.store.vectors import VectorStore

TEXTS = [
    "Eigenvectors stay on their own span when a matrix transforms the plane.",
    "Yeast eats sugar and releases carbon dioxide, which makes bread dough rise.",
    "The Brooklyn Bridge hangs its deck from four great steel cables.",
]


def _records(video_id, texts):
    return [{"id": f"{video_id}-{i}", "creator_id": 1, "video_id": video_id, "start_s": 10.0 * i, "text": t,
             "vector": v.tolist()} for i, (t, v) in enumerate(zip(texts, embed(texts)))]


def test_vector_fts_and_hybrid_search_find_the_passage(settings) -> None:
    store = VectorStore(settings.lancedb_dir)
    store.replace_video_chunks(7, _records(7, TEXTS))
    store.reindex_text()
    for mode in ("vector", "fts", "hybrid"):
        hits = store.search("why does bread rise", embed_one("why does bread rise"), "creator_id = 1", 2, mode)
        assert hits[0]["text"] == TEXTS[1], mode
        assert hits[0]["start_s"] == 10.0 and "vector" not in hits[0]


def test_stores_share_one_connection_and_still_see_other_processes_writes(settings, monkeypatch) -> None:
    store = VectorStore(settings.lancedb_dir)
    store.replace_video_chunks(1, _records(1, TEXTS[:1]))
    store.reindex_text()

    def no_new_connection(*args, **kwargs):
        raise AssertionError("a second LanceDB connection to the same folder")

    monkeypatch.setattr(lancedb, "connect", no_new_connection)
    assert VectorStore(settings.lancedb_dir).db is store.db
    query = "why does bread rise"
    assert VectorStore(settings.lancedb_dir).search(query, embed_one(query), None, 1, "fts") == []

    writer = textwrap.dedent(f"""
        from pathlib import Path
        from pipelines.embed import embed
        from pipelines.store.vectors import VectorStore
        store = VectorStore(Path({str(settings.lancedb_dir)!r}))
        store.add([{{"id": "2-0", "creator_id": 1, "video_id": 2, "start_s": 0.0, "text": {TEXTS[1]!r},
                    "vector": embed([{TEXTS[1]!r}])[0].tolist()}}])
        store.reindex_text()
    """)
    subprocess.run([sys.executable, "-c", writer], check=True, timeout=300)
    for mode in ("fts", "hybrid"):
        assert VectorStore(settings.lancedb_dir).search(query, embed_one(query), None, 1, mode)[0]["text"] == TEXTS[1]

    monkeypatch.undo()
    shutil.rmtree(settings.lancedb_dir)  # a folder deleted and made again reads as empty
    assert VectorStore(settings.lancedb_dir).count() == 0


def test_replacing_a_videos_chunks_removes_the_old_ones(settings) -> None:
    store = VectorStore(settings.lancedb_dir)
    store.replace_video_chunks(1, _records(1, TEXTS))
    store.replace_video_chunks(2, _records(2, TEXTS[:1]))
    store.replace_video_chunks(1, _records(1, TEXTS[:2]))
    assert store.count("video_id = 1") == 2
    assert store.count("video_id = 2") == 1


def test_reindexing_merges_the_fragment_each_video_commit_leaves(settings) -> None:
    store = VectorStore(settings.lancedb_dir)
    for video_id in (1, 2, 3):
        store.replace_video_chunks(video_id, _records(video_id, TEXTS))
    store.replace_video_chunks(2, _records(2, TEXTS[:1]))

    def fragments() -> int:
        return store.db.open_table("chunks").stats()["fragment_stats"]["num_fragments"]

    assert fragments() >= 3
    store.reindex_text()
    assert fragments() == 1
    assert store.count() == 7 and store.count("video_id = 2") == 1
    hits = store.search("why does bread rise", embed_one("why does bread rise"), "video_id = 3", 1, "fts")
    assert hits[0]["text"] == TEXTS[1]


def test_transaction_rolls_back_on_error(settings) -> None:
    with pytest.raises(RuntimeError):
        with transaction(settings.duckdb_path) as conn:
            conn.execute("INSERT INTO creators (slug, name) VALUES ('a', 'A')")
            raise RuntimeError("boom")
    with connect(settings.duckdb_path) as conn:
        assert conn.execute("SELECT count(*) FROM creators").fetchone()[0] == 0


HOLD = textwrap.dedent("""
    import sys, time, duckdb
    conn = duckdb.connect(sys.argv[1])
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
    conn.close()
""")


def _hold_lock(path, seconds):
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path), str(seconds)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "locked"
    return proc


def test_waits_for_another_process_then_works(settings) -> None:
    with connect(settings.duckdb_path):
        pass
    proc = _hold_lock(settings.duckdb_path, 1.5)
    with connect(settings.duckdb_path, retry_s=30) as conn:
        assert conn.execute("SELECT 1").fetchone() == (1,)
    assert proc.wait(10) == 0


def test_persistent_lock_gives_a_clear_message(settings) -> None:
    with connect(settings.duckdb_path):
        pass
    proc = _hold_lock(settings.duckdb_path, 6)
    try:
        with pytest.raises(ScriptwrightError, match="stayed locked by another process"):
            with connect(settings.duckdb_path, retry_s=0.5):
                pass
    finally:
        proc.kill()
        proc.wait()
