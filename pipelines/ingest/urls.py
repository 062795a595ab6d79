"""URL sources through yt-dlp's Python API: a video, a playlist or a channel.

Listing is flat (cheap), so a channel re-ingest only fetches videos not stored yet.
Subtitles: manual preferred over automatic for the chosen language (yt-dlp does this
when both are requested).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines.errors import ScriptwrightError
from pipelines.ingest.files import doc_from_info
from pipelines.ingest.model import VideoDoc
from pipelines.ingest.parse import parse_caption_file

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_UNREACHABLE = re.compile(r"connection refused|name or service not known|temporary failure in name resolution|"
                          r"timed out|network is unreachable|no route to host|transporterror|"
                          r"failed to establish a new connection|getaddrinfo failed", re.I)
MESSAGE_CHARS = 200


@dataclass(frozen=True)
class UrlEntry:
    """One video found under a URL; `source_id` may be None until it is fetched."""

    url: str
    source_id: str | None
    title: str | None
    index: int | None = None  # 1-based position on a page of several videos that have no page of their own


def is_url(text: str) -> bool:
    return bool(re.match(r"^[a-z][a-z0-9+.-]*://", text, re.I))


def _options(out_dir: Path, lang: str, comments: int) -> dict[str, Any]:
    return {
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "skip_download": True,
        "writesubtitles": True,
        "writeautomaticsub": True,
        "subtitleslangs": [lang, f"{lang}-orig", f"{lang}.*"],
        "subtitlesformat": "vtt/srt/json3/best",
        "outtmpl": {"default": str(out_dir / "%(id)s.%(ext)s")},
        "getcomments": comments > 0,
        "extractor_args": {"youtube": {"max_comments": [str(comments)]}} if comments else {},
        "socket_timeout": 20,
        "retries": 2,
        "noplaylist": False,
        "ignore_no_formats_error": True,
        "logger": _QuietLogger(),
    }


class _QuietLogger:
    """yt-dlp logs go nowhere: errors come back as exceptions we turn into messages."""

    def debug(self, msg: str) -> None: ...
    def info(self, msg: str) -> None: ...
    def warning(self, msg: str) -> None: ...
    def error(self, msg: str) -> None: ...


def clean_url(url: str) -> str:
    """A URL without the data yt-dlp smuggles into it (RSS items come as `page#__youtubedl_smuggle=...`).

    The smuggled URL is what yt-dlp fetches; the clean one is what we show and store."""
    from yt_dlp.utils import unsmuggle_url

    return unsmuggle_url(url)[0]


def _message(exc: Exception) -> str:
    """yt-dlp's first line as a whole sentence: a network failure said plainly, anything else
    cut at a word (never mid-word) when it is long."""
    text = _ANSI.sub("", str(exc)).replace("ERROR: ", "").strip()
    line = (text.splitlines() or [type(exc).__name__])[0]
    if _UNREACHABLE.search(line):
        return "the site could not be reached; check the address and this machine's network connection"
    if len(line) <= MESSAGE_CHARS:
        return line
    return line[:MESSAGE_CHARS].rsplit(" ", 1)[0].rstrip(" ,;:(") + " …"


def list_entries(url: str, out_dir: Path, lang: str = "en", limit: int | None = None) -> list[UrlEntry]:
    """The videos a URL stands for (one for a video page, many for a playlist/channel)."""
    from yt_dlp import YoutubeDL
    from yt_dlp.utils import DownloadError

    opts = _options(out_dir, lang, 0) | {"extract_flat": "in_playlist", "skip_download": True}
    if limit:
        opts["playlistend"] = limit
    try:
        with YoutubeDL(opts) as ydl:
            info = ydl.extract_info(url, download=False)
    except DownloadError as exc:
        raise ScriptwrightError(f"{url}: yt-dlp cannot read this URL ({_message(exc)}).") from exc
    if not info:
        raise ScriptwrightError(f"{url}: yt-dlp found nothing at this URL.")
    if info.get("_type") in ("playlist", "multi_video"):
        entries = []
        for e in info.get("entries") or []:
            if not e:
                continue
            entry_url = e.get("url") or e.get("webpage_url")
            if e.get("ie_key", "").lower().startswith("youtube") and e.get("id") and not str(entry_url).startswith("http"):
                entry_url = f"https://www.youtube.com/watch?v={e['id']}"
            if e.get("_type", "video") == "video" and e.get("playlist_index"):
                # resolved in the listing (several <video>s on one page): its `url` is the media file,
                # which has no subtitles; fetch it again as item N of the page instead
                entries.append(UrlEntry(info.get("webpage_url") or url, e.get("id"), e.get("title"),
                                        int(e["playlist_index"])))
                continue
            entries.append(UrlEntry(entry_url, e.get("id"), e.get("title")))
        return entries[:limit] if limit else entries
    return [UrlEntry(info.get("webpage_url") or url, info.get("id"), info.get("title"))]


def fetch_video(entry: UrlEntry, out_dir: Path, lang: str = "en", comments: int = 0) -> VideoDoc:
    """Metadata, subtitles (written to out_dir) and capped comments of one video."""
    from yt_dlp import YoutubeDL
    from yt_dlp.utils import DownloadError

    out_dir.mkdir(parents=True, exist_ok=True)
    where = f"{clean_url(entry.url)} (video {entry.index})" if entry.index else clean_url(entry.url)
    opts = _options(out_dir, lang, comments) | ({"playlist_items": str(entry.index)} if entry.index else {})
    try:
        with YoutubeDL(opts) as ydl:
            info = ydl.extract_info(entry.url, download=True)
    except DownloadError as exc:
        raise ScriptwrightError(f"{where}: {_message(exc)}") from exc
    if entry.index:
        info = next(iter(info.get("entries") or []), None) if info.get("_type") in ("playlist", "multi_video") else info
        if not info:
            raise ScriptwrightError(f"{where}: this video is no longer on the page.")
    subs = info.get("requested_subtitles") or {}
    picked = next((s for s in subs.values() if s.get("filepath") and Path(s["filepath"]).exists()), None)
    if not picked:
        available = sorted(set(info.get("subtitles") or {}) | set(info.get("automatic_captions") or {}))
        hint = f" (available: {', '.join(available[:8])})" if available else ""
        raise ScriptwrightError(f"{where}: no '{lang}' subtitles for this video{hint}.")
    segments = parse_caption_file(Path(picked["filepath"]))
    doc = doc_from_info(info, segments, comments or None)
    doc.url = clean_url(doc.url) if doc.url else doc.url
    doc.language = lang
    if doc.duration_s is None and segments and segments[-1].end_s:  # as for local files
        doc.duration_s = segments[-1].end_s
    return doc
