"""Chapters for a video's description, timed from the script at the creator's pace, and
YouTube's rules for them.

YouTube shows chapters only when the first starts at 0:00, there are at least three, each
lasts at least ten seconds and they ascend. A list that breaks a rule is fixed (chapters too
short are merged into a neighbour, the first is moved to 0:00) or, when fewer than three
would be left, dropped: a broken list is never exported. A chapter is a dict: `title`,
`start_s` (whole seconds) and `duration_s`, the last one running to the end of the video, so
the durations add up to the video's estimated length.
"""

from __future__ import annotations

from typing import Any

from pipelines.corpus import clock
from pipelines.drafting.content import Draft

MIN_CHAPTERS = 3
CHAPTER_MIN_S = 10
INTRO = "Intro"
DEFAULT_WPM = 150.0  # a draft that has no pace of its own (made before drafts stored the creator's)


def one_line(text: Any) -> str:
    """Text on one line without the angle brackets YouTube refuses in titles and descriptions."""
    return " ".join(str(text or "").replace("<", "").replace(">", "").split())


def spoken_seconds(text: str, wpm: float) -> float:
    """How long a text takes to say at a pace of wpm words per minute."""
    return len(str(text or "").split()) / wpm * 60 if wpm > 0 else 0.0


def draft_wpm(content: Draft) -> float:
    """The pace a draft is read at: the creator's measured words per minute stored with it."""
    return float(content.wpm or 0) or DEFAULT_WPM


def draft_parts(content: Draft, wpm: float) -> list[tuple[str, float]]:
    """What the draft says, in order, as (title, seconds) at the pace: the hook as the intro, then
    each section (timed from its text as it is now, so edits are counted)."""
    parts = []
    hook = content.hook_text()
    if hook.strip():
        parts.append((INTRO, spoken_seconds(hook, wpm)))
    for section in content.sections:
        text = " ".join(s.text for s in section.sentences)
        parts.append((one_line(section.title or section.id), spoken_seconds(text, wpm)))
    return parts


def draft_seconds(content: Draft, wpm: float | None = None) -> float:
    """The draft's estimated runtime: its hook and every section's sentences at the pace (the draft's own
    by default), as they are now."""
    return sum(seconds for _, seconds in draft_parts(content, wpm or draft_wpm(content)))


def chapters_from_parts(parts: list[tuple[str, float]]) -> list[dict[str, Any]]:
    """One chapter per part, each starting where everything before it ends (rounded to the second,
    from the running total so rounding never adds up); not yet checked against the rules."""
    total = sum(seconds for _, seconds in parts)
    starts, elapsed = [], 0.0
    for _, seconds in parts:
        starts.append(round(elapsed))
        elapsed += seconds
    return _timed([{"title": title, "start_s": start} for (title, _), start in zip(parts, starts)], total)


def no_chapters_note(parts: list[tuple[str, float]], total_s: float) -> str:
    """Why these parts make no chapters, in words a creator can act on: parts left without text
    are named as such, not reported as chapters out of order."""
    empty = [title for title, seconds in parts if seconds <= 0]
    rule = f"YouTube shows chapters only when there are at least {MIN_CHAPTERS} of at least {CHAPTER_MIN_S} s each"
    if len(parts) - len(empty) < MIN_CHAPTERS:
        return (f"No chapters: {len(parts) - len(empty)} of the script's {len(parts)} parts have text "
                f"({', '.join(empty)} {'is' if len(empty) == 1 else 'are'} empty), and {rule}.")
    problems = "; ".join(chapter_problems(chapters_from_parts(parts), total_s)) or "too short"
    return f"No chapters: the script's {len(parts)} parts do not make them ({problems}); {rule}."


def _timed(chapters: list[dict[str, Any]], total_s: float) -> list[dict[str, Any]]:
    """The chapters with each one's duration: to the next one's start, the last to the end."""
    ends = [c["start_s"] for c in chapters[1:]] + [total_s]
    return [{**c, "duration_s": round(end - c["start_s"], 1)} for c, end in zip(chapters, ends)]


def chapter_problems(chapters: list[dict[str, Any]], total_s: float) -> list[str]:
    """Each of YouTube's chapter rules the list breaks, in words (none for a list it would show)."""
    problems = []
    if len(chapters) < MIN_CHAPTERS:
        problems.append(f"{len(chapters)} chapters; YouTube needs at least {MIN_CHAPTERS}")
    if not chapters:
        return problems
    starts = [c.get("start_s") for c in chapters]
    if any(not isinstance(s, (int, float)) for s in starts):
        return problems + ["a chapter has no start time"]
    if starts[0] != 0:
        problems.append(f"the first chapter starts at {clock(starts[0])}, not 0:00")
    if any(b <= a for a, b in zip(starts, starts[1:])):
        problems.append("the chapters do not ascend")
    ends = list(starts[1:]) + [total_s]
    short = [c for c, start, end in zip(chapters, starts, ends) if end - start < CHAPTER_MIN_S]
    if short:
        problems.append(f"{len(short)} chapter(s) shorter than {CHAPTER_MIN_S} s: "
                        + ", ".join(one_line(c.get("title")) or "untitled" for c in short))
    if any(not one_line(c.get("title")) for c in chapters):
        problems.append("a chapter has no title")
    return problems


def fix_chapters(chapters: list[dict[str, Any]], total_s: float) -> list[dict[str, Any]]:
    """A list YouTube will show, made from this one: titles on one line, starts in order from 0:00,
    chapters under CHAPTER_MIN_S merged into a neighbour (keeping the longer one's title); [] when
    fewer than MIN_CHAPTERS would be left."""
    kept = sorted(({"title": one_line(c.get("title")) or f"Part {i + 1}", "start_s": int(c["start_s"])}
                   for i, c in enumerate(chapters)
                   if isinstance(c.get("start_s"), (int, float)) and 0 <= c["start_s"] < total_s),
                  key=lambda c: c["start_s"])
    if kept:
        kept[0]["start_s"] = 0
    while kept:
        timed = _timed(kept, total_s)
        short = next((i for i, c in enumerate(timed) if c["duration_s"] < CHAPTER_MIN_S), None)
        if short is None or len(kept) == 1:
            break
        # the first merges into the one after it; any other into the one before it
        a, b = (short, short + 1) if short == 0 else (short - 1, short)
        title = timed[a]["title"] if timed[a]["duration_s"] >= timed[b]["duration_s"] else timed[b]["title"]
        kept[a:b + 1] = [{"title": title, "start_s": kept[a]["start_s"]}]
    fixed = _timed(kept, total_s)
    return fixed if len(fixed) >= MIN_CHAPTERS and not chapter_problems(fixed, total_s) else []


def chapter_lines(chapters: list[dict[str, Any]]) -> list[str]:
    """`0:00 Intro` lines, as a description lists chapters."""
    return [f"{clock(c['start_s'])} {one_line(c['title'])}" for c in chapters]
