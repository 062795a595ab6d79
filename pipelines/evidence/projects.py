"""Projects (a video in the making) and their versioned results.

Every result a step produces (idea validation, research notes, verification, audience
report) is stored as a new version of its kind for the project; nothing is overwritten.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pipelines import corpus
from pipelines.errors import ScriptwrightError
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, rows, transaction

RESULT_KINDS = ("idea", "research", "verification", "audience")


def project_id_for(title: str) -> str:
    """A readable id from a working title: its slug, at most 48 characters."""
    slug = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:48].strip("-")
    if not slug:
        raise ScriptwrightError("A project needs a working title with at least one letter or digit.")
    return slug


def ensure_project(settings: Settings, creator: str, title: str, idea: str | None = None) -> dict[str, Any]:
    """The creator's project with this title, created when new; another creator's id gets a suffix."""
    title = title.strip()
    c = corpus.get_creator(settings, creator)
    base = project_id_for(title)
    with transaction(settings.duckdb_path, settings.lock_retry_s) as conn:
        for n in range(1, 1000):
            candidate = base if n == 1 else f"{base}-{n}"
            found = conn.execute("SELECT creator_id, working_title FROM projects WHERE id = ?", [candidate]).fetchone()
            if found is None:
                conn.execute("INSERT INTO projects (id, creator_id, working_title, idea) VALUES (?, ?, ?, ?)",
                             [candidate, c["id"], title, idea or title])
                break
            if found[0] == c["id"] and found[1] == title:
                break
    return get_project(settings, candidate)


def get_project(settings: Settings, project: str) -> dict[str, Any]:
    """One project by id, with its creator; a clear error naming the known ones otherwise."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        found = rows(conn, "SELECT p.*, c.slug AS creator, c.name AS creator_name FROM projects p"
                           " JOIN creators c ON c.id = p.creator_id WHERE p.id = ?", [project])
        if not found:
            known = [r[0] for r in conn.execute("SELECT id FROM projects ORDER BY updated_at DESC LIMIT 5").fetchall()]
    if not found:
        hint = f" Recent projects: {', '.join(known)}." if known else ""
        raise ScriptwrightError(f"No project '{project}'. Start one with `scriptwright idea validate --creator C "
                                f"--idea \"...\"`.{hint}")
    return found[0]


def list_projects(settings: Settings, creator: str | None = None) -> list[dict[str, Any]]:
    """Projects, most recently touched first, with how many sources and results each has."""
    where, params = "", []
    if creator:
        where, params = "WHERE p.creator_id = ?", [corpus.get_creator(settings, creator)["id"]]
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return rows(conn, f"""
            SELECT p.id, p.working_title, p.idea, p.status, c.slug AS creator, p.created_at, p.updated_at,
                   (SELECT count(*) FROM sources s WHERE s.project_id = p.id) AS sources,
                   (SELECT count(*) FROM project_results r WHERE r.project_id = p.id) AS results
            FROM projects p JOIN creators c ON c.id = p.creator_id {where}
            ORDER BY p.updated_at DESC, p.id""", params)


def save_result(settings: Settings, project: str, kind: str, content: dict[str, Any], *, job_id: str | None = None,
                prompt_versions: dict[str, Any] | None = None, lm: str | None = None, conn=None) -> int:
    """Store a new version of a project's result of this kind; returns the version number."""
    if kind not in RESULT_KINDS:
        raise ValueError(f"unknown result kind {kind!r}")

    def write(c) -> int:
        version = c.execute("SELECT coalesce(max(version), 0) + 1 FROM project_results WHERE project_id = ? AND kind = ?",
                            [project, kind]).fetchone()[0]
        c.execute("INSERT INTO project_results (project_id, kind, version, content, job_id, prompt_versions, lm)"
                  " VALUES (?, ?, ?, ?, ?, ?, ?)",
                  [project, kind, version, json.dumps(content, default=str), job_id,
                   json.dumps(prompt_versions or {}), lm])
        c.execute("UPDATE projects SET updated_at = now()::TIMESTAMP WHERE id = ?", [project])
        return version

    if conn is not None:
        return write(conn)
    with transaction(settings.duckdb_path, settings.lock_retry_s) as c:
        return write(c)


def result(settings: Settings, project: str, kind: str, version: int | None = None) -> dict[str, Any] | None:
    """A project's result of a kind (latest by default), decoded; None when there is none."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        found = rows(conn, "SELECT * FROM project_results WHERE project_id = ? AND kind = ? AND (? IS NULL OR version = ?)"
                           " ORDER BY version DESC LIMIT 1", [project, kind, version, version])
    if not found:
        return None
    row = found[0]
    for key in ("content", "prompt_versions"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    return row


def result_versions(settings: Settings, project: str, kind: str) -> list[dict[str, Any]]:
    """Every version of a project's result of a kind, newest first (without content)."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return rows(conn, "SELECT version, created_at, lm, job_id FROM project_results WHERE project_id = ? AND kind = ?"
                          " ORDER BY version DESC", [project, kind])
