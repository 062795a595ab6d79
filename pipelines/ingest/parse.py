"""Reading caption and transcript files into timed segments.

SubRip goes through `srt`, WebVTT through `webvtt-py`, YouTube json3 and yt-dlp
info.json through `json`; plain transcripts keep per-paragraph `Speaker 1:  01:10`
timestamps as segment starts. Every failure is a ScriptwrightError naming the file.
"""

from __future__ import annotations

import codecs
import io
import json
import logging
import math
import re
from pathlib import Path

import srt
import webvtt

from pipelines.errors import ScriptwrightError
from pipelines.ingest.clean import clean_segments
from pipelines.ingest.model import Segment

CAPTION_EXTS = {".srt", ".vtt", ".json3", ".txt"}
MAX_BYTES = 20 * 1024 * 1024

# srt logs the whole skipped text at WARNING (to stderr when nothing configures logging)
logging.getLogger("srt").setLevel(logging.ERROR)

_SPEAKER_HEADER = re.compile(
    r"^\s*(?:[A-Za-z][\w .'-]{0,40}:)?\s*((?:\d{1,2}:)?\d{1,2}:\d{2})\s{2,}", re.M
)


def decode(raw: bytes, name: str) -> str:
    """Text from bytes in UTF-8/UTF-16 (with BOM) or cp1252; binary data is an error."""
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = raw.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise ScriptwrightError(f"{name}: starts like UTF-16 text but is not valid UTF-16 ({exc.reason}).") from exc
    elif raw.startswith(codecs.BOM_UTF8):
        text = raw.decode("utf-8-sig", errors="replace")
    else:
        if b"\x00" in raw[:4096]:
            raise ScriptwrightError(f"{name}: looks like a binary file, not a caption or transcript.")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
    sample = text[:4096]
    controls = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\n\r\t")
    if sample and controls / len(sample) > 0.01:
        raise ScriptwrightError(f"{name}: looks like a binary file, not a caption or transcript.")
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _parse_srt(text: str, name: str) -> list[Segment]:
    try:
        subs = list(srt.parse(text, ignore_errors=False))
    except (srt.SRTParseError, ValueError) as exc:
        # Tolerate the common damage (missing blank lines, stray text) before giving up.
        try:
            subs = list(srt.parse(text, ignore_errors=True))
        except Exception:
            subs = []
        if not subs:
            raise ScriptwrightError(f"{name}: not a valid SRT file ({_first_line(exc)}).") from exc
    return [Segment(s.start.total_seconds(), s.end.total_seconds(), s.content) for s in subs]


def _parse_vtt(text: str, name: str) -> list[Segment]:
    try:
        captions = webvtt.from_string(text) if hasattr(webvtt, "from_string") else webvtt.read_buffer(io.StringIO(text))
        # start_in_seconds drops the milliseconds (an int); keep them
        return [Segment(c.start_time.in_milliseconds() / 1000, c.end_time.in_milliseconds() / 1000, c.text)
                for c in captions]
    except Exception as exc:
        raise ScriptwrightError(f"{name}: not a valid WebVTT file ({_first_line(exc)}).") from exc


def _parse_json3(text: str, name: str) -> list[Segment]:
    try:
        events = json.loads(text).get("events", [])
        segs = []
        for ev in events:
            words = "".join(s.get("utf8", "") for s in ev.get("segs") or [])
            start = ev.get("tStartMs", 0) / 1000
            end = start + ev.get("dDurationMs", 0) / 1000
            if not (math.isfinite(start) and math.isfinite(end)):
                raise ValueError(f"a cue time is {start if not math.isfinite(start) else end}")
            segs.append(Segment(start, end, words))
        return segs
    except (ValueError, AttributeError, TypeError, OverflowError, RecursionError) as exc:  # incl. JSONDecodeError
        raise ScriptwrightError(f"{name}: not a valid YouTube json3 caption file ({_first_line(exc)}).") from exc


def _clock(value: str) -> float:
    parts = [int(p) for p in value.split(":")]
    seconds = 0
    for p in parts:
        seconds = seconds * 60 + p
    return float(seconds)


def parse_transcript_text(text: str) -> list[Segment]:
    """Plain transcript paragraphs; `Speaker N:  MM:SS  ` headers become segment starts."""
    paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    segs: list[Segment] = []
    for para in paragraphs:
        m = _SPEAKER_HEADER.match(para)
        if m:
            segs.append(Segment(_clock(m.group(1)), None, para[m.end():]))
        else:
            segs.append(Segment(None, None, para))
    # a paragraph ends where the next timed one starts; the last one at the pace of the rest
    out = []
    for i, seg in enumerate(segs):
        nxt = next((s.start_s for s in segs[i + 1:] if s.start_s is not None), None)
        out.append(Segment(seg.start_s, nxt if seg.start_s is not None else None, seg.text))
    timed = [s for s in out if s.end_s is not None and s.start_s is not None and s.end_s > s.start_s]
    last = out[-1] if out else None
    if timed and last is not None and last.start_s is not None and last.end_s is None:
        seconds_per_word = sum(s.end_s - s.start_s for s in timed) / max(1, sum(len(s.text.split()) for s in timed))
        out[-1] = Segment(last.start_s, last.start_s + seconds_per_word * len(last.text.split()), last.text)
    return out


def _check_size(n_bytes: int, name: str) -> None:
    if n_bytes > MAX_BYTES:
        raise ScriptwrightError(
            f"{name}: {n_bytes / 1e6:.1f} MB is larger than the {MAX_BYTES // 2**20} MB limit for a caption file."
        )


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:160]


def parse_caption_bytes(raw: bytes, name: str) -> list[Segment]:
    """Cleaned segments of one caption/transcript file given its bytes and name."""
    ext = Path(name).suffix.lower()
    if ext not in CAPTION_EXTS:
        raise ScriptwrightError(
            f"{name}: unsupported file type '{ext or 'none'}'; use .srt, .vtt, .json3, .txt or .info.json."
        )
    if not raw.strip():
        raise ScriptwrightError(f"{name}: the file is empty.")
    _check_size(len(raw), name)
    text = decode(raw, name)
    parser = {".srt": _parse_srt, ".vtt": _parse_vtt, ".json3": _parse_json3}.get(ext)
    segments = parser(text, name) if parser else parse_transcript_text(text)
    cleaned = clean_segments(segments)
    if not cleaned:
        raise ScriptwrightError(f"{name}: no caption text found in the file.")
    return cleaned


def parse_caption_file(path: Path) -> list[Segment]:
    """Cleaned segments of a caption/transcript file on disk."""
    _check_size(path.stat().st_size, path.name)
    return parse_caption_bytes(path.read_bytes(), path.name)
