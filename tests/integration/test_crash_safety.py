"""A real `scriptwright ingest` process killed with SIGKILL mid-job: the stores stay whole.

The ingest embeds videos in batches (~40k words) and then writes each video in one
DuckDB transaction followed by one LanceDB merge. Killing the process between two of
those steps must leave every stored video complete (at most the one being written may
lack its vectors), the job must be recovered as failed ("Interrupted") on the next
start, and running the same ingest again must finish the corpus without duplicates.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from pipelines import jobs
from pipelines.ingest.files import collect, doc_from_group
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, rows
from pipelines.store.vectors import VectorStore
from tests.conftest import REPO, SHARED_CORPORA

CLI = REPO / ".venv" / "bin" / "scriptwright"
N_VIDEOS = 40
DEADLINE_S = 540  # a guard against a hung subprocess, not a timing assertion

pytestmark = pytest.mark.slow


def query(settings: Settings, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """A short-lived connection: `connect` waits while the ingest process holds the file lock."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return rows(conn, sql, params or [])


def env_for(settings: Settings, **extra: str) -> dict[str, str]:
    env = os.environ.copy()
    env["SCRIPTWRIGHT_DATA_DIR"] = str(settings.root)
    env.update(extra)
    return env


@pytest.fixture
def captions(tmp_path: Path) -> Path:
    """The 40 .srt/.txt pairs of the shared 3Blue1Brown corpus, copied into tmp."""
    source = SHARED_CORPORA / "3b1b"
    if not source.is_dir():
        pytest.skip(f"shared corpus not found at {source}")
    folder = tmp_path / "3b1b"
    shutil.copytree(source, folder)
    assert len(list(folder.glob("*.srt"))) == len(list(folder.glob("*.txt"))) == N_VIDEOS
    return folder


def stored_state(settings: Settings) -> dict[str, Any]:
    """Videos with their segment and chunk counts in DuckDB and their vector count in LanceDB."""
    videos = query(settings, """
        SELECT v.id, v.source_id, v.content_hash,
               (SELECT count(*) FROM segments s WHERE s.video_id = v.id) AS segments,
               (SELECT count(*) FROM chunks k WHERE k.video_id = v.id) AS chunks
        FROM videos v ORDER BY v.id""")
    store = VectorStore(settings.lancedb_dir)
    for v in videos:
        v["vectors"] = store.count(f"video_id = {int(v['id'])}")
    chunk_ids = [r["id"] for r in query(settings, "SELECT id FROM chunks")]
    return {"videos": videos, "chunk_ids": chunk_ids, "vector_ids": store.ids("video_id >= 0"),
            "n_vectors": store.count()}


def test_sigkill_mid_ingest_then_recover_and_rerun(settings: Settings, captions: Path, tmp_path: Path):
    # what a clean ingest of each file would store (parsing only: cheap)
    groups, _ = collect(captions, tmp_path / "scratch")
    expected = {g.key: doc_from_group(g)[0] for g in groups}
    assert len(expected) == N_VIDEOS

    query(settings, "SELECT 1")  # create and migrate the database before the race starts
    log_out, log_err = (tmp_path / "ingest.out").open("w"), (tmp_path / "ingest.err").open("w")
    proc = subprocess.Popen([str(CLI), "ingest", str(captions), "--creator", "K"], env=env_for(settings), cwd=REPO,
                            stdout=log_out, stderr=log_err, stdin=subprocess.DEVNULL)
    try:
        # wait until the job shows progress and some (not all) videos are committed, then kill
        seen, deadline = 0, time.monotonic() + DEADLINE_S
        while True:
            assert proc.poll() is None, ("ingest ended before it could be killed mid-job:\n"
                                         + (tmp_path / "ingest.err").read_text())
            assert time.monotonic() < deadline, "ingest made no visible progress"
            job = query(settings, "SELECT progress FROM jobs WHERE kind = 'ingest'")
            seen = query(settings, "SELECT count(*) AS n FROM videos")[0]["n"]
            if job and job[0]["progress"] > 0 and 0 < seen < N_VIDEOS:
                break
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log_out.close()
        log_err.close()

    # ------------------------------------------------------------------ restart: the job is recovered
    listed = subprocess.run([str(CLI), "jobs", "list", "--json"], cwd=REPO, capture_output=True, text=True,
                            env=env_for(settings, SCRIPTWRIGHT_JOB_STALE_AFTER_S="0"), timeout=300,
                            stdin=subprocess.DEVNULL)
    assert listed.returncode == 0, listed.stderr
    (killed,) = json.loads(listed.stdout)
    assert killed["kind"] == "ingest" and killed["status"] == "failed"
    assert killed["error"].startswith("Interrupted: the process running this job stopped"), killed["error"]
    assert killed["finished_at"] and killed["progress"] > 0
    assert f"Job {killed['id']} was interrupted earlier and is now marked failed." in listed.stderr
    # recovery happens once: a second start finds nothing stale
    again = subprocess.run([str(CLI), "jobs", "list", "--json"], cwd=REPO, capture_output=True, text=True,
                           env=env_for(settings, SCRIPTWRIGHT_JOB_STALE_AFTER_S="0"), timeout=300,
                           stdin=subprocess.DEVNULL)
    assert again.returncode == 0 and "interrupted" not in again.stderr
    assert json.loads(again.stdout)[0]["error"] == killed["error"]

    # ------------------------------------------------------------------ the stores hold whole videos only
    state = stored_state(settings)
    videos = state["videos"]
    n_stored = len(videos)
    assert seen <= n_stored < N_VIDEOS
    for v in videos:
        doc = expected[v["source_id"]]
        assert v["content_hash"] == doc.content_hash  # the complete video, not a part of it
        assert v["segments"] == len(doc.segments) and v["chunks"] > 0
    # each video's vectors landed with it, except at most the one whose LanceDB merge the kill cut off
    missing = [v for v in videos if v["vectors"] != v["chunks"]]
    assert len(missing) <= 1, missing
    assert all(v["vectors"] == 0 and v["id"] == videos[-1]["id"] for v in missing), missing
    assert len(state["chunk_ids"]) == len(set(state["chunk_ids"]))
    assert state["vector_ids"] <= set(state["chunk_ids"])  # no vector without its DuckDB chunk
    assert state["n_vectors"] == len(state["vector_ids"])
    # what the killed job had reported as added is stored
    reported = {i["name"] for i in killed["items"] if i["status"] == "added"}
    assert reported <= {g.name for g in groups if g.key in {v["source_id"] for v in videos}}
    assert not [i for i in killed["items"] if i["status"] == "failed"]

    # ------------------------------------------------------------------ the same ingest again completes the corpus
    rerun = subprocess.run([str(CLI), "ingest", str(captions), "--creator", "K"], cwd=REPO, capture_output=True,
                           text=True, env=env_for(settings), timeout=DEADLINE_S, stdin=subprocess.DEVNULL)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "failed:" not in rerun.stderr
    n_unchanged = n_stored - len(missing)
    assert (f"k: {N_VIDEOS - n_stored} added, 0 updated, {n_unchanged} unchanged, 0 failed" in rerun.stdout), \
        rerun.stdout
    job = jobs.list_jobs(settings, limit=1)[0]
    assert job["id"] != killed["id"] and job["status"] == "succeeded"
    result = job["result"]
    assert (result["added"], result["updated"], result["unchanged"], result["repaired"], result["failed"]) == (
        N_VIDEOS - n_stored, 0, n_unchanged, len(missing), 0)
    key_of = {g.name: g.key for g in groups}
    status_by_key = {key_of[i["name"]]: i["status"] for i in job["items"]}
    for v in videos:
        assert status_by_key[v["source_id"]] == ("repaired" if v in missing else "unchanged")
    assert sorted(status_by_key) == sorted(expected)

    final = stored_state(settings)
    assert len(final["videos"]) == N_VIDEOS
    assert sorted(v["source_id"] for v in final["videos"]) == sorted(expected)  # unique, all present
    for v in final["videos"]:
        assert v["content_hash"] == expected[v["source_id"]].content_hash
        assert v["chunks"] > 0 and v["vectors"] == v["chunks"]
    # the videos stored before the kill kept their rows (same ids and content)
    assert {(v["id"], v["source_id"], v["content_hash"]) for v in videos} <= {
        (v["id"], v["source_id"], v["content_hash"]) for v in final["videos"]}
    assert len(final["chunk_ids"]) == len(set(final["chunk_ids"]))
    assert final["n_vectors"] == len(final["vector_ids"]) == len(final["chunk_ids"])
    assert final["vector_ids"] == set(final["chunk_ids"])
    (creator,) = query(settings, "SELECT count(*) AS n FROM creators")
    assert creator["n"] == 1
