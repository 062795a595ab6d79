"""Real `scriptwright` processes killed with SIGKILL mid-job: the stores stay whole.

The ingest embeds videos in batches (~40k words) and then writes each video in one
DuckDB transaction followed by one LanceDB merge. Killing the process between two of
those steps must leave every stored video complete (at most the one being written may
lack its vectors), the job must be recovered as failed ("Interrupted") on the next
start, and running the same ingest again must finish the corpus without duplicates.

A DNA build and a draft are killed the same way: the snapshots and draft versions saved
before the kill stay exactly as they were, nothing half-written appears, and running the
work again adds the next version (a DNA build saves its measured part before the LM writes
the style guide: killed there, that part stays in use and only the guide is run again). The
restart uses the default settings: a job whose process is gone is recovered at once, without
waiting for its heartbeat to go stale.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from pipelines import jobs
from pipelines.ingest.files import collect, doc_from_group
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, rows
from pipelines.store.vectors import VectorStore
from tests.conftest import REPO, SHARED_CORPORA
from tests.integration.test_dna import guide_writer  # noqa: F401  (a fixture)

CLI = REPO / ".venv" / "bin" / "scriptwright"
N_VIDEOS = 8  # ~22k words in batches of BATCH_WORDS: four batches, so the kill lands while a later one runs
BATCH_WORDS = "6000"  # SCRIPTWRIGHT_INGEST_BATCH_WORDS (40,000 by default)
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
    """The first N_VIDEOS .srt/.txt pairs of the shared 3Blue1Brown corpus, copied into tmp."""
    source = SHARED_CORPORA / "3b1b"
    if not source.is_dir():
        pytest.skip(f"shared corpus not found at {source}")
    folder = tmp_path / "3b1b"
    folder.mkdir()
    for srt in sorted(source.glob("*.srt"))[:N_VIDEOS]:
        shutil.copy(srt, folder)
        shutil.copy(srt.with_suffix(".txt"), folder)
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


def run_cli(settings: Settings, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """`scriptwright ARGS` to completion, as a user restarting after the crash would run it."""
    return subprocess.run([str(CLI), *args], cwd=REPO, capture_output=True, text=True, env=env_for(settings),
                          timeout=timeout, stdin=subprocess.DEVNULL)


def scripted_cli(roles: list[str], *args: str) -> list[str]:
    """The real `scriptwright ARGS` in its own process, with the LM of these roles answered by
    DummyLM (test_drafting's answers) and every other role the embedded model."""
    return [sys.executable, "-c", SCRIPTED_CLI, ",".join(roles), *args]


SCRIPTED_CLI = """
import sys
import dspy
from pipelines.cli import main
from pipelines.lm import scripted_lms
from tests.integration.test_drafting import ANSWERS

scripted = dspy.utils.DummyLM(ANSWERS, adapter=dspy.JSONAdapter())
sys.argv, roles = ["scriptwright", *sys.argv[2:]], sys.argv[1].split(",")
with scripted_lms({role: scripted for role in roles}):
    main()
"""


def kill_when(settings: Settings, tmp_path: Path, cmd: list[str], ready: Callable[[], Any]) -> Any:
    """Start a command, poll `ready()` (the database, as another process sees it) until it returns
    something truthy, then SIGKILL the process; returns what `ready` saw."""
    log_out, log_err = (tmp_path / "killed.out").open("w"), (tmp_path / "killed.err").open("w")
    proc = subprocess.Popen(cmd, env=env_for(settings), cwd=REPO, stdout=log_out, stderr=log_err,
                            stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + DEADLINE_S
        while True:
            assert proc.poll() is None, ("the process ended before it could be killed mid-job:\n"
                                         + (tmp_path / "killed.err").read_text())
            assert time.monotonic() < deadline, "the process never reached the point to kill it at"
            seen = ready()
            if seen:
                break
            time.sleep(0.2)
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=60) == -signal.SIGKILL
        return seen
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        log_out.close()
        log_err.close()


def recovered_on_restart(settings: Settings, job_id: str) -> dict[str, Any]:
    """The next `scriptwright` start (default settings, right after the kill) marks the killed
    job failed with a reason and says so once; returns the job row."""
    listed = run_cli(settings, "jobs", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    (killed,) = [j for j in json.loads(listed.stdout) if j["id"] == job_id]
    assert killed["status"] == "failed", killed
    assert killed["error"].startswith("Interrupted: the process running this job stopped"), killed["error"]
    assert killed["finished_at"]
    assert f"Job {job_id} was interrupted earlier and is now marked failed." in listed.stderr
    # recovery happens once: a second start finds nothing to recover
    again = run_cli(settings, "jobs", "list", "--json")
    assert again.returncode == 0 and "interrupted" not in again.stderr
    assert [j["error"] for j in json.loads(again.stdout) if j["id"] == job_id] == [killed["error"]]
    return killed


def test_sigkill_mid_ingest_then_recover_and_rerun(settings: Settings, captions: Path, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SCRIPTWRIGHT_INGEST_BATCH_WORDS", BATCH_WORDS)  # the killed run and the rerun alike
    # what a clean ingest of each file would store (parsing only: cheap)
    groups, _ = collect(captions, tmp_path / "scratch")
    expected = {g.key: doc_from_group(g)[0] for g in groups}
    assert len(expected) == N_VIDEOS

    query(settings, "SELECT 1")  # create and migrate the database before the race starts

    def some_videos_committed() -> tuple[str, int] | None:
        job = query(settings, "SELECT id, progress FROM jobs WHERE kind = 'ingest'")
        seen = query(settings, "SELECT count(*) AS n FROM videos")[0]["n"]
        return (job[0]["id"], seen) if job and job[0]["progress"] > 0 and 0 < seen < N_VIDEOS else None

    # kill once the job shows progress and some (not all) videos are committed
    job_id, seen = kill_when(settings, tmp_path, [str(CLI), "ingest", str(captions), "--creator", "K"],
                             some_videos_committed)

    # ------------------------------------------------------------------ restart: the job is recovered
    killed = recovered_on_restart(settings, job_id)
    assert killed["kind"] == "ingest" and killed["progress"] > 0

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
    rerun = run_cli(settings, "ingest", str(captions), "--creator", "K", timeout=DEADLINE_S)
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


# ---------------------------------------------------------------------- DNA build and draft

def snapshots(settings: Settings) -> list[dict[str, Any]]:
    return query(settings, "SELECT * FROM dna_snapshots ORDER BY creator_id, version")


def test_sigkill_mid_dna_build_keeps_the_measured_part_and_the_earlier_snapshot(sample_settings: Settings,
                                                                                guide_writer: None, tmp_path: Path):
    """`scriptwright dna build --force` killed while it waits on the writer LM (the measured part is
    saved as a new version, its style guide not yet written)."""
    s = sample_settings
    # version 1 (measured by seeding), its guide written in this process with a scripted writer
    seed = jobs.submit_and_run(s, "dna-build", {"creator": "pip-halloran"})
    assert seed["status"] == "succeeded", seed["error"]
    before = snapshots(s)
    assert {r["version"] for r in before} == {1}

    def writing_the_style_guide() -> str | None:  # measured and saved, waiting on the writer LM
        found = query(s, "SELECT id FROM jobs WHERE kind = 'dna-build' AND status = 'running'"
                         " AND message LIKE 'Writing the style guide%'")
        return found[0]["id"] if found else None

    job_id = kill_when(s, tmp_path, [str(CLI), "dna", "build", "--creator", "pip-halloran", "--force"],
                       writing_the_style_guide)

    killed = recovered_on_restart(s, job_id)
    assert killed["kind"] == "dna-build" and killed["params"]["force"] is True
    after_kill = snapshots(s)
    assert [r for r in after_kill if r["version"] == 1] == before  # every version 1 untouched
    (measured,) = [r for r in after_kill if r["version"] == 2]
    assert measured["job_id"] == job_id and measured["guide_status"] == "writing"
    assert json.loads(measured["features"]) and json.loads(measured["signature_phrases"])
    shown = run_cli(s, "dna", "show", "--creator", "pip-halloran", "--json")
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["id"] == measured["id"], "the measured part is in use"
    shown = run_cli(s, "dna", "show", "--creator", "pip-halloran")
    assert "Style guide: not written (writing it failed)" in shown.stdout and "stopped before it finished" in shown.stdout

    # only the guide again (with the scripted writer: the embedded LM's two long calls are what the
    # killed process was doing, not what this checks) fills in version 2 without measuring again
    rerun = jobs.submit_and_run(s, "dna-build", {"creator": "pip-halloran", "part": "guide"})
    assert rerun["status"] == "succeeded", rerun["error"]
    assert rerun["result"]["version"] == 2 and rerun["result"]["guide"] == "written"
    after = snapshots(s)
    assert [r for r in after if r["version"] == 1] == before
    (written,) = [r for r in after if r["version"] == 2]
    assert written["id"] == measured["id"] and written["features"] == measured["features"]
    assert written["guide_status"] == "written" and written["guide_job_id"] == rerun["id"]


IDEA = "Monty Hall with a hundred doors"


def drafts_of(settings: Settings) -> list[dict[str, Any]]:
    return query(settings, "SELECT * FROM drafts ORDER BY project_id, version")


def test_sigkill_mid_draft_keeps_the_versions_saved_before(sample_settings: Settings, tmp_path: Path):
    """`scriptwright draft` killed right after it saved its first version (the outline), while it
    writes the hooks with the embedded LM. The outline's LM is scripted, so the kill point does not
    wait on the embedded model; the hooks it is killed in are the real model's."""
    s = sample_settings

    def first_version_saved() -> str | None:  # the outline is saved, the hooks are being written
        found = query(s, "SELECT j.id FROM jobs j WHERE j.kind = 'draft' AND j.status = 'running'"
                         " AND EXISTS (SELECT 1 FROM drafts d WHERE d.job_id = j.id)")
        return found[0]["id"] if found else None

    job_id = kill_when(s, tmp_path, scripted_cli(["research"], "draft", "--creator", "pip-halloran", "--idea", IDEA,
                                                 "--no-export"), first_version_saved)

    killed = recovered_on_restart(s, job_id)
    assert killed["kind"] == "draft"
    (project,) = query(s, "SELECT id FROM projects")
    (v1,) = drafts_of(s)  # exactly the version committed before the kill, whole
    assert (v1["project_id"], v1["version"], v1["parent_version"], v1["step"], v1["job_id"]) == (
        project["id"], 1, None, "outline", job_id)
    outline = json.loads(v1["content"])
    assert outline["idea"] == IDEA and outline["framework"]["id"] == "misconception-first"
    assert len(outline["outline"]) == 5 and outline["hooks"] == [] and outline["sections"] == []
    listed = run_cli(s, "drafts", "list", "--project", project["id"], "--json")
    assert listed.returncode == 0, listed.stderr
    assert [v["version"] for v in json.loads(listed.stdout)] == [1]

    # the same command again (every LM scripted: fast) finds the same project and drafts the whole
    # video on top of the version that survived
    rerun = subprocess.run(scripted_cli(["research", "writer", "judge"], "draft", "--creator", "pip-halloran",
                                        "--idea", IDEA, "--no-export"),
                           cwd=REPO, capture_output=True, text=True, env=env_for(s), timeout=DEADLINE_S,
                           stdin=subprocess.DEVNULL)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{project['id']} v5" in rerun.stdout, rerun.stdout
    assert query(s, "SELECT id FROM projects") == [project]
    after = drafts_of(s)
    assert after[0] == v1
    assert [(d["version"], d["parent_version"], d["step"]) for d in after] == [
        (1, None, "outline"), (2, 1, "outline"), (3, 2, "hooks"), (4, 3, "script"), (5, 4, "checks")]
    (done,) = query(s, "SELECT id, status FROM jobs WHERE kind = 'draft' AND id != ?", [job_id])
    assert done["status"] == "succeeded" and {d["job_id"] for d in after[1:]} == {done["id"]}
