"""Pluggable search providers, off by default.

`SCRIPTWRIGHT_VIDEO_SEARCH` finds competing videos for idea validation: `youtube` (yt-dlp's
YouTube search; needs the internet) or the base URL of a SearxNG instance (its JSON API,
videos category). `SCRIPTWRIGHT_WEB_SEARCH` (a SearxNG base URL) lets research find web
sources by itself. With neither set, nothing leaves the machine.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Protocol

import httpx

from pipelines.errors import ScriptwrightError
from pipelines.settings import Settings


@dataclass(frozen=True)
class SearchHit:
    title: str
    url: str
    snippet: str = ""
    channel: str | None = None
    views: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class SearchProvider(Protocol):
    name: str

    def search(self, query: str, n: int = 10) -> list[SearchHit]: ...


class YouTubeSearch:
    """YouTube's own search through yt-dlp (`ytsearchN:`), flat: titles, channels, views."""

    name = "youtube"

    def search(self, query: str, n: int = 10) -> list[SearchHit]:
        import yt_dlp

        opts = {"quiet": True, "no_warnings": True, "extract_flat": True, "skip_download": True}
        try:
            with yt_dlp.YoutubeDL(opts) as ydl:
                info = ydl.extract_info(f"ytsearch{n}:{query}", download=False) or {}
        except yt_dlp.utils.DownloadError as exc:
            raise ScriptwrightError(f"YouTube search for '{query}' failed: {str(exc).splitlines()[0]}") from exc
        return [SearchHit(e.get("title") or "", e.get("url") or f"https://www.youtube.com/watch?v={e.get('id')}",
                          (e.get("description") or "")[:300], e.get("channel") or e.get("uploader"),
                          e.get("view_count")) for e in info.get("entries") or []]


class SearxngSearch:
    """A SearxNG instance's JSON API (`/search?format=json`); `category` 'videos' or 'general'."""

    def __init__(self, base_url: str, category: str = "general", timeout: float = 15.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.category = category
        self.timeout = timeout
        self.name = f"searxng ({self.base_url})"

    def search(self, query: str, n: int = 10) -> list[SearchHit]:
        try:
            response = httpx.get(f"{self.base_url}/search", timeout=self.timeout,
                                 params={"q": query, "format": "json", "categories": self.category})
            response.raise_for_status()
            results = response.json().get("results") or []
        except httpx.HTTPStatusError as exc:
            raise ScriptwrightError(f"Search at {self.base_url} returned {exc.response.status_code} for '{query}'.") from exc
        except (httpx.HTTPError, ValueError) as exc:
            raise ScriptwrightError(f"Search at {self.base_url} failed for '{query}': {exc}") from exc
        hits = []
        for r in results[:n]:
            if not isinstance(r, dict) or not r.get("url"):
                continue
            views = r.get("views") if isinstance(r.get("views"), int) else None
            hits.append(SearchHit(str(r.get("title") or r["url"]), str(r["url"]), str(r.get("content") or "")[:300],
                                  r.get("author"), views))
        return hits


def video_search(settings: Settings) -> SearchProvider | None:
    """The provider for competing videos, or None when none is configured."""
    value = settings.video_search.strip()
    if not value:
        return None
    if value == "youtube":
        return YouTubeSearch()
    if value.startswith(("http://", "https://")):
        return SearxngSearch(value, category="videos")
    raise ScriptwrightError(f"SCRIPTWRIGHT_VIDEO_SEARCH='{value}': expected 'youtube' or a SearxNG URL.")


def web_search(settings: Settings) -> SearchProvider | None:
    """The provider research uses to find web sources, or None when none is configured."""
    value = settings.web_search.strip()
    if not value:
        return None
    if value.startswith(("http://", "https://")):
        return SearxngSearch(value)
    raise ScriptwrightError(f"SCRIPTWRIGHT_WEB_SEARCH='{value}': expected a SearxNG URL.")
