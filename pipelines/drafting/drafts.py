"""Draft versions and feedback. Every generation, edit, applied fix or restore is a new
version with its parent, the step that made it, the pipeline tag, prompt versions, LMs per
role and cost; nothing is ever overwritten.

A version's content is the whole draft, a `Draft` (drafting/content.py): idea, creator,
audience_level, target_words, wpm, framework, outline, hooks, hook, sections (each a list of
sentences with their citations), checks, and problems (per generated part, what the model left
missing and what to do; the creator's own edit of a part settles them).
"""

from __future__ import annotations

import difflib
import json
import random
import threading
import time
from typing import Any

import duckdb

from pipelines.drafting.content import Draft, Hook, Sentence
from pipelines.errors import ScriptwrightError
from pipelines.text import split_sentences
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, rows, transaction

FEEDBACK_TARGETS = ("draft", "hook", "section", "publish")  # publish: target id is the kit's part
# the program each publish kit part's feedback is an example of
PUBLISH_PROGRAMS = {"titles": "title", "description": "description", "short": "short", "post": "community_post"}
SAVE_ATTEMPTS = 12
# Other processes wait for the database file's lock; threads of this one (tabs of one app server,
# a job and an edit) share the database and would race for the same version number: take turns.
_saving = threading.Lock()


def save_version(settings: Settings, project: str, content: Draft | dict[str, Any], step: str, *, parent: int | None = None,
                 note: str | None = None, tag: str | None = None, prompt_versions: dict | None = None,
                 lm: dict | None = None, cost: float | None = None, job_id: str | None = None) -> int:
    """Store content (a Draft, or a dict checked as one) as the project's next version; concurrent savers
    each get their own number."""
    stored = json.dumps(Draft.load(content).stored())
    for attempt in range(SAVE_ATTEMPTS):
        try:
            with _saving, transaction(settings.duckdb_path, settings.lock_retry_s) as conn:
                version = conn.execute("SELECT coalesce(max(version), 0) + 1 FROM drafts WHERE project_id = ?",
                                       [project]).fetchone()[0]
                conn.execute(
                    "INSERT INTO drafts (project_id, version, parent_version, step, content, note, pipeline_tag,"
                    " prompt_versions, lm, cost_usd, job_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [project, version, parent, step, stored, note, tag,
                     json.dumps(prompt_versions or {}), json.dumps(lm or {}), cost, job_id])
                conn.execute("UPDATE projects SET updated_at = now()::TIMESTAMP, status = 'drafting' WHERE id = ?",
                             [project])
            return version
        except (duckdb.ConstraintException, duckdb.TransactionException) as exc:
            if attempt == SAVE_ATTEMPTS - 1:
                raise ScriptwrightError(f"Could not save a new version of {project}: other saves kept taking "
                                        "the same number. Try again.") from exc
            # another writer of the project's row won; a random wait, so it is not met again in lockstep
            time.sleep(random.uniform(0.005, 0.05) * (attempt + 1))
    raise AssertionError("unreachable")


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("prompt_versions", "lm"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    if "content" in row:
        row["content"] = Draft.load(row["content"], f"Version {row.get('version')} of {row.get('project_id')}")
    return row


def get(settings: Settings, project: str, version: int | None = None) -> dict[str, Any]:
    """One version (the latest by default); a clear error when there is none."""
    found = find(settings, project, version)
    if found is None:
        which = f"version {version}" if version else "draft yet"
        raise ScriptwrightError(f"Project {project} has no {which}; run the outline step first "
                                f"(`scriptwright draft --project {project}`).")
    return found


def find(settings: Settings, project: str, version: int | None = None) -> dict[str, Any] | None:
    """One version (the latest by default) with its content as a Draft, or None when there is none."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        found = rows(conn, "SELECT * FROM drafts WHERE project_id = ? AND (? IS NULL OR version = ?)"
                           " ORDER BY version DESC LIMIT 1", [project, version, version])
    return _decode(found[0]) if found else None


def versions(settings: Settings, project: str) -> list[dict[str, Any]]:
    """Every version, newest first, without content."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return [_decode(r) for r in rows(
            conn, "SELECT version, parent_version, step, note, pipeline_tag, lm, cost_usd, created_at FROM drafts"
                  " WHERE project_id = ? ORDER BY version DESC", [project])]


def plain_text(draft: Draft) -> str:
    """The spoken script: hook then sections, one sentence per line (what diffs compare)."""
    lines = []
    if draft.hook:
        lines += ["# Hook", draft.hook.text, ""]
    for section in draft.sections:
        lines.append(f"# {section.title}")
        lines += [s.text for s in section.sentences]
        lines.append("")
    return "\n".join(lines)


def diff(settings: Settings, project: str, old: int, new: int) -> str:
    """A unified diff of two versions' scripts."""
    a, b = get(settings, project, old), get(settings, project, new)
    return "\n".join(difflib.unified_diff(plain_text(a["content"]).splitlines(), plain_text(b["content"]).splitlines(),
                                          f"v{old}", f"v{new}", lineterm=""))


def restore(settings: Settings, project: str, version: int) -> int:
    """A new version whose content is an older one's (the versions in between stay)."""
    old = get(settings, project, version)
    latest = get(settings, project)
    return save_version(settings, project, old["content"], "restore", parent=latest["version"],
                        note=f"restored v{version}", tag=old["pipeline_tag"], prompt_versions=old["prompt_versions"],
                        lm=old["lm"])


def edit_section(draft: Draft, section_id: str, text: str) -> Draft:
    """A copy of the draft with one section's text replaced; unchanged sentences keep their citations."""
    out = draft.model_copy(deep=True)
    section = out.section(section_id)
    if section is None:
        raise ScriptwrightError(f"The draft has no section '{section_id}'.")
    cites = {s.text: s.cites for s in section.sentences}
    section.sentences = [Sentence(text=t, cites=cites.get(t, [])) for t in split_sentences(text)]
    return out


def record_problems(draft: Draft, part: str, problems: list[str]) -> None:
    """Record what a part's generation left missing (replacing its earlier record; [] when nothing is)."""
    draft.problems = {**draft.problems, part: problems}


def edit_hook(draft: Draft, text: str) -> Draft:
    """A copy of the draft whose hook is the creator's text (keeping the chosen hook's id and style)."""
    out = draft.model_copy(deep=True)
    if not text.strip():
        raise ScriptwrightError("The hook is empty.")
    out.hook = (out.hook or Hook(id=None, style="edited")).model_copy(update={"text": text.strip()})
    record_problems(out, "hooks", [])
    return out


def edit_outline(draft: Draft, rows: list[dict[str, Any]]) -> Draft:
    """A copy of the draft whose outline sections take the edited title, goal and beats (one string,
    `;` between beats) of the row at their position."""
    out = draft.model_copy(deep=True)
    out.outline = [o.model_copy(update={"title": str(row["title"]), "goal": str(row["goal"]),
                                        "beats": [b.strip() for b in str(row["beats"]).split(";") if b.strip()]})
                   for o, row in zip(out.outline, rows)]
    record_problems(out, "outline", [])
    return out


def save_edit(settings: Settings, project: str, base_version: int, content: Draft | dict[str, Any], note: str,
              step: str = "edit") -> int:
    """An edit of base_version as a new version (even if others saved versions meanwhile)."""
    base = get(settings, project, base_version)
    return save_version(settings, project, content, step, parent=base_version, note=note, tag=base["pipeline_tag"],
                        prompt_versions=base["prompt_versions"], lm=base["lm"])


def add_feedback(settings: Settings, project: str, version: int, target_type: str, target_id: str, rating: int,
                 comment: str = "") -> None:
    """Thumbs up (1) or down (-1) and a comment on the draft, its hook, one section or one part of the
    publish kit (titles, description, short, post)."""
    if target_type not in FEEDBACK_TARGETS:
        raise ScriptwrightError(f"Feedback is on one of {', '.join(FEEDBACK_TARGETS)}, not '{target_type}'.")
    if target_type == "publish" and target_id not in PUBLISH_PROGRAMS:
        raise ScriptwrightError(f"Feedback on the publish kit is on one of {', '.join(PUBLISH_PROGRAMS)}, "
                                f"not '{target_id}'.")
    if rating not in (-1, 1):
        raise ScriptwrightError("A rating is thumbs up (1) or thumbs down (-1).")
    get(settings, project, version)
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        conn.execute("INSERT INTO feedback (project_id, draft_version, target_type, target_id, rating, comment)"
                     " VALUES (?, ?, ?, ?, ?, ?)", [project, version, target_type, target_id, rating, comment.strip()])


def list_feedback(settings: Settings, project: str | None = None) -> list[dict[str, Any]]:
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return rows(conn, "SELECT * FROM feedback WHERE (? IS NULL OR project_id = ?) ORDER BY created_at, id",
                    [project, project])


def section_text(draft: Draft, section_id: str) -> str | None:
    """One section's script as a single text, or None when the draft has no such section."""
    section = draft.section(section_id)
    return " ".join(s.text for s in section.sentences) if section else None


def rewritten_section(settings: Settings, project: str, version: int, section_id: str, rated: str) -> str | None:
    """The creator's own rewrite of a section rated on `version` (whose text was `rated`): its text in
    the newest edit saved from that version on that changed it, or None when they never rewrote it."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        edits = rows(conn, "SELECT content FROM drafts WHERE project_id = ? AND version >= ? AND step = 'edit'"
                           " ORDER BY version DESC", [project, version])
    for edit in edits:
        text = section_text(Draft.load(edit["content"]), section_id)
        if text and text != rated:
            return text
    return None


def feedback_examples(settings: Settings, project: str | None = None) -> list[dict[str, Any]]:
    """Feedback as evaluation examples for the Prompt Lab: the program, its inputs, the rated output.

    A rated section also gets a `reference`, the creator's own text for it: their latest rewrite of
    it, else the rated text when they gave it a thumbs up; none for a thumbs down never rewritten.
    A rated publish kit part is an example of its program (titles: `title`) with the part as it
    reads (the chosen title, the description as pasted), its reference when given a thumbs up.
    """
    out = []
    for fb in list_feedback(settings, project):
        draft = get(settings, fb["project_id"], fb["draft_version"])["content"]
        reference = None
        if fb["target_type"] == "hook":
            program, output = "hooks", draft.hook_text()
            inputs = {"idea": draft.idea}
        elif fb["target_type"] == "section":
            program, output = "script", section_text(draft, fb["target_id"]) or ""
            plan = draft.plan(fb["target_id"])
            inputs = {"idea": draft.idea, "section": plan.title if plan else None,
                      "goal": plan.goal if plan else None, "plan": plan.model_dump(mode="json") if plan else None}
            reference = (rewritten_section(settings, fb["project_id"], fb["draft_version"], fb["target_id"], output)
                         or (output if fb["rating"] > 0 and output else None))
        elif fb["target_type"] == "publish":
            from pipelines.drafting.kit import part_text

            program, output = PUBLISH_PROGRAMS[fb["target_id"]], part_text(draft, fb["target_id"])
            inputs = {"idea": draft.idea, "script": plain_text(draft)}
            reference = output if fb["rating"] > 0 and output else None
        else:
            program, output, inputs = "draft", plain_text(draft), {"idea": draft.idea}
        out.append({"feedback_id": fb["id"], "program": program, "creator": draft.creator,
                    "project": fb["project_id"], "version": fb["draft_version"], "target": fb["target_id"],
                    "inputs": inputs, "output": output, "reference": reference, "rating": fb["rating"],
                    "comment": fb["comment"]})
    return out
