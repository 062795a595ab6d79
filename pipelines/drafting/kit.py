"""The publish kit as a part of the draft: what is in it, reading it, choosing a title,
noticing when the script has changed since, and writing description.txt.

content["publish"] holds up to four parts, each made by the `publish` job
(pipelines/drafting/publish.py) and each carrying `script_sha256`, the script it was made from:

- titles: candidates [{id, style, text, chars, closeness, nearest, in_range}], chosen {id, style,
  text} or None, range [shortest, longest] of the creator's titles, past_titles (how many), lm;
- description: summary ("" when the model's was unusable), chapters [{title, start_s,
  duration_s}] ([] when the script cannot make YouTube chapters; chapters_note says why),
  duration_s, wpm, sources [{title, url}], unlinked_sources (files and pasted texts, which have
  no public link), footer [lines], footer_from (how many past descriptions it was learned from), lm;
- short: hook (None when the model's cut was unusable), text, tightened, words, seconds,
  max_seconds, passage {text, words, first, last, sections, closeness, stands_alone}, lm;
- post: text ("" when unusable), title (the one it announces), lm.
"""

from __future__ import annotations

import copy
import hashlib
from pathlib import Path
from typing import Any

from pipelines.drafting import drafts
from pipelines.drafting.description import TITLE_MAX, clean_title, description_text
from pipelines.errors import ScriptwrightError
from pipelines.evidence import projects
from pipelines.settings import Settings
from pipelines.usable import has_script

PARTS = ("titles", "description", "short", "post")


def no_script_message(project: str) -> str:
    """What to tell someone asking for the kit of a project with no script."""
    return (f"Project {project} has no script yet: write it first "
            f"(`scriptwright draft --project {project}`), then make its publish kit.")


def script_sha256(content: dict[str, Any]) -> str:
    """A short hash of the script, stored with each part to tell when the script has changed since."""
    return hashlib.sha256(drafts.plain_text(content).encode()).hexdigest()[:16]


def stale_parts(content: dict[str, Any]) -> list[str]:
    """The kit's parts made from a different script than the draft's current one."""
    current = script_sha256(content)
    return [name for name, part in (content.get("publish") or {}).items() if part.get("script_sha256") != current]


def choose_title(content: dict[str, Any], title_id: str, text: str | None = None) -> dict[str, Any]:
    """A copy of the draft whose kit uses one of its title candidates (optionally edited)."""
    titles = (content.get("publish") or {}).get("titles") or {}
    found = next((t for t in titles.get("candidates") or [] if t["id"] == title_id), None)
    if found is None:
        raise ScriptwrightError(f"The publish kit has no title '{title_id}'.")
    chosen = clean_title(text or found["text"])
    if not chosen or len(chosen) > TITLE_MAX:
        raise ScriptwrightError(f"A title has 1 to {TITLE_MAX} characters; this one has {len(chosen)}.")
    out = copy.deepcopy(content)
    out["publish"]["titles"]["chosen"] = {"id": found["id"], "style": found["style"], "text": chosen}
    drafts.record_problems(out, "publish.titles", [])  # the creator's choice settles the part
    return out


def published_draft(settings: Settings, project: str, version: int | None = None) -> dict[str, Any]:
    """The draft version a kit is made from or read from (the latest by default); a clear error when the
    project does not exist, has no such version, or has no script yet."""
    projects.get_project(settings, project)
    found = drafts.find(settings, project, version)
    if version and found is None:
        raise ScriptwrightError(f"Project {project} has no version {version}.")
    if found is None or not has_script(found["content"]):
        raise ScriptwrightError(no_script_message(project))
    return found


def export_description(folder: Path, project: str, content: dict[str, Any]) -> Path:
    """Write the kit's description as folder/description.txt, ready to paste into YouTube."""
    description = (content.get("publish") or {}).get("description")
    if not description:
        raise ScriptwrightError(f"Project {project} has no description yet: make it first "
                                f"(`scriptwright publish --project {project} --part description`).")
    path = folder / "description.txt"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(description_text(description), encoding="utf-8")
    except OSError as exc:
        raise ScriptwrightError(f"{path}: could not write the description ({exc.strerror or exc}).") from exc
    return path
