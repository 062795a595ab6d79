"""The data shapes ingest passes around."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Segment:
    """One cleaned caption cue (times in seconds; None when the source has no timings)."""

    start_s: float | None
    end_s: float | None
    text: str


YOUTUBE_WATCH = "https://www.youtube.com/watch?v="
UNTITLED = "Untitled video"  # a video known only by its id: shown as such and retitled by the creator


def titled(title: str | None) -> bool:
    """Whether a video has a real title (not empty, not the placeholder of a video known only by its id)."""
    return bool(title and title.strip() and not title.startswith(UNTITLED))


@dataclass
class VideoDoc:
    """A parsed video ready to store: its identity, metadata and cleaned segments."""

    source: str  # "youtube", "file", "web", ...
    source_id: str
    title: str
    segments: list[Segment]
    url: str | None = None
    description: str | None = None
    published_at: str | None = None
    duration_s: float | None = None
    view_count: int | None = None
    like_count: int | None = None
    chapters: list[dict[str, Any]] | None = None
    language: str | None = None
    comments: list[dict[str, Any]] = field(default_factory=list)

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)

    @property
    def n_words(self) -> int:
        return sum(len(s.text.split()) for s in self.segments)

    @property
    def content_hash(self) -> str:
        h = hashlib.sha256()
        for s in self.segments:
            h.update(f"{s.start_s}|{s.end_s}|{s.text}\n".encode())
        h.update((self.title or "").encode())
        for c in self.comments:
            h.update(f"{c.get('comment_id')}|{c.get('text')}\n".encode())
        return h.hexdigest()[:32]
