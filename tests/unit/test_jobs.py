import threading
from datetime import datetime, timedelta

import pytest

from pipelines import jobs
from pipelines.errors import ScriptwrightError
from pipelines.job_params import NoParams, Params
from pipelines.jobs import job_kind
from pipelines.store.duckdb import connect

gate = threading.Event()


class CountParams(Params):
    n: int
    wait: bool = False


@job_kind("test-count", CountParams)
def _count(ctx, params):
    for i in range(params["n"]):
        ctx.progress(i / params["n"], f"step {i}")
        if params.get("wait"):
            gate.wait(5)
    return {"counted": params["n"]}


@job_kind("test-user-error", NoParams)
def _user_error(ctx, params):
    raise ScriptwrightError("talk.srt: the file is empty.")


@job_kind("test-bug", NoParams)
def _bug(ctx, params):
    return {}["missing"]


@job_kind("test-items", NoParams)
def _items(ctx, params):
    ctx.item("a.srt", "added")
    ctx.item("b.srt", "failed", "b.srt: the file is empty.")
    return {}


def test_success_moves_through_states(settings) -> None:
    seen = []
    job = jobs.submit_and_run(settings, "test-count", {"n": 3}, on_progress=lambda f, m: seen.append((f, m)))
    assert job["status"] == "succeeded"
    assert job["progress"] == 1.0
    assert job["result"] == {"counted": 3}
    assert job["started_at"] and job["finished_at"]
    assert [m for _, m in seen] == ["step 0", "step 1", "step 2"]


def test_user_error_is_stored_as_one_line(settings) -> None:
    job = jobs.submit_and_run(settings, "test-user-error", {})
    assert job["status"] == "failed"
    assert job["error"] == "talk.srt: the file is empty."


def test_unexpected_error_is_recorded_not_raised(settings) -> None:
    job = jobs.submit_and_run(settings, "test-bug", {})
    assert job["status"] == "failed"
    assert "KeyError" in job["error"] and "\n" not in job["error"]


def test_items_are_recorded(settings) -> None:
    job = jobs.submit_and_run(settings, "test-items", {})
    assert [i["status"] for i in job["items"]] == ["added", "failed"]


def test_idempotency_key_returns_the_same_job(settings) -> None:
    first = jobs.submit_and_run(settings, "test-count", {"n": 1}, idempotency_key="k1")
    again = jobs.submit_and_run(settings, "test-count", {"n": 1}, idempotency_key="k1")
    assert again["id"] == first["id"]
    assert len(jobs.list_jobs(settings)) == 1


def test_cancel_queued_job(settings) -> None:
    job_id, _ = jobs.create(settings, "test-count", {"n": 2})
    assert jobs.cancel(settings, job_id)["status"] == "cancelled"
    assert jobs.run(settings, job_id)["status"] == "cancelled"  # never starts
    with pytest.raises(ScriptwrightError, match="already cancelled"):
        jobs.cancel(settings, job_id)


def test_cancel_running_job_stops_at_next_progress(settings) -> None:
    gate.clear()
    job_id, _ = jobs.create(settings, "test-count", {"n": 50, "wait": True})
    thread = jobs.start_in_thread(settings, job_id)
    for _ in range(200):
        if jobs.get(settings, job_id)["status"] == "running":
            break
        threading.Event().wait(0.02)
    jobs.cancel(settings, job_id)
    gate.set()
    thread.join(10)
    job = jobs.get(settings, job_id)
    assert job["status"] == "cancelled"
    assert job["result"] is None


def test_stale_running_job_is_marked_failed(settings) -> None:
    job_id, _ = jobs.create(settings, "test-count", {"n": 1})
    long_ago = datetime.now() - timedelta(hours=1)
    with connect(settings.duckdb_path) as conn:
        conn.execute("UPDATE jobs SET status='running', started_at=?, heartbeat_at=? WHERE id=?",
                     [long_ago, long_ago, job_id])
    fresh_id, _ = jobs.create(settings, "test-count", {"n": 1})
    with connect(settings.duckdb_path) as conn:
        conn.execute("UPDATE jobs SET status='running', heartbeat_at=now()::TIMESTAMP WHERE id=?", [fresh_id])
    assert jobs.recover_stale(settings) == [job_id]
    job = jobs.get(settings, job_id)
    assert job["status"] == "failed" and "Interrupted" in job["error"]
    assert jobs.get(settings, fresh_id)["status"] == "running"


def test_unknown_job_is_a_user_error(settings) -> None:
    with pytest.raises(ScriptwrightError, match="No job with id"):
        jobs.get(settings, "nope")
    with pytest.raises(ScriptwrightError, match="Unknown job kind"):
        jobs.create(settings, "no-such-kind", {})


def test_concurrent_updates_of_one_job_row_never_conflict(settings) -> None:
    """A heartbeat thread and progress reports write the same jobs row at once (DuckDB's
    optimistic "Conflict on update" used to fail a long ingest)."""
    import threading

    from pipelines.store.duckdb import execute

    job_id, _ = jobs.create(settings, "load-sample", {})
    errors: list[Exception] = []

    items = "[" + ",".join(['{"name": "video", "status": "added"}'] * 200) + "]"

    def hammer(column: str) -> None:
        try:
            for _ in range(200):
                execute(settings.duckdb_path, f"UPDATE jobs SET {column}, items = ? WHERE id = ?", [items, job_id])
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(c,)) for c in
               ("heartbeat_at = now()::TIMESTAMP", "progress = progress + 0.001", "message = 'x'") * 2]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
