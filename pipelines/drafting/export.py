"""Exporting a draft: Markdown with timestamps and footnotes, teleprompter text, a JSON bundle,
and the publish kit's description ready to paste (in both, the kit).

A script with no sentence is not exported (the user is told why); a script with some empty
sections exports the written ones and names the missing ones at the top of the Markdown.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path
from typing import Any

from pipelines.corpus import clock
from pipelines.drafting.chapters import draft_parts, draft_seconds, draft_wpm
from pipelines.drafting.content import Draft
from pipelines.drafting.description import NOTHING_TO_PASTE, WEB_LINK, description_text
from pipelines.drafting.kit import PART_NAMES, PARTS, part_text, stale_parts
from pipelines.errors import ScriptwrightError
from pipelines.text import split_sentences
from pipelines.provenance import placeholder_line, placeholder_parts
from pipelines.settings import Settings
from pipelines.usable import empty_sections, has_script, written

WRAP_AT = 60
_MARKUP = ((re.compile(r"\[\^[^\]]*\]"), ""), (re.compile(r"\[([^\]]*)\]\([^)]*\)"), r"\1"),
           (re.compile(r"https?://\S+"), ""), (re.compile(r"^#+\s*"), ""), (re.compile(r"[*`]+"), ""))


def _line(value: Any) -> str:
    """Text on one line: newlines and runs of spaces become single spaces."""
    return " ".join(str(value or "").split())


def _hook_text(draft: Draft) -> str:
    return _line(draft.hook_text())


def require_script(draft: Draft) -> None:
    """Refuse to export a script with no sentence to say (placeholders are not a script)."""
    if not has_script(draft):
        raise ScriptwrightError("Nothing to export: the script has no sentences yet. Write the script (or its "
                                "sections) first, then export.")


def missing_note(draft: Draft) -> str | None:
    """The line an export carries when sections are left out because they are empty."""
    empty = empty_sections(draft)
    if not empty:
        return None
    return (f"{len(empty)} of {len(draft.sections)} sections have no text yet and are left out: "
            f"{', '.join(_line(t) for t in empty)}.")


def timeline(draft: Draft) -> list[tuple[str, float]]:
    """(part title, start second): the hook at 0, then each section after everything before it, each
    timed from its sentences at the draft's pace (edits counted; never the section's planned length)."""
    parts = draft_parts(draft, draft_wpm(draft))
    starts = [sum(seconds for _, seconds in parts[:i]) for i in range(len(parts))]
    hook = [("Hook", 0.0)] if _hook_text(draft) else []
    sections = [(_line(s.title or s.id), start)
                for s, start in zip(draft.sections, starts[len(hook):])]
    return hook + sections


def runtime(draft: Draft) -> float:
    """Estimated seconds: the hook and every section's sentences read at the creator's pace."""
    return draft_seconds(draft)


def source_markdown(cite: dict[str, Any]) -> str:
    """A source as Markdown: `[title](url)` for a web page; a file from the workspace by its title and
    file name, unlinked (its path on this machine means nothing to a reader of the export)."""
    uri = str(cite.get("uri") or "").strip()
    title = re.sub(r"[\[\]]", "", _line(cite.get("title"))).strip()
    if WEB_LINK.match(uri):
        return f"[{title or uri}]({'%20'.join(uri.split())})"
    name = _line(Path(uri).name) if uri else ""
    if name and title and name != title:
        return f"{title} (file {name})"
    return title or name or _line(cite.get("chunk_id"))


def source_key(cite: dict[str, Any]) -> str:
    """What makes two citations one footnote: the same page or file (passages of it share a number)."""
    return str(cite.get("uri") or cite.get("title") or cite.get("chunk_id"))


def _finding(finding: dict[str, Any], titles: dict[str, str]) -> str:
    section = finding.get("section")
    where = f" ({titles.get(section, section)})" if section else ""
    quote = _line(finding.get("text"))
    quote = f" — “{textwrap.shorten(quote, 90, placeholder='…')}”" if quote else ""
    fix = f" Fix: {_line(finding.get('fix'))}" if finding.get("fix") else ""
    return f"- **{finding.get('severity', 'info')}**{where}: {_line(finding.get('message'))}{quote}{fix}"


def _number(value: Any, digits: int = 1) -> str:
    return f"{value:.{digits}f}" if isinstance(value, (int, float)) else "n/a"


def _checks(checks: dict[str, Any] | None, titles: dict[str, str]) -> list[str]:
    if not checks:
        return ["Checks have not been run on this version."]
    counts = checks.get("counts") or {}
    lines = [f"{counts.get('high', 0)} high · {counts.get('warn', 0)} warn · {counts.get('info', 0)} info", ""]
    simplification = checks.get("simplification") or {}
    groups = {"Coherence": checks.get("coherence") or [], "Simplification": simplification.get("findings") or [],
              "Safety": checks.get("safety") or []}
    for name, findings in groups.items():
        lines += [f"### {name}", ""]
        if name == "Simplification":
            lines += [f"Reading grade {_number(simplification.get('reading_grade'))} "
                      f"vs target {_number(simplification.get('target_grade'))}.", ""]
        lines += [_finding(f, titles) for f in findings] or ["No findings."]
        lines.append("")
    voice = checks.get("voice")
    if voice:
        extra = [f"{label} {_number(voice.get(key), 2)}" for key, label in
                 (("profile_z", "profile z"), ("probability", "probability")) if voice.get(key) is not None]
        detail = f" ({', '.join(extra)})" if extra else ""
        verdict = ""
        if voice.get("sounds_like") is not None:
            verdict = (" — sounds like the creator" if voice["sounds_like"] else " — does not sound like the creator") \
                + f" (pass line {_number(voice.get('threshold'), 2)})"
        lines += ["### Voice", "", f"Voice fidelity {_number(voice.get('fidelity'), 2)}{verdict}{detail}."]
    else:
        lines += ["### Voice", "", "Voice fidelity: not checked."]
    return lines


def _kit(draft: Draft) -> list[str]:
    """The publish kit as Markdown: the chosen title and the others, description.txt as it would be
    pasted, the Short and the community post; a part the model left unusable says so."""
    kit = draft.publish
    if not kit:
        return []
    lines = ["## Publish kit", ""]
    stale = stale_parts(draft)
    if stale:
        lines += [f"> Made from an earlier script: {', '.join(PART_NAMES[p] for p in stale)}. Write them again to "
                  "match this one.", ""]
    titles = kit.get("titles")
    if titles:
        chosen = titles.get("chosen") or {}
        lines += ["### Title", "", f"**{_line(chosen['text'])}** ({len(chosen['text'])} characters)"
                  if chosen.get("text") else "No usable title: write your own.", ""]
        others = [t for t in titles.get("candidates") or [] if t["text"] != chosen.get("text")]
        if others:
            lines += ["Other candidates:", ""]
            lines += [f"- {_line(t['text'])} ({t['style']}; {t['chars']} characters; closeness "
                      f"{t['closeness']:.2f} to your titles)" for t in others]
            lines.append("")
    description = kit.get("description")
    if description:
        text = description_text(description)
        lines += ["### Description", "", *(["```text", text.rstrip(), "```"] if text else [NOTHING_TO_PASTE]), ""]
        if text and not description.get("summary"):
            lines += ["No usable summary: the description starts with its chapters. Write the summary yourself.", ""]
        if description.get("chapters_note"):
            lines += [_line(description["chapters_note"]), ""]
    short = kit.get("short")
    if short:
        lines += [f"### Short (about {short['seconds']:.0f} s of {short['max_seconds']})", ""]
        if short.get("hook"):
            lines += [f"**{_line(short['hook'])}**", ""]
        else:
            lines += ["No hook line of its own yet: the passage as written in the script.", ""]
        lines += [_line(short.get("text")), ""]
    post = kit.get("post")
    if post:
        lines += ["### Community post", "", post["text"].strip() if post.get("text") else
                  "No usable post: write your own.", ""]
    return lines


def to_markdown(draft: Draft, meta: dict[str, Any], consulted: list[dict[str, Any]] | None = None) -> str:
    """The script with part timestamps, numbered footnotes, a Sources block, the sources consulted
    for the project (a bibliography) and the checks."""
    framework = draft.framework
    creator = _line(draft.creator_name or draft.creator)
    lines = [f"# {_line(draft.idea) or 'Untitled script'}", "",
             f"Creator: {creator} · Framework: {_line(framework.name if framework else '') or 'none'} · "
             f"Version: v{meta.get('version')} · Tag: {meta.get('pipeline_tag')} · "
             f"Estimated runtime: {clock(runtime(draft))}", ""]
    if framework and framework.why:
        lines += [f"Why this framework: {_line(framework.why)}", ""]
    for note in (missing_note(draft), placeholder_line(placeholder_parts(draft, meta.get("lm")))):
        if note:
            lines += [f"> {note}", ""]
    parts = timeline(draft)
    hook = _hook_text(draft)
    if hook:
        lines += ["## Hook [0:00]", "", hook, ""]
    numbers: dict[str, int] = {}
    sources: list[str] = []
    for section, (title, start) in zip(draft.sections, parts[1 if hook else 0:]):
        if not written(section):
            continue
        sentences = []
        for sentence in section.sentences:
            markers = []
            for cite in sentence.cites:
                key = source_key(cite)
                if key not in numbers:
                    numbers[key] = len(numbers) + 1
                    sources.append(f"[^{numbers[key]}]: {source_markdown(cite)}")
                if f"[^{numbers[key]}]" not in markers:
                    markers.append(f"[^{numbers[key]}]")
            sentences.append(_line(sentence.text) + "".join(markers))
        lines += [f"## {title} [{clock(start)}]", "", " ".join(sentences), ""]
    lines += ["## Sources", "", *(sources or ["No sources cited."]), ""]
    if consulted:
        lines += ["## Sources consulted", "", *[f"- {source_markdown(c)}" for c in consulted], ""]
    titles = {s.id: _line(s.title) for s in draft.sections}
    lines += ["## Checks", "", *_checks(draft.checks, titles), "", *_kit(draft)]
    return "\n".join(lines).rstrip() + "\n"


def _plain(text: Any) -> str:
    out = _line(text)
    for pattern, replacement in _MARKUP:
        out = pattern.sub(replacement, out)
    return _line(out)


def _wrapped(sentences: list[str]) -> list[str]:
    """One sentence per line, long ones wrapped at word boundaries."""
    lines: list[str] = []
    for sentence in filter(None, map(_plain, sentences)):
        lines += textwrap.wrap(sentence, WRAP_AT, break_long_words=False, break_on_hyphens=False)
    return lines


def to_teleprompter(draft: Draft) -> str:
    """Plain text to read aloud: the hook, then each section under a `— title —` line."""
    blocks = []
    hook = _hook_text(draft)
    if hook:
        blocks.append("\n".join(_wrapped(split_sentences(hook))))
    for section in filter(written, draft.sections):
        body = _wrapped([s.text for s in section.sentences])
        blocks.append("\n".join([f"— {_plain(section.title)} —", *body]))
    return "\n\n".join(blocks) + "\n"


def paste_ready(draft: Draft) -> dict[str, Any] | None:
    """The publish kit as it goes on YouTube: chosen title, description text, Short, post, and the
    parts made from an earlier script; None without a kit."""
    if not draft.publish:
        return None
    return {part: part_text(draft, part) or None for part in PARTS} | {"stale": stale_parts(draft)}


def to_bundle(draft: Draft, meta: dict[str, Any], extras: dict[str, Any]) -> str:
    """Everything about this version as JSON: meta, the draft, the publish kit ready to paste, and extras
    (notes, sources, ...)."""
    meta = {**meta, "placeholder_parts": placeholder_parts(draft, meta.get("lm"))}
    return json.dumps({"meta": meta, "draft": draft.stored(), "publish_kit": paste_ready(draft), **extras}, indent=2,
                      ensure_ascii=False, default=str)


def write_exports(folder: Path, draft: Draft, meta: dict[str, Any],
                  extras: dict[str, Any]) -> dict[str, Path]:
    """Write <project>-v<version>.md / .txt / .json into folder, and <project>-v<version>-description.txt
    (ready to paste) when the kit has a description; returns their paths by kind (a script with no
    sentence is refused)."""
    require_script(draft)
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", str(meta.get("project") or "")).strip("-.") or "draft"
    outputs = {"markdown": (".md", to_markdown(draft, meta, extras.get("sources"))), "teleprompter": (".txt", to_teleprompter(draft)),
               "bundle": (".json", to_bundle(draft, meta, extras))}
    pasted = description_text(draft.publish.get("description") or {})
    if pasted:
        outputs["description"] = ("-description.txt", pasted)
    paths: dict[str, Path] = {}
    for kind, (suffix, text) in outputs.items():
        path = folder / f"{stem}-v{meta.get('version')}{suffix}"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise ScriptwrightError(f"{path}: could not write the export ({exc.strerror or exc}).") from exc
        paths[kind] = path
    return paths


def export_version(settings: Settings, project: str, version: int | None = None) -> dict[str, Path]:
    """Write a draft version's exports under the data dir's exports/ with the project's evidence and feedback."""
    from pipelines.drafting import drafts
    from pipelines.evidence import projects
    from pipelines.evidence.sources import list_sources

    row = drafts.get(settings, project, version)
    meta = {"project": project, "version": row["version"], "pipeline_tag": row["pipeline_tag"],
            "prompt_versions": row["prompt_versions"], "lm": row["lm"], "created_at": str(row["created_at"])}
    extras = {kind: (found or {}).get("content") for kind in projects.RESULT_KINDS
              for found in [projects.result(settings, project, kind)]}
    extras["sources"] = [{k: s[k] for k in ("id", "kind", "uri", "title", "content_type", "n_words", "flags")}
                         for s in list_sources(settings, project)]
    extras["feedback"] = drafts.list_feedback(settings, project)
    extras["versions"] = drafts.versions(settings, project)
    return write_exports(settings.exports_dir / project, row["content"], meta, extras)
