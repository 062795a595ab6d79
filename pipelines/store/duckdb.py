"""Short-lived DuckDB connections with lock retry, and the migration runner.

DuckDB lets one process hold a file read-write. The app, the CLI and notebooks share a
data dir, so every unit of work attaches the file, does a small transaction and detaches
it; a process that meets another's lock waits with backoff instead of failing.

Starting a DuckDB instance costs ~12 ms (measured: `duckdb.connect(":memory:")` 11.7 ms, a file
14.8 ms) against 3.5 ms to attach a file to a running one and detach it, and a draft opens the
database hundreds of times (547 in `make demo`). So each process keeps one in-memory instance and
attaches its files to it; detaching releases the file lock as closing did.
"""

from __future__ import annotations

import atexit
import itertools
import random
import threading
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

import duckdb

from pipelines.errors import ScriptwrightError
from pipelines.store.migrations import MIGRATIONS


def _is_lock_error(exc: Exception) -> bool:
    text = str(exc)
    return "Could not set lock" in text or "Conflicting lock" in text


_host: duckdb.DuckDBPyConnection | None = None  # this process's in-memory instance; guarded by _shared_lock


def _attach(path: Path, alias: str) -> duckdb.DuckDBPyConnection:
    global _host
    if _host is None:
        _host = duckdb.connect(":memory:")
        atexit.register(_host.close)  # closed while the interpreter is intact, not by a finaliser at exit
    quoted = str(path).replace("'", "''")
    _host.execute(f"ATTACH '{quoted}' AS {alias}")
    return _host


def _open(path: Path, alias: str, retry_s: float) -> duckdb.DuckDBPyConnection:
    deadline = time.monotonic() + retry_s
    delay = 0.02
    while True:
        try:
            return _attach(path, alias)
        except duckdb.IOException as exc:
            if not _is_lock_error(exc):
                raise ScriptwrightError(f"Cannot open the database {path}: {exc}") from exc
            if time.monotonic() >= deadline:
                raise ScriptwrightError(
                    f"The database {path} stayed locked by another process for {retry_s:.0f} s; "
                    "close the other Scriptwright process (app, CLI or notebook) or retry."
                ) from exc
            time.sleep(delay + random.uniform(0, delay))
            delay = min(delay * 2, 0.5)


class _Shared:
    """One attached file in this process, shared by every thread that needs it."""

    def __init__(self, host: duckdb.DuckDBPyConnection, alias: str) -> None:
        self.host = host
        self.alias = alias
        self.users = 0

    def cursor(self) -> duckdb.DuckDBPyConnection:
        """A connection of its own for one thread, on this file (its tables need no prefix)."""
        cursor = self.host.cursor()
        cursor.execute(f"USE {self.alias}")
        return cursor

    def detach(self) -> None:
        self.host.execute(f"DETACH {self.alias}")


_shared: dict[Path, _Shared] = {}
_aliases = itertools.count(1)  # a new name per attachment: a detached name is never reused mid-flight
_shared_lock = threading.Lock()


@contextmanager
def connect(path: Path, retry_s: float = 20.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A migrated connection for one unit of work.

    Threads share one attachment per file (each gets its own cursor: DuckDB races when
    threads open the same file at once); the file is detached, releasing its lock for
    other processes, when its last user is done.
    """
    path = path.resolve()
    with _shared_lock:
        entry = _shared.get(path)
        if entry is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            alias = f"db_{next(_aliases)}"
            entry = _Shared(_open(path, alias, retry_s), alias)
            try:
                with closing(entry.cursor()) as first:
                    migrate(first)
            except Exception:
                entry.detach()
                raise
            _shared[path] = entry
        entry.users += 1
    cursor = entry.cursor()
    try:
        yield cursor
    finally:
        cursor.close()
        with _shared_lock:
            entry.users -= 1
            if entry.users == 0:
                entry.detach()
                del _shared[path]


@contextmanager
def transaction(path: Path, retry_s: float = 20.0) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection inside BEGIN/COMMIT; any exception rolls everything back."""
    with connect(path, retry_s) as conn:
        conn.execute("BEGIN TRANSACTION")
        try:
            yield conn
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")


def migrate(conn: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply pending migrations in order; returns the versions applied now."""
    conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        " version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
        " applied_at TIMESTAMP NOT NULL DEFAULT current_timestamp)"
    )
    done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations").fetchall()}
    applied = []
    for version, name, sql in MIGRATIONS:
        if version in done:
            continue
        conn.execute("BEGIN TRANSACTION")
        try:
            conn.execute(sql)
            conn.execute("INSERT INTO schema_migrations (version, name) VALUES (?, ?)", [version, name])
        except Exception:
            conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
        applied.append(version)
    return applied


def rows(conn: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    """Run a query and return its rows as dicts keyed by column name."""
    cur = conn.execute(sql, params or [])
    cols = [d[0] for d in cur.description]
    return [dict(zip(cols, r)) for r in cur.fetchall()]


def execute(path: Path, sql: str, params: list[Any] | None = None, retry_s: float = 20.0, attempts: int = 8) -> None:
    """One autocommitted statement, retried when another thread's write to the same rows wins
    (DuckDB's optimistic "Conflict on update"), e.g. a job's heartbeat racing its progress."""
    for attempt in range(attempts):
        try:
            with connect(path, retry_s) as conn:
                conn.execute(sql, params or [])
            return
        except duckdb.TransactionException as exc:
            if "Conflict" not in str(exc) or attempt == attempts - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
