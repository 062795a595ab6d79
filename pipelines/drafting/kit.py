"""The publish kit as a part of the draft: what is in it, reading it, choosing a title,
noticing when the script has changed since, and writing description.txt.

Draft.publish holds up to four parts, each made by the `publish` job
(pipelines/drafting/publish.py) and each carrying `script_sha256`, the script it was made from:

- titles: candidates [{id, style, text, chars, closeness, nearest, in_range}], chosen {id, style,
  text} or None, range [shortest, longest] of the creator's titles, past_titles (how many), lm;
- description: summary ("" when the model's was unusable), chapters [{title, start_s,
  duration_s}] ([] when the script cannot make YouTube chapters; chapters_note says why),
  duration_s, wpm, sources [{title, url}], unlinked_sources (files and pasted texts, which have
  no public link), footer [lines], footer_from (how many past descriptions it was learned from), lm;
- short: hook (None when the model's cut was unusable), text, tightened, words, seconds, wpm,
  max_seconds, passage {text, words, first, last, sections, closeness, stands_alone}, lm;
- post: text ("" when unusable), title (the one it announces), lm.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from pipelines.drafting import drafts
from pipelines.drafting.chapters import draft_wpm, one_line, spoken_seconds
from pipelines.drafting.content import Draft
from pipelines.drafting.description import NOTHING_TO_PASTE, TITLE_MAX, clean_title, description_text
from pipelines.errors import ScriptwrightError
from pipelines.evidence import projects
from pipelines.settings import Settings
from pipelines.usable import DONE, PARTIAL, TODO, has_script, usable_text

PARTS = ("titles", "description", "short", "post")
PART_NAMES = {"titles": "titles", "description": "description", "short": "Short", "post": "community post"}


def no_script_message(project: str) -> str:
    """What to tell someone asking for the kit of a project with no script."""
    return (f"Project {project} has no script yet: write it first "
            f"(`scriptwright draft --project {project}`), then make its publish kit.")


def script_sha256(content: Draft) -> str:
    """A short hash of the script, stored with each part to tell when the script has changed since."""
    return hashlib.sha256(drafts.plain_text(content).encode()).hexdigest()[:16]


def stale_parts(content: Draft) -> list[str]:
    """The kit's parts made from a different script than the draft's current one."""
    current = script_sha256(content)
    return [name for name, part in content.publish.items() if part.get("script_sha256") != current]


def choose_title(content: Draft, title_id: str, text: str | None = None) -> Draft:
    """A copy of the draft whose kit uses one of its title candidates (optionally edited)."""
    titles = content.publish.get("titles") or {}
    found = next((t for t in titles.get("candidates") or [] if t["id"] == title_id), None)
    if found is None:
        raise ScriptwrightError(f"The publish kit has no title '{title_id}'.")
    chosen = clean_title(text or found["text"])
    if not chosen or len(chosen) > TITLE_MAX:
        raise ScriptwrightError(f"A title has 1 to {TITLE_MAX} characters; this one has {len(chosen)}.")
    out = content.model_copy(deep=True)
    out.publish["titles"]["chosen"] = {"id": found["id"], "style": found["style"], "text": chosen}
    drafts.record_problems(out, "publish.titles", [])  # the creator's choice settles the part
    return out


def kit_state(content: Draft) -> str:
    """The Publish step's state: todo before any part is made, done when all four are made from the
    current script with nothing left missing, partial otherwise (a part missing, unusable or stale)."""
    kit = content.publish
    if not kit or not has_script(content):
        return TODO
    problems = content.problems
    gaps = any(problems.get(f"publish.{name}") for name in PARTS)
    return DONE if set(kit) >= set(PARTS) and not gaps and not stale_parts(content) else PARTIAL


def part_text(content: Draft, part: str) -> str:
    """What a kit part says, as a creator would paste it ("" when it has nothing usable)."""
    made = content.publish.get(part) or {}
    if part == "titles":
        return ((made.get("chosen") or {}).get("text")) or ""
    if part == "description":
        return description_text(made) if made else ""
    if part == "short":
        return "\n".join(filter(None, [made.get("hook"), made.get("text")]))
    return made.get("text") or ""


def _edited(content: Draft, part: str) -> Draft:
    """A copy of the draft in which `part` of the kit exists, its problems settled by the creator's edit."""
    if not content.publish.get(part):
        raise ScriptwrightError(f"The publish kit has no {PART_NAMES[part]} yet: make it first.")
    out = content.model_copy(deep=True)
    drafts.record_problems(out, f"publish.{part}", [])
    return out


def edit_description(content: Draft, summary: str, chapter_titles: list[str] | None = None) -> Draft:
    """A copy of the draft whose description has the creator's summary and, optionally, chapter titles
    (one per chapter, in order; the times stay computed from the script)."""
    out = _edited(content, "description")
    description = out.publish["description"]
    description["summary"] = " ".join(str(summary or "").split())
    if chapter_titles is not None:
        chapters = description.get("chapters") or []
        titles = [one_line(t) for t in chapter_titles]
        if len(titles) != len(chapters):
            raise ScriptwrightError(f"The description has {len(chapters)} chapters; {len(titles)} titles were given.")
        if not all(titles):
            raise ScriptwrightError("Every chapter needs a title.")
        description["chapters"] = [{**c, "title": t} for c, t in zip(chapters, titles)]
    return out


def edit_short(content: Draft, hook: str, text: str) -> Draft:
    """A copy of the draft whose Short has the creator's hook line and text, its length measured again
    at the pace it was cut at."""
    out = _edited(content, "short")
    short = out.publish["short"]
    hook, text = " ".join(str(hook or "").split()), " ".join(str(text or "").split())
    if not usable_text(text):
        raise ScriptwrightError("The Short is empty: write what it says.")
    wpm = float(short.get("wpm") or 0) or draft_wpm(content)
    words = len(hook.split()) + len(text.split())
    short.update(hook=hook or None, text=text, words=words, seconds=round(spoken_seconds(f"{hook} {text}", wpm), 1))
    return out


def edit_post(content: Draft, text: str) -> Draft:
    """A copy of the draft whose community post is the creator's text."""
    out = _edited(content, "post")
    text = str(text or "").strip()
    if not usable_text(text):
        raise ScriptwrightError("The post is empty: write what it says.")
    out.publish["post"]["text"] = text
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


def export_description(folder: Path, project: str, content: Draft) -> Path:
    """Write the kit's description as folder/description.txt, ready to paste into YouTube."""
    description = content.publish.get("description")
    if not description:
        raise ScriptwrightError(f"Project {project} has no description yet: make it first "
                                f"(`scriptwright publish --project {project} --part description`).")
    text = description_text(description)
    if not text:
        raise ScriptwrightError(f"Project {project}: {NOTHING_TO_PASTE[0].lower()}{NOTHING_TO_PASTE[1:]}")
    path = folder / "description.txt"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ScriptwrightError(f"{path}: could not write the description ({exc.strerror or exc}).") from exc
    return path
