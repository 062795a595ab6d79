"""Cleaning caption text: tags out, sound cues out, rolling auto-caption repeats out."""

from __future__ import annotations

import re
import unicodedata

from pipelines.ingest.model import Segment

_TAG = re.compile(r"<[^>]*>")  # HTML, <c>, <i>, karaoke <00:00:01.000>
_POSITION = re.compile(r"\{\\[^}]*\}")  # SSA-style {\an8}
_SOUND = re.compile(r"\[[^\]]{0,40}\]|\((?:music|applause|laughter|laughs|inaudible|silence)\)|[♪♫]+", re.I)
_SPACE = re.compile(r"\s+")
_CONTROL = {c for c in map(chr, range(32)) if c not in "\n\r\t"}


def clean_text(text: str) -> str:
    """Caption text with markup and sound cues removed and whitespace normalised."""
    text = unicodedata.normalize("NFC", text)
    text = _TAG.sub(" ", text)
    text = _POSITION.sub(" ", text)
    text = _SOUND.sub(" ", text)
    text = text.replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">")
    text = "".join(ch for ch in text if ch not in _CONTROL)
    text = _SPACE.sub(" ", text).strip()
    return "" if text in {">>", "-", "--"} else text.removeprefix(">> ").removeprefix("- ")


def _overlap(prev: list[str], cur: list[str]) -> int:
    """Length of the longest tail of `prev` that starts `cur` (case-insensitive)."""
    p = [w.lower() for w in prev[-len(cur):]]
    c = [w.lower() for w in cur]
    for k in range(min(len(p), len(c)), 0, -1):
        if p[-k:] == c[:k]:
            return k
    return 0


def clean_segments(segments: list[Segment]) -> list[Segment]:
    """Clean every cue, drop empty ones, and strip the rolling repeats of auto-captions,
    where each cue starts with the words the previous cue ended with."""
    out: list[Segment] = []
    for seg in segments:
        text = clean_text(seg.text)
        if not text:
            continue
        if out:
            prev_words = out[-1].text.split()
            words = text.split()
            k = _overlap(prev_words, words)
            if k == len(words) or k >= 2:
                words = words[k:]
                if not words:
                    last = out[-1]
                    out[-1] = Segment(last.start_s, seg.end_s if seg.end_s is not None else last.end_s, last.text)
                    continue
                text = " ".join(words)
        out.append(Segment(seg.start_s, seg.end_s, text))
    return out
