"""A video's description as plain text ready to paste, within YouTube's limits, and the parts
learned or gathered for it: the creator's usual footer and the sources as links."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from pipelines.drafting.chapters import chapter_lines, chapter_problems, fix_chapters, one_line
from pipelines.text import split_sentences

TITLE_MAX = 100
DESCRIPTION_MAX = 5000
# A line is part of the creator's footer when more than this share of their descriptions has it
# ("most of them"), and at least this many descriptions are known.
FOOTER_SHARE = 0.5
MIN_DESCRIPTIONS = 2
_TIMESTAMP = re.compile(r"^\(?\d{1,2}:\d{2}(?::\d{2})?\)?\s")
WEB_LINK = re.compile(r"^https?://", re.I)  # a public page, as opposed to a file or pasted text


def _lines(text: str) -> list[str]:
    return [line for line in (" ".join(raw.split()) for raw in str(text or "").splitlines()) if line]


def learned_footer(descriptions: list[str]) -> list[str]:
    """The lines most of the creator's descriptions share (newest description first), in the order
    the newest one holding most of them gives. Chapter lines are not footer, nor is a shared
    heading (`Sources:`) whose next line differs from video to video."""
    docs = [_lines(d) for d in descriptions if str(d or "").strip()]
    if len(docs) < MIN_DESCRIPTIONS:
        return []
    counts = Counter(line for doc in docs for line in set(doc) if not _TIMESTAMP.match(line))
    common = {line for line, n in counts.items() if n > FOOTER_SHARE * len(docs)}

    def heads_a_list(line: str) -> bool:
        if not line.endswith(":"):
            return False
        nexts = [doc[doc.index(line) + 1] if doc.index(line) + 1 < len(doc) else None for doc in docs if line in doc]
        return sum(n not in common for n in nexts) > len(nexts) / 2

    footer = {line for line in common if not heads_a_list(line)}
    if not footer:
        return []
    model = max(docs, key=lambda doc: len(footer & set(doc)))  # max keeps the first (newest) of equals
    ordered = [line for line in dict.fromkeys(model) if line in footer]
    return ordered + sorted(footer - set(ordered), key=lambda line: min(d.index(line) for d in docs if line in d))


def description_openings(descriptions: list[str], footer: list[str], n: int = 2) -> list[str]:
    """The first paragraph of up to n descriptions (newest first), without footer or chapter lines:
    how the creator starts a description."""
    out = []
    for text in descriptions:
        paragraph = str(text or "").strip().split("\n\n")[0]
        lines = [line for line in _lines(paragraph) if line not in footer and not _TIMESTAMP.match(line)]
        if lines:
            out.append(" ".join(lines))
        if len(out) == n:
            break
    return out


def source_links(sources: list[dict[str, Any]]) -> list[dict[str, str]]:
    """The project's web sources as {title, url}; files and pasted texts have no public link."""
    links = []
    for s in sources:
        url = "%20".join(str(s.get("uri") or "").split())
        if s.get("kind") == "url" and WEB_LINK.match(url):
            links.append({"title": one_line(s.get("title")) or url, "url": url})
    return links


def clean_title(text: str) -> str:
    """A title on one line, without surrounding quotes or the angle brackets YouTube refuses."""
    return one_line(text).strip("\"'“”‘’ ")


def _shortened(text: str, limit: int) -> str:
    """The text cut to at most limit characters: whole sentences when one fits, else whole words."""
    if len(text) <= limit:
        return text
    kept = ""
    for sentence in split_sentences(text):
        if len(f"{kept} {sentence}".strip()) > limit:
            break
        kept = f"{kept} {sentence}".strip()
    if kept:
        return kept
    cut = text[:max(0, limit - 1)].rsplit(" ", 1)[0]
    return f"{cut}…" if cut else ""


NOTHING_TO_PASTE = ("Nothing to paste yet: no usable summary came back, the script has too few written parts for "
                    "chapters, no source has a link, and your past videos gave no footer. Write the summary "
                    "yourself and save it.")


def description_text(description: dict[str, Any]) -> str:
    """The description as plain text to paste: summary, chapters (only a list YouTube will show:
    fixed or left out), sources as links, then the creator's footer; within DESCRIPTION_MAX
    characters, giving up the last sources first, then summary sentences. "" when it has none of these
    (NOTHING_TO_PASTE says why)."""
    total = float(description.get("duration_s") or 0)
    chapters = description.get("chapters") or []
    if chapter_problems(chapters, total):
        chapters = fix_chapters(chapters, total)
    summary = one_line(description.get("summary"))
    links = [f"- {one_line(s['title'])}: {s['url']}" for s in description.get("sources") or []]
    footer = [one_line(line) for line in description.get("footer") or [] if one_line(line)]

    def build(summary: str, links: list[str], left_out: int) -> str:
        more = [f"- and {left_out} more"] if left_out else []
        blocks = [[summary] if summary else [], chapter_lines(chapters),
                  ["Sources:", *links, *more] if links or more else [], footer]
        return "\n\n".join("\n".join(b) for b in blocks if b)

    limit = DESCRIPTION_MAX - 1  # the file ends with a newline
    kept = list(links)
    text = build(summary, kept, 0)
    while len(text) > limit and kept:
        kept.pop()
        text = build(summary, kept, len(links) - len(kept))
    if len(text) > limit:
        room = limit - len(build("", kept, len(links) - len(kept))) - 2
        text = build(_shortened(summary, max(0, room)), kept, len(links) - len(kept))
    return text[:limit].rstrip() + "\n" if text.strip() else ""
