"""Jobs: persisted, observable, cancellable units of long work.

A job is a registered function of its params. The runner records every state change in
the `jobs` table, so the CLI (synchronous, rich progress bar) and the app (background
thread, a page polling the table) drive the same code. Progress flows out through a
callback; the pipeline never knows who is watching.
"""

from __future__ import annotations

import contextvars
import json
import os
import socket
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

import duckdb

from pipelines.errors import ScriptwrightError
from pipelines.job_params import Params, checked
from pipelines.lm_context import current_job_id
from pipelines.prompts import PromptService, Selection
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, execute, rows
from pipelines.usable import PARTIAL

STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")
FINAL = {"succeeded", "failed", "cancelled"}

ProgressCallback = Callable[[float, str], None]


class JobCancelled(Exception):
    """Raised inside a job at its next progress report after a cancel request."""


@dataclass
class JobContext:
    """What a running job uses to report progress, record failed items and see cancels."""

    settings: Settings
    job_id: str
    on_progress: ProgressCallback | None = None
    items: list[dict[str, Any]] = field(default_factory=list)
    selection: Selection | None = None
    span: tuple[float, float] = (0.0, 1.0)

    def part(self, start: float, end: float) -> JobContext:
        """The same job for a sub-step whose progress 0..1 fills [start, end] of this one's."""
        lo, hi = self.span
        return replace(self, span=(lo + (hi - lo) * start, lo + (hi - lo) * end), selection=None)

    def prompts(self, tag: str | None = None, overrides: dict[str, str] | None = None) -> Selection:
        """The prompt selection for this run; the versions it resolves are stored on the job."""
        self.selection = PromptService(self.settings).select(tag, overrides)
        return self.selection

    def progress(self, fraction: float, message: str = "") -> None:
        """Record progress (0..1) and a heartbeat; raises JobCancelled if a cancel was asked."""
        fraction = self.span[0] + (self.span[1] - self.span[0]) * max(0.0, min(1.0, fraction))
        execute(self.settings.duckdb_path,
                "UPDATE jobs SET progress = ?, message = ?, heartbeat_at = now()::TIMESTAMP WHERE id = ?",
                [fraction, message, self.job_id], self.settings.lock_retry_s)
        with connect(self.settings.duckdb_path, self.settings.lock_retry_s) as conn:
            cancel = conn.execute("SELECT cancel_requested FROM jobs WHERE id = ?", [self.job_id]).fetchone()
        if self.on_progress:
            self.on_progress(fraction, message)
        if cancel and cancel[0]:
            raise JobCancelled(f"Job {self.job_id} was cancelled")

    def item(self, name: str, status: str, detail: str = "") -> None:
        """Record the outcome of one item (a video, an example) so a batch can partly fail."""
        self.items.append({"name": name, "status": status, "detail": detail})
        execute(self.settings.duckdb_path, "UPDATE jobs SET items = ? WHERE id = ?",
                [json.dumps(self.items), self.job_id], self.settings.lock_retry_s)


def partial(result: dict[str, Any], problems: list[str]) -> dict[str, Any]:
    """A job's result, marked partial when parts of it are missing: the job still succeeds (what was
    made is saved), and its message lists what is missing and what to do."""
    if not problems:
        return result
    return {**result, "status": PARTIAL, "problems": problems, "message": " ".join(problems)}


def is_partial(job: dict[str, Any]) -> bool:
    """Whether a job succeeded with parts missing (its message says which and what to do)."""
    return job["status"] == "succeeded" and (job.get("result") or {}).get("status") == PARTIAL


JobFn = Callable[[JobContext, dict[str, Any]], dict[str, Any]]
_REGISTRY: dict[str, tuple[JobFn, type[Params]]] = {}


def job_kind(name: str, params: type[Params]) -> Callable[[JobFn], JobFn]:
    """Register a function as the body of jobs of this kind, whose params are of type `params`
    (checked when a job is created; pipelines/job_params.py holds them)."""

    def register(fn: JobFn) -> JobFn:
        _REGISTRY[name] = (fn, params)
        return fn

    return register


def _registered(kind: str) -> tuple[JobFn, type[Params]]:
    # Importing the modules that define job kinds fills the registry lazily.
    import pipelines.assistant.agent  # noqa: F401
    import pipelines.demo  # noqa: F401
    import pipelines.drafting.publish  # noqa: F401
    import pipelines.drafting.steps  # noqa: F401
    import pipelines.evals  # noqa: F401
    import pipelines.evidence.audience  # noqa: F401
    import pipelines.evidence.idea  # noqa: F401
    import pipelines.evidence.research  # noqa: F401
    import pipelines.evidence.verify  # noqa: F401
    import pipelines.ingest.job  # noqa: F401
    import pipelines.voice.dna  # noqa: F401
    import pipelines.voice.scorer  # noqa: F401

    if kind not in _REGISTRY:
        raise ScriptwrightError(f"Unknown job kind '{kind}'.")
    return _REGISTRY[kind]


def create(settings: Settings, kind: str, params: dict[str, Any], idempotency_key: str | None = None,
           initiating_job_id: str | None = None) -> tuple[str, bool]:
    """Create a queued job; returns (job id, created). An idempotency key that matches a job
    still queued, running or succeeded returns that job instead of a new one. Params are checked against
    the kind's type (pipelines/job_params.py) and stored as checked."""
    params = checked(kind, _registered(kind)[1], params)
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        if idempotency_key:
            found = conn.execute(
                "SELECT id FROM jobs WHERE idempotency_key = ? AND status IN ('queued','running','succeeded') "
                "ORDER BY created_at DESC LIMIT 1",
                [idempotency_key],
            ).fetchone()
            if found:
                return found[0], False
        job_id = uuid.uuid4().hex[:12]
        conn.execute(
            "INSERT INTO jobs (id, kind, status, params, idempotency_key, initiating_job_id) VALUES (?, ?, 'queued', ?, ?, ?)",
            [job_id, kind, json.dumps(params, default=str), idempotency_key, initiating_job_id],
        )
    return job_id, True


def _finish(settings: Settings, job_id: str, status: str, *, result: dict | None = None, error: str | None = None,
            message: str | None = None) -> None:
    execute(settings.duckdb_path,
            "UPDATE jobs SET status = ?, result = ?, error = ?, message = coalesce(?, message),"
            " progress = CASE WHEN ? = 'succeeded' THEN 1.0 ELSE progress END,"
            " finished_at = now()::TIMESTAMP, heartbeat_at = now()::TIMESTAMP WHERE id = ?",
            [status, json.dumps(result, default=str) if result is not None else None, error, message, status, job_id],
            settings.lock_retry_s)


def run(settings: Settings, job_id: str, on_progress: ProgressCallback | None = None) -> dict[str, Any]:
    """Run a queued job in this thread to its final state; returns the job row.

    User-facing errors (ScriptwrightError) are stored as the job's one-line error;
    anything else is stored with its traceback's last line so nothing is silent.
    """
    job = get(settings, job_id)
    if job["status"] != "queued":
        return job
    fn = _registered(job["kind"])[0]
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        conn.execute(
            "UPDATE jobs SET status = 'running', runner = ?, started_at = now()::TIMESTAMP,"
            " heartbeat_at = now()::TIMESTAMP WHERE id = ? AND status = 'queued'",
            [_runner(), job_id],
        )
    ctx = JobContext(settings, job_id, on_progress)
    token = current_job_id.set(job_id)
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(settings, job_id, stop), daemon=True)
    beat.start()
    try:
        result = fn(ctx, job["params"])
    except JobCancelled:
        _finish(settings, job_id, "cancelled", message="Cancelled")
    except ScriptwrightError as exc:
        _finish(settings, job_id, "failed", error=str(exc))
    except Exception as exc:  # a bug: keep the job record honest and the trace for the log
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        _finish(settings, job_id, "failed", error=f"Unexpected error: {last}")
    else:
        done = result.get("message") if result.get("status") == PARTIAL else "Done"
        _finish(settings, job_id, "succeeded", result=result, message=done)
    finally:
        stop.set()
        beat.join()
        current_job_id.reset(token)
        if ctx.selection and ctx.selection.record:
            with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
                conn.execute("UPDATE jobs SET prompt_versions = ? WHERE id = ?",
                             [json.dumps(ctx.selection.record), job_id])
    return get(settings, job_id)


def _heartbeat(settings: Settings, job_id: str, stop: threading.Event) -> None:
    """Keep a long step (one slow LM call) from looking like a dead process."""
    interval = max(1.0, settings.job_stale_after_s / 4)
    while not stop.wait(interval):
        try:
            execute(settings.duckdb_path,
                    "UPDATE jobs SET heartbeat_at = now()::TIMESTAMP WHERE id = ? AND status = 'running'",
                    [job_id], settings.lock_retry_s)
        except (ScriptwrightError, duckdb.TransactionException):
            continue


def start_in_thread(settings: Settings, job_id: str) -> threading.Thread:
    """Run a job in a daemon thread (the app's worker); the caller polls the table."""
    ctx = contextvars.copy_context()
    thread = threading.Thread(target=ctx.run, args=(run, settings, job_id), name=f"job-{job_id}", daemon=True)
    thread.start()
    return thread


def _decode(job: dict[str, Any]) -> dict[str, Any]:
    for key in ("params", "result", "items", "prompt_versions"):
        if isinstance(job.get(key), str):
            job[key] = json.loads(job[key])
    job["params"] = job.get("params") or {}
    job["items"] = job.get("items") or []
    return job


def get(settings: Settings, job_id: str) -> dict[str, Any]:
    """One job row; a clear error when the id is unknown."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        found = rows(conn, "SELECT * FROM jobs WHERE id = ?", [job_id])
    if not found:
        raise ScriptwrightError(f"No job with id '{job_id}'. See `scriptwright jobs list`.")
    return _decode(found[0])


def list_jobs(settings: Settings, limit: int = 50, status: str | None = None) -> list[dict[str, Any]]:
    """Most recent jobs first."""
    sql = "SELECT * FROM jobs"
    params: list[Any] = []
    if status:
        sql += " WHERE status = ?"
        params.append(status)
    sql += " ORDER BY created_at DESC LIMIT ?"
    params.append(limit)
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return [_decode(r) for r in rows(conn, sql, params)]


def cancel(settings: Settings, job_id: str) -> dict[str, Any]:
    """Cancel a queued job at once; ask a running one to stop at its next progress report."""
    job = get(settings, job_id)
    if job["status"] in FINAL:
        raise ScriptwrightError(f"Job {job_id} already {job['status']}; nothing to cancel.")
    execute(settings.duckdb_path,
            "UPDATE jobs SET cancel_requested = true,"
            " status = CASE WHEN status = 'queued' THEN 'cancelled' ELSE status END,"
            " finished_at = CASE WHEN status = 'queued' THEN now()::TIMESTAMP ELSE finished_at END"
            " WHERE id = ?",
            [job_id], settings.lock_retry_s)
    return get(settings, job_id)


def _runner() -> str:
    """This process as a job's runner: host and process id."""
    return f"{socket.gethostname()}:{os.getpid()}"


def _gone(runner: str | None) -> bool:
    """Whether a runner is a process on this host that no longer exists (elsewhere: unknown, so no)."""
    host, _, pid = (runner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, run by another user
        return False
    return False


def recover_stale(settings: Settings, now: datetime | None = None) -> list[str]:
    """Mark jobs left `running` by a dead process as failed: its process is gone from this host
    (a killed CLI or app, seen at once), or its heartbeat is older than the limit."""
    cutoff = (now or datetime.now()) - timedelta(seconds=settings.job_stale_after_s)
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        running = conn.execute(
            "SELECT id, runner, coalesce(heartbeat_at, started_at, created_at) < ? FROM jobs WHERE status = 'running'",
            [cutoff],
        ).fetchall()
        stale = [job_id for job_id, runner, silent in running if silent or _gone(runner)]
        for job_id in stale:
            conn.execute(
                "UPDATE jobs SET status = 'failed', finished_at = now()::TIMESTAMP,"
                " error = 'Interrupted: the process running this job stopped (no heartbeat since '"
                " || strftime(heartbeat_at, '%Y-%m-%d %H:%M:%S') || '). Run it again.' WHERE id = ?",
                [job_id],
            )
    return stale


def submit_and_run(settings: Settings, kind: str, params: dict[str, Any], *, idempotency_key: str | None = None,
                   on_progress: ProgressCallback | None = None) -> dict[str, Any]:
    """Create and synchronously run a job (the CLI path); returns the final job row."""
    job_id, created = create(settings, kind, params, idempotency_key)
    if not created:
        return get(settings, job_id)
    return run(settings, job_id, on_progress)
