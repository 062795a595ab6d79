"""Conversations with the assistant, stored per creator and project.

A session holds messages in order: the creator's (`user`), the assistant's replies
(`assistant`), every tool call with its arguments and result (`tool`), and readable
errors (`error`). Rows are written as they happen, so a page polling them shows a long
turn's progress and a crash loses nothing already said.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from pipelines import corpus
from pipelines.drafting import drafts
from pipelines.drafting.content import Draft
from pipelines.errors import ScriptwrightError
from pipelines.evidence import projects
from pipelines.evidence.sources import list_sources
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, rows, transaction
from pipelines.voice import dna

ROLES = ("user", "assistant", "tool", "error")
MAX_MESSAGE_CHARS = 8000


def check_message(text: str) -> str:
    """The message as sent, or a clear error when it is empty or over the limit."""
    if not text or not text.strip():
        raise ScriptwrightError("Type a message first.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise ScriptwrightError(f"Your message is {len(text):,} characters; the assistant takes up to "
                                f"{MAX_MESSAGE_CHARS:,}. Add long text to the project as a source instead "
                                "(`scriptwright research --text ...` or the New video page).")
    return text.strip()


def project_state(settings: Settings, project: str | None) -> dict[str, Any] | None:
    """What the project has so far: sources, research, claims checked, the latest draft."""
    if not project:
        return None
    p = projects.get_project(settings, project)
    research = projects.result(settings, p["id"], "research")
    verification = projects.result(settings, p["id"], "verification")
    latest = drafts.find(settings, p["id"])
    content = latest["content"] if latest else Draft()
    return {"id": p["id"], "title": p["working_title"], "idea": p["idea"],
            "sources": len(list_sources(settings, p["id"])),
            "notes": len((research or {}).get("content", {}).get("key_points", [])),
            "claims": len((verification or {}).get("content", {}).get("claims", [])),
            "draft_version": latest["version"] if latest else None,
            "sections": [{"id": s.id, "title": s.title} for s in content.sections],
            "outline": [{"id": s.id, "title": s.title} for s in content.outline],
            "hook": content.hook.text if content.hook else None}


def context_text(settings: Settings, creator: dict[str, Any], project: str | None) -> str:
    """The facts the assistant starts every turn with (for the LM)."""
    videos = corpus.list_videos(settings, creator["id"])
    snap = dna.latest(settings, creator["slug"])
    lines = [f"Creator: {creator['name']} ({creator['slug']}), {len(videos)} videos in the corpus, "
             f"Creator DNA {'v' + str(snap['version']) if snap else 'not built yet'}."]
    state = project_state(settings, project)
    if state:
        lines.append(f"Project {state['id']}: \"{state['title']}\" — {state['sources']} sources, "
                     f"{state['notes']} research notes, {state['claims']} claims checked, "
                     + (f"draft v{state['draft_version']}" if state["draft_version"] else "no draft yet") + ".")
        if state["sections"] or state["outline"]:
            parts = state["sections"] or state["outline"]
            lines.append("Sections: " + "; ".join(f"{s['id']} {s['title']}" for s in parts))
    else:
        lines.append("No project is open: tools that need one (sources, claims, drafts) will say so.")
    return "\n".join(lines)


def greeting(settings: Settings, creator: dict[str, Any], project: str | None) -> str:
    """The first message of a session: what the assistant knows and what it can do."""
    videos = corpus.list_videos(settings, creator["id"])
    snap = dna.latest(settings, creator["slug"])
    words = creator["name"].split()
    first = f"{words[0]} {words[-1]}" if words[0].endswith(".") and len(words) > 1 else words[0]  # "Dr. Okafor"
    lines = [f"Hi {first}! I know your {len(videos)} videos"
             + (f" and your Creator DNA (v{snap['version']})." if snap else "; your Creator DNA is not built yet.")]
    state = project_state(settings, project)
    if state:
        have = [f"{state['sources']} sources", f"{state['notes']} research notes"]
        have.append(f"draft v{state['draft_version']}" if state["draft_version"] else "no draft yet")
        lines.append(f"We're on \"{state['title']}\": {', '.join(have)}.")
    lines.append("Ask me to find where you explained something before, write hooks in your style, check a claim "
                 "against the project's sources, score a passage's voice, or rewrite a section. "
                 "Anything I change is saved as a new draft version; nothing is overwritten.")
    return " ".join(lines[:-1]) + "\n\n" + lines[-1]


def start_session(settings: Settings, creator: str, project: str | None = None) -> dict[str, Any]:
    """A new conversation (with its greeting) for a creator and, optionally, a project."""
    c = corpus.get_creator(settings, creator)
    if project:
        p = projects.get_project(settings, project)
        if p["creator"] != c["slug"]:
            raise ScriptwrightError(f"Project {p['id']} belongs to {p['creator']}, not {c['slug']}.")
        project = p["id"]
    session_id = uuid.uuid4().hex[:12]
    with transaction(settings.duckdb_path, settings.lock_retry_s) as conn:
        conn.execute("INSERT INTO chat_sessions (id, creator_id, project_id, title) VALUES (?, ?, ?, ?)",
                     [session_id, c["id"], project, None])
    add_message(settings, session_id, 0, "assistant", greeting(settings, c, project))
    return get_session(settings, session_id)


def get_session(settings: Settings, session_id: str) -> dict[str, Any]:
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        found = rows(conn, "SELECT s.*, c.slug AS creator, c.name AS creator_name FROM chat_sessions s"
                           " JOIN creators c ON c.id = s.creator_id WHERE s.id = ?", [session_id])
    if not found:
        raise ScriptwrightError(f"No conversation '{session_id}'. See `scriptwright chat --list`.")
    return found[0]


def list_sessions(settings: Settings, creator: str, project: str | None = None) -> list[dict[str, Any]]:
    """A creator's conversations (for one project when given), most recent first."""
    c = corpus.get_creator(settings, creator)
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return rows(conn, "SELECT s.id, s.project_id, s.title, s.created_at, s.updated_at,"
                          " (SELECT count(*) FROM chat_messages m WHERE m.session_id = s.id AND m.role = 'user')"
                          " AS turns FROM chat_sessions s WHERE s.creator_id = ?"
                          " AND (? IS NULL OR s.project_id = ?) ORDER BY s.updated_at DESC",
                    [c["id"], project, project])


def latest_session(settings: Settings, creator: str, project: str | None = None) -> dict[str, Any]:
    """The conversation to return to: the most recent one for this creator and project, else a new one."""
    found = [s for s in list_sessions(settings, creator, project) if s["project_id"] == project]
    return get_session(settings, found[0]["id"]) if found else start_session(settings, creator, project)


def add_message(settings: Settings, session_id: str, turn: int, role: str, content: str, *,
                tool_name: str | None = None, tool_args: dict | None = None, tool_result: Any = None,
                status: str = "ok", job_id: str | None = None) -> int:
    """Append one message; returns its id."""
    if role not in ROLES:
        raise ScriptwrightError(f"Unknown message role '{role}'.")
    with transaction(settings.duckdb_path, settings.lock_retry_s) as conn:
        message_id = conn.execute(
            "INSERT INTO chat_messages (session_id, turn, role, content, tool_name, tool_args, tool_result, status,"
            " job_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            [session_id, turn, role, content, tool_name,
             json.dumps(tool_args, default=str) if tool_args is not None else None,
             json.dumps(tool_result, default=str) if tool_result is not None else None, status, job_id],
        ).fetchone()[0]
        conn.execute("UPDATE chat_sessions SET updated_at = now()::TIMESTAMP,"
                     " title = coalesce(title, CASE WHEN ? = 'user' THEN left(?, 60) END) WHERE id = ?",
                     [role, content, session_id])
    return int(message_id)


def messages(settings: Settings, session_id: str, after_id: int = 0) -> list[dict[str, Any]]:
    """A session's messages in order (those after a message id when given), JSON fields decoded."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        found = rows(conn, "SELECT * FROM chat_messages WHERE session_id = ? AND id > ? ORDER BY id",
                     [session_id, after_id])
    for m in found:
        for key in ("tool_args", "tool_result"):
            if isinstance(m[key], str):
                m[key] = json.loads(m[key])
    return found


def next_turn(settings: Settings, session_id: str) -> int:
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return int(conn.execute("SELECT coalesce(max(turn), 0) + 1 FROM chat_messages WHERE session_id = ?",
                                [session_id]).fetchone()[0])


def history_text(items: list[dict[str, Any]], max_chars: int = 2500) -> str:
    """The user/assistant exchange as text for the LM, most recent kept when it is long."""
    lines = [f"{m['role']}: {m['content']}" for m in items if m["role"] in ("user", "assistant")]
    text = "\n".join(lines)
    return text[-max_chars:] if len(text) > max_chars else text or "(new conversation)"
