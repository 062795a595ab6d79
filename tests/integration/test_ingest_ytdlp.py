"""URL ingest through the real yt-dlp against a loopback HTTP server (no internet), and
yt-dlp `.info.json` sidecars with comments."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from pipelines import corpus, jobs
from pipelines.errors import ScriptwrightError
from pipelines.ingest.urls import fetch_video, list_entries
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, rows
from pipelines.store.vectors import VectorStore
from tests.conftest import REPO

CLI = REPO / ".venv" / "bin" / "scriptwright"

pytestmark = pytest.mark.usefixtures("no_proxies")


# --------------------------------------------------------------------------- a tiny site

def page(title: str, video: str, tracks: dict[str, str] | None = None) -> bytes:
    track_tags = "".join(f'<track kind="subtitles" srclang="{lang}" src="{src}">'
                         for lang, src in (tracks or {}).items())
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>"
            f"<h1>{title}</h1><video controls><source src=\"{video}\" type=\"video/mp4\">{track_tags}</video>"
            "</body></html>").encode()


KITE_VTT = """WEBVTT

00:00:01.000 --> 00:00:04.250
A kite is a wing on a string.

00:00:04.250 --> 00:00:08.500
The string pulls down, the wind pushes up, and the kite climbs between them.

00:00:08.500 --> 00:00:12.000
[Wind]
Let out line slowly when the gusts come.
"""

PLANE_VTT = """WEBVTT

00:00:00.500 --> 00:00:03.000
Fold the sheet in half the long way.

00:00:03.000 --> 00:00:06.750
Bring both top corners to the centre crease and press them flat.
"""

DRACHEN_VTT = """WEBVTT

00:00:00.000 --> 00:00:02.000
Ein Drache braucht Wind.
"""

FAKE_MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom"


class Site:
    """Static routes served on 127.0.0.1 with a log of requested paths."""

    def __init__(self) -> None:
        self.routes: dict[str, tuple[str, bytes]] = {}
        self.log: list[str] = []
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                site.log.append(self.path)
                found = site.routes.get(self.path.split("?")[0])
                if found is None:
                    body = b"<html><head><title>Not found</title></head><body>nothing here</body></html>"
                    self.send_response(404)
                    self.send_header("Content-Type", "text/html")
                else:
                    ctype, body = found
                    self.send_response(200)
                    self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_HEAD(self) -> None:  # noqa: N802
                found = site.routes.get(self.path.split("?")[0])
                self.send_response(200 if found else 404)
                self.send_header("Content-Length", str(len(found[1]) if found else 0))
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def site():
    s = Site()
    s.routes.update({
        "/v1.html": ("text/html; charset=utf-8", page("Kites and Wind", "/v1.mp4", {"en": "/v1.en.vtt"})),
        "/v1.mp4": ("video/mp4", FAKE_MP4),
        "/v1.en.vtt": ("text/vtt", KITE_VTT.encode()),
        "/v2.html": ("text/html; charset=utf-8", page("Paper Planes", "/v2.mp4", {"en": "/v2.en.vtt"})),
        "/v2.mp4": ("video/mp4", FAKE_MP4),
        "/v2.en.vtt": ("text/vtt", PLANE_VTT.encode()),
        "/silent.html": ("text/html; charset=utf-8", page("A Silent Clip", "/silent.mp4")),
        "/silent.mp4": ("video/mp4", FAKE_MP4),
        "/german.html": ("text/html; charset=utf-8", page("Drachen", "/german.mp4", {"de": "/german.de.vtt"})),
        "/german.mp4": ("video/mp4", FAKE_MP4),
        "/german.de.vtt": ("text/vtt", DRACHEN_VTT.encode()),
        "/prose.html": ("text/html; charset=utf-8",
                        b"<html><head><title>Just words</title></head><body><p>No video here.</p></body></html>"),
    })
    yield s
    s.close()


def ingest(settings: Settings, sources: list[str], creator: str = "web", **params: Any) -> dict[str, Any]:
    return jobs.submit_and_run(settings, "ingest", {"creator": creator, "sources": sources, **params})


def query(settings: Settings, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return rows(conn, sql, params or [])


def segments_of(settings: Settings, video_id: int) -> list[tuple[float, float, str]]:
    return [(r["start_s"], r["end_s"], r["text"]) for r in corpus.video_segments(settings, video_id)]


KITE_SEGMENTS = [
    (1.0, 4.25, "A kite is a wing on a string."),
    (4.25, 8.5, "The string pulls down, the wind pushes up, and the kite climbs between them."),
    (8.5, 12.0, "Let out line slowly when the gusts come."),
]


# --------------------------------------------------------------------------- a web page through the CLI

def test_cli_ingests_a_video_page(site: Site, settings: Settings):
    url = site.url("/v1.html")
    env = os.environ.copy()
    env["SCRIPTWRIGHT_DATA_DIR"] = str(settings.root)
    proc = subprocess.run([str(CLI), "ingest", url, "--creator", "web"], env=env, cwd=REPO, capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert proc.returncode == 0, proc.stderr
    assert "web: 1 added, 0 updated, 0 unchanged, 0 failed" in proc.stdout

    (video,) = query(settings, "SELECT * FROM videos")
    assert video["title"].startswith("Kites and Wind")
    assert video["url"] == url
    assert video["source"] not in ("file", "youtube")
    assert video["language"] == "en"
    assert video["duration_s"] == 12.0
    assert segments_of(settings, video["id"]) == KITE_SEGMENTS
    assert "/v1.en.vtt" in site.log
    # the subtitles were kept under the data dir's downloads
    assert list(settings.downloads_dir.rglob("*.en.vtt"))

    hits = corpus.search(settings, "wing on a string", creator="web", k=3)
    assert hits and hits[0]["video_id"] == video["id"]
    assert hits[0]["start_s"] == 1.0 and hits[0]["link"] == url


# --------------------------------------------------------------------------- two pages, then the same URLs again

def test_two_pages_and_a_reingest_that_changes_nothing(site: Site, settings: Settings):
    urls = [site.url("/v1.html"), site.url("/v2.html")]
    first = ingest(settings, urls)
    assert first["status"] == "succeeded", first["error"]
    r = first["result"]
    assert (r["added"], r["failed"]) == (2, 0)
    videos = {v["url"]: v for v in query(settings, "SELECT * FROM videos")}
    assert sorted(videos) == sorted(urls)
    assert videos[urls[1]]["title"].startswith("Paper Planes")
    assert segments_of(settings, videos[urls[1]]["id"]) == [
        (0.5, 3.0, "Fold the sheet in half the long way."),
        (3.0, 6.75, "Bring both top corners to the centre crease and press them flat."),
    ]
    n_chunks = query(settings, "SELECT count(*) AS n FROM chunks")[0]["n"]
    assert VectorStore(settings.lancedb_dir).count() == n_chunks == 2

    site.log.clear()
    again = ingest(settings, urls)
    assert again["status"] == "succeeded", again["error"]
    r = again["result"]
    assert (r["added"], r["updated"], r["repaired"], r["failed"]) == (0, 0, 0, 0)
    assert any("already stored" in n for n in r["notes"])
    assert {v["url"]: v for v in query(settings, "SELECT * FROM videos")} == videos
    assert query(settings, "SELECT count(*) AS n FROM chunks")[0]["n"] == n_chunks
    assert VectorStore(settings.lancedb_dir).count() == n_chunks
    # listing the pages was enough: no subtitles were downloaded again
    assert not [p for p in site.log if p.endswith(".vtt")]


# --------------------------------------------------------------------------- URLs yt-dlp cannot use

def test_a_missing_page_is_a_clear_error(site: Site, settings: Settings, tmp_path: Path):
    url = site.url("/nothing-here")
    with pytest.raises(ScriptwrightError) as exc:
        list_entries(url, tmp_path)
    message = str(exc.value)
    assert message.startswith(f"{url}: yt-dlp cannot read this URL") and "404" in message
    assert "\n" not in message and "\x1b" not in message

    job = ingest(settings, [url])
    assert job["status"] == "failed"
    assert job["error"] == message
    assert job["items"] == [{"name": url, "status": "failed", "detail": message}]


def test_a_page_without_video_is_a_clear_error(site: Site, settings: Settings):
    url = site.url("/prose.html")
    job = ingest(settings, [url])
    assert job["status"] == "failed"
    assert job["error"].startswith(f"{url}: yt-dlp cannot read this URL (Unsupported URL")


def test_a_bad_url_in_a_batch_fails_alone(site: Site, settings: Settings):
    bad, good = site.url("/gone.html"), site.url("/v2.html")
    job = ingest(settings, [bad, good])
    assert job["status"] == "succeeded", job["error"]
    by_status = {i["status"]: i for i in job["items"]}
    assert by_status["failed"]["name"] == bad and by_status["failed"]["detail"].startswith(f"{bad}: ")
    assert by_status["added"]
    assert [v["url"] for v in query(settings, "SELECT url FROM videos")] == [good]


def test_a_video_without_subtitles_is_a_failed_item(site: Site, settings: Settings):
    silent, good = site.url("/silent.html"), site.url("/v1.html")
    job = ingest(settings, [silent, good])
    assert job["status"] == "succeeded", job["error"]
    (failed,) = [i for i in job["items"] if i["status"] == "failed"]
    assert failed["detail"] == f"{silent}: no 'en' subtitles for this video."
    assert job["result"]["added"] == 1 and job["result"]["failed"] == 1
    assert [v["url"] for v in query(settings, "SELECT url FROM videos")] == [good]


def test_subtitles_only_in_another_language(site: Site, settings: Settings):
    url = site.url("/german.html")
    job = ingest(settings, [url])
    assert job["status"] == "failed"
    assert job["error"] == f"{url}: no 'en' subtitles for this video (available: de)."

    job = ingest(settings, [url], lang="de")
    assert job["status"] == "succeeded", job["error"]
    (video,) = query(settings, "SELECT id, language FROM videos")
    assert video["language"] == "de"
    assert segments_of(settings, video["id"]) == [(0.0, 2.0, "Ein Drache braucht Wind.")]


def test_fetch_video_returns_a_doc(site: Site, tmp_path: Path):
    (entry,) = list_entries(site.url("/v1.html"), tmp_path)
    doc = fetch_video(entry, tmp_path)
    assert doc.title.startswith("Kites and Wind") and doc.url == site.url("/v1.html")
    assert [(s.start_s, s.end_s, s.text) for s in doc.segments] == KITE_SEGMENTS
    assert doc.language == "en" and doc.comments == []


# --------------------------------------------------------------------------- yt-dlp .info.json with comments

VIDEO_ID = "Kt7wInDq0aZ"

INFO = {
    "id": VIDEO_ID,
    "title": "Why Kites Fly",
    "description": "A short explainer about lift, written for the Scriptwright tests.",
    "upload_date": "20240315",
    "duration": 95,
    "view_count": 1234,
    "like_count": 56,
    "extractor": "youtube",
    "extractor_key": "Youtube",
    "webpage_url": f"https://www.youtube.com/watch?v={VIDEO_ID}",
    "chapters": [{"start_time": 0, "end_time": 60, "title": "Lift"}, {"start_time": 60, "end_time": 95,
                                                                       "title": "Flying"}],
    "comments": [
        {"id": "c1", "parent": "root", "author": "Wendy Windward", "author_id": "UCwendy000000000000",
         "text": "This finally made lift make sense to me!", "like_count": 12, "timestamp": 1710500000},
        {"id": "c1.r1", "parent": "c1", "author": "Tom Tailwind", "text": "Same here, the string part especially.",
         "like_count": 2, "timestamp": 1710600000},
        {"id": "c2", "parent": "root", "author": "Gale Gusty", "text": "Could you do one on box kites?",
         "like_count": 0},
        {"id": "c3", "parent": "root", "author": "Nobody", "text": ""},  # empty: not stored
    ],
}

INFO_VTT = """WEBVTT
Kind: captions
Language: en

00:00:00.000 --> 00:00:05.000
Why does a kite stay up at all?

00:00:05.000 --> 00:00:42.000
Air flowing over the tilted sail is pushed downward, so the sail is pushed upward: that push is lift.

00:00:42.000 --> 00:01:35.000
The tail keeps the nose pointed into the wind, which keeps the lift steady.
"""


def _write_info_folder(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{VIDEO_ID}.info.json").write_text(json.dumps(INFO), encoding="utf-8")
    (folder / f"{VIDEO_ID}.en.vtt").write_text(INFO_VTT, encoding="utf-8")


def test_info_json_with_comments(settings: Settings, tmp_path: Path):
    folder = tmp_path / "yt"
    _write_info_folder(folder)
    job = ingest(settings, [str(folder)], creator="Kite Lab")
    assert job["status"] == "succeeded", job["error"]
    assert [(i["name"], i["status"]) for i in job["items"]] == [
        (f"{VIDEO_ID}.en.vtt, {VIDEO_ID}.info.json", "added")]

    (video,) = query(settings, "SELECT * FROM videos")
    assert (video["source"], video["source_id"], video["title"]) == ("youtube", VIDEO_ID, "Why Kites Fly")
    assert str(video["published_at"]) == "2024-03-15"
    assert (video["duration_s"], video["view_count"], video["like_count"]) == (95, 1234, 56)
    assert video["url"] == INFO["webpage_url"]
    assert [c["title"] for c in json.loads(video["chapters"])] == ["Lift", "Flying"]
    assert [s[0] for s in segments_of(settings, video["id"])] == [0.0, 5.0, 42.0]

    comments = query(settings, "SELECT * FROM comments ORDER BY comment_id")
    assert [c["comment_id"] for c in comments] == ["c1", "c1.r1", "c2"]
    by_id = {c["comment_id"]: c for c in comments}
    assert by_id["c1"]["parent_id"] is None and by_id["c1.r1"]["parent_id"] == "c1"
    assert by_id["c1"]["likes"] == 12
    assert str(by_id["c1"]["published_at"]) == "2024-03-15 10:53:20"
    assert by_id["c2"]["published_at"] is None
    # authors are hashed (by channel id when there is one), never stored by name
    assert by_id["c1"]["author_hash"] == hashlib.sha256(b"UCwendy000000000000").hexdigest()[:12]
    assert by_id["c1.r1"]["author_hash"] == hashlib.sha256(b"Tom Tailwind").hexdigest()[:12]
    stored = json.dumps(query(settings, "SELECT * FROM comments"), default=str)
    for c in INFO["comments"]:
        assert c["author"] not in stored
        assert c.get("author_id", "UC-none") not in stored
    (creator,) = corpus.list_creators(settings)
    assert creator["comments"] == 3

    hits = corpus.search(settings, "tail keeps the nose pointed into the wind", creator="Kite Lab", k=3)
    assert hits and hits[0]["video_id"] == video["id"]
    top = hits[0]
    assert top["link"] == f"https://www.youtube.com/watch?v={VIDEO_ID}&t={int(top['start_s'])}s"
    assert top["link"].startswith(f"https://www.youtube.com/watch?v={VIDEO_ID}&t=")

    # the same folder again is unchanged; fewer comments (a new export) updates the video
    again = ingest(settings, [str(folder)], creator="Kite Lab")
    assert [i["status"] for i in again["items"]] == ["unchanged"]
    info = dict(INFO, comments=INFO["comments"][:1])
    (folder / f"{VIDEO_ID}.info.json").write_text(json.dumps(info), encoding="utf-8")
    third = ingest(settings, [str(folder)], creator="Kite Lab")
    assert [i["status"] for i in third["items"]] == ["updated"]
    assert [c["comment_id"] for c in query(settings, "SELECT comment_id FROM comments")] == ["c1"]
    assert query(settings, "SELECT count(*) AS n FROM videos")[0]["n"] == 1
