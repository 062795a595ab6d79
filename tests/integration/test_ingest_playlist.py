"""Playlist URLs through the real yt-dlp against a loopback HTTP server (no internet).

yt-dlp's generic extractor turns two kinds of offline pages into `_type: playlist` with
`extract_flat='in_playlist'`:

* an RSS feed whose items link to video pages: flat entries are `url_transparent`
  links *without ids*, so a re-ingest can only recognise stored videos by URL;
* one HTML page with several `<video>` elements: entries come back already resolved,
  with the media file as their `url` and `playlist_index` as their position.
"""

from __future__ import annotations

import os
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from pipelines import corpus, jobs
from pipelines.ingest.urls import clean_url, list_entries
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, rows
from pipelines.store.vectors import VectorStore
from tests.conftest import REPO
from tests.integration.test_ingest_ytdlp import CLI, FAKE_MP4, KITE_VTT, PLANE_VTT, Site, page

pytestmark = pytest.mark.usefixtures("no_proxies")

BOOMERANG_VTT = """WEBVTT

00:00:00.000 --> 00:00:03.500
A boomerang is two wings joined at an angle.

00:00:03.500 --> 00:00:07.000
Throw it almost upright and it comes back to you.
"""

GLIDER_VTT = """WEBVTT

00:00:00.000 --> 00:00:02.500
A glider trades height for distance.
"""

HTML = "text/html; charset=utf-8"


def feed(site: Site, items: list[tuple[str, str, str | None]]) -> bytes:
    """An RSS 2.0 feed; each item is (title, page path, guid or None)."""
    body = "".join(
        f"<item><title>{title}</title><link>{site.url(path)}</link>"
        + (f"<guid isPermaLink=\"false\">{guid}</guid>" if guid else "")
        + "<description>An episode.</description></item>"
        for title, path, guid in items
    )
    return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Kite Club videos</title>'
            f"<link>{site.url('/')}</link><description>Every kite club video.</description>{body}</channel></rss>"
            ).encode()


def multi_page(title: str, videos: list[tuple[str, str | None]]) -> bytes:
    """One page with several <video> elements: (media path, English track path or None)."""
    blocks = "".join(
        f'<video controls><source src="{src}" type="video/mp4">'
        + (f'<track kind="subtitles" srclang="en" src="{track}">' if track else "")
        + "</video>"
        for src, track in videos
    )
    return (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>{title}</title></head><body>"
            f"<h1>{title}</h1>{blocks}</body></html>").encode()


FEED_ITEMS = [
    ("Kites and Wind", "/v1.html", "kite-1"),
    ("A removed video", "/gone.html", "kite-2"),  # the page is gone: 404
    ("A silent clip", "/silent.html", None),  # a video without subtitles
    ("Paper Planes", "/v2.html", "kite-4"),
]


@pytest.fixture
def site():
    s = Site()
    s.routes.update({
        "/v1.html": (HTML, page("Kites and Wind", "/v1.mp4", {"en": "/v1.en.vtt"})),
        "/v1.mp4": ("video/mp4", FAKE_MP4),
        "/v1.en.vtt": ("text/vtt", KITE_VTT.encode()),
        "/v2.html": (HTML, page("Paper Planes", "/v2.mp4", {"en": "/v2.en.vtt"})),
        "/v2.mp4": ("video/mp4", FAKE_MP4),
        "/v2.en.vtt": ("text/vtt", PLANE_VTT.encode()),
        "/v3.html": (HTML, page("Boomerangs", "/v3.mp4", {"en": "/v3.en.vtt"})),
        "/v3.mp4": ("video/mp4", FAKE_MP4),
        "/v3.en.vtt": ("text/vtt", BOOMERANG_VTT.encode()),
        "/silent.html": (HTML, page("A Silent Clip", "/silent.mp4")),
        "/silent.mp4": ("video/mp4", FAKE_MP4),
    })
    s.routes["/feed.xml"] = ("application/rss+xml", feed(s, FEED_ITEMS))
    yield s
    s.close()


def cli(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = os.environ.copy()
    env["SCRIPTWRIGHT_DATA_DIR"] = str(settings.root)
    return subprocess.run([str(CLI), *args], env=env, cwd=REPO, capture_output=True, text=True, timeout=300,
                          stdin=subprocess.DEVNULL)


def query(settings: Settings, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return rows(conn, sql, params or [])


def failed_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("failed:")]


def assert_consistent(settings: Settings, n_videos: int) -> list[dict[str, Any]]:
    """n videos, no duplicate source ids or chunk ids, and LanceDB holds exactly DuckDB's chunks."""
    videos = query(settings, "SELECT * FROM videos ORDER BY id")
    assert len(videos) == n_videos
    assert len({(v["creator_id"], v["source_id"]) for v in videos}) == n_videos
    chunk_ids = [r["id"] for r in query(settings, "SELECT id FROM chunks")]
    assert len(chunk_ids) == len(set(chunk_ids))
    store = VectorStore(settings.lancedb_dir)
    assert store.count() == len(chunk_ids)
    assert store.ids("video_id >= 0") == set(chunk_ids)
    for v in videos:
        n = query(settings, "SELECT count(*) AS n FROM chunks WHERE video_id = ?", [v["id"]])[0]["n"]
        assert n > 0 and store.count(f"video_id = {v['id']}") == n
        assert query(settings, "SELECT count(*) AS n FROM segments WHERE video_id = ?", [v["id"]])[0]["n"] > 0
    return videos


def last_job(settings: Settings) -> dict[str, Any]:
    return jobs.list_jobs(settings, limit=1)[0]


# --------------------------------------------------------------------------- the generic extractor's listing

def test_an_rss_feed_is_a_playlist_of_pages(site: Site, tmp_path: Path):
    entries = list_entries(site.url("/feed.xml"), tmp_path)
    assert [e.title for e in entries] == [t for t, _, _ in FEED_ITEMS]
    # flat feed entries carry no id: only fetching the page tells which video it is
    assert [e.source_id for e in entries] == [None] * 4
    assert [clean_url(e.url) for e in entries] == [site.url(path) for _, path, _ in FEED_ITEMS]
    # an item's guid rides along in the URL yt-dlp fetches (and becomes the id of a direct media link)
    assert [e.url == clean_url(e.url) for e in entries] == [guid is None for _, _, guid in FEED_ITEMS]
    assert site.log == ["/feed.xml"]  # listing is flat: no item page was opened
    assert [e.title for e in list_entries(site.url("/feed.xml"), tmp_path, limit=2)] == ["Kites and Wind",
                                                                                          "A removed video"]


# --------------------------------------------------------------------------- a feed through the CLI

def test_feed_with_broken_items_then_a_new_item(site: Site, settings: Settings):
    feed_url = site.url("/feed.xml")
    gone, silent = site.url("/gone.html"), site.url("/silent.html")

    first = cli(settings, "ingest", feed_url, "--creator", "P")
    assert first.returncode == 2, first.stdout + first.stderr  # partial failure
    assert "p: 2 added, 0 updated, 0 unchanged, 2 failed" in first.stdout
    bad = failed_lines(first.stderr)
    assert len(bad) == 2, first.stderr
    # whole lines (no wrapping at 80 columns), yt-dlp's "[generic]" kept (not eaten as rich markup),
    # and the item's own URL without the guid yt-dlp smuggles into it
    assert f"failed: {gone}: [generic] kite-2: Unable to download webpage: HTTP Error 404: Not Found" in bad[0], bad
    assert bad[1] == f"failed: {silent}: no 'en' subtitles for this video."

    job = last_job(settings)
    assert job["status"] == "succeeded" and job["result"]["failed"] == 2
    failed = {i["name"]: i["detail"] for i in job["items"] if i["status"] == "failed"}
    assert sorted(failed) == ["A removed video", "A silent clip"]  # named by their feed titles
    assert failed["A removed video"].startswith(f"{gone}: ")
    assert [i["name"] for i in job["items"] if i["status"] == "added"] == ["Kites and Wind", "Paper Planes"]

    videos = assert_consistent(settings, 2)
    assert [v["title"].split(" (")[0] for v in videos] == ["Kites and Wind", "Paper Planes"]
    assert [v["url"] for v in videos] == [site.url("/v1.html"), site.url("/v2.html")]
    segments = corpus.video_segments(settings, videos[1]["id"])
    assert [s["text"] for s in segments] == ["Fold the sheet in half the long way.",
                                             "Bring both top corners to the centre crease and press them flat."]
    hashes = {v["source_id"]: v["content_hash"] for v in videos}
    chunk_ids = {r["id"] for r in query(settings, "SELECT id FROM chunks")}
    assert Counter(site.log)["/v1.en.vtt"] == Counter(site.log)["/v2.en.vtt"] == 1

    # a new item is published: only it is fetched; the stored ones are recognised from the listing
    site.routes["/feed.xml"] = ("application/rss+xml", feed(site, [*FEED_ITEMS, ("Boomerangs", "/v3.html", "kite-5")]))
    site.log.clear()
    second = cli(settings, "ingest", feed_url, "--creator", "P")
    assert second.returncode == 2, second.stdout + second.stderr  # the two broken items still fail
    assert "p: 1 added, 0 updated, 0 unchanged, 2 failed" in second.stdout
    assert f"{feed_url}: 2 video(s) already stored, skipped." in second.stdout
    assert len(failed_lines(second.stderr)) == 2
    requested = Counter(site.log)
    for path in ("/v1.html", "/v1.en.vtt", "/v2.html", "/v2.en.vtt"):
        assert requested[path] == 0, site.log
    assert requested["/v3.en.vtt"] == 1 and requested["/feed.xml"] == 1

    videos = assert_consistent(settings, 3)
    assert videos[2]["title"].startswith("Boomerangs")
    assert {v["source_id"]: v["content_hash"] for v in videos[:2]} == hashes  # untouched
    assert chunk_ids < {r["id"] for r in query(settings, "SELECT id FROM chunks")}
    (creator,) = corpus.list_creators(settings)
    assert creator["videos"] == 3
    # the full-text index was rebuilt for the new video
    hits = corpus.search(settings, "boomerang", creator="P", k=3, mode="fts")
    assert [h["video_id"] for h in hits] == [videos[2]["id"]]

    # the broken items gone from the feed: nothing left to fetch, a clean exit
    site.routes["/feed.xml"] = ("application/rss+xml", feed(site, [FEED_ITEMS[0], FEED_ITEMS[3],
                                                                   ("Boomerangs", "/v3.html", "kite-5")]))
    site.log.clear()
    third = cli(settings, "ingest", feed_url, "--creator", "P")
    assert third.returncode == 0, third.stdout + third.stderr
    assert "p: 0 added, 0 updated, 0 unchanged, 0 failed" in third.stdout
    assert not failed_lines(third.stderr)
    assert site.log == ["/feed.xml"]
    assert_consistent(settings, 3)


def test_limit_ingests_one_entry(site: Site, settings: Settings):
    proc = cli(settings, "ingest", site.url("/feed.xml"), "--creator", "P", "--limit", "1")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "p: 1 added, 0 updated, 0 unchanged, 0 failed" in proc.stdout
    (video,) = assert_consistent(settings, 1)
    assert video["title"].startswith("Kites and Wind")
    assert not [p for p in site.log if p not in ("/feed.xml", "/v1.html", "/v1.en.vtt")], site.log
    job = last_job(settings)
    assert job["params"]["limit"] == 1
    assert [i["name"] for i in job["items"]] == ["Kites and Wind"]


# --------------------------------------------------------------------------- several <video>s on one page

def test_a_page_of_several_videos(site: Site, settings: Settings, tmp_path: Path):
    url = site.url("/lessons.html")
    site.routes.update({
        "/lessons.html": (HTML, multi_page("Kite Lessons", [("/a.mp4", "/a.en.vtt"), ("/b.mp4", None),
                                                            ("/c.mp4", "/c.en.vtt")])),
        "/a.mp4": ("video/mp4", FAKE_MP4), "/a.en.vtt": ("text/vtt", KITE_VTT.encode()),
        "/b.mp4": ("video/mp4", FAKE_MP4),
        "/c.mp4": ("video/mp4", FAKE_MP4), "/c.en.vtt": ("text/vtt", PLANE_VTT.encode()),
        "/d.mp4": ("video/mp4", FAKE_MP4), "/d.en.vtt": ("text/vtt", GLIDER_VTT.encode()),
    })
    entries = list_entries(url, tmp_path)
    assert [(e.url, e.source_id, e.index) for e in entries] == [
        (url, "lessons-1", 1), (url, "lessons-2", 2), (url, "lessons-3", 3)]

    job = jobs.submit_and_run(settings, "ingest", {"creator": "L", "sources": [url]})
    assert job["status"] == "succeeded", job["error"]
    assert (job["result"]["added"], job["result"]["failed"]) == (2, 1)
    (failed,) = [i for i in job["items"] if i["status"] == "failed"]
    assert failed["detail"] == f"{url} (video 2): no 'en' subtitles for this video."
    videos = assert_consistent(settings, 2)
    assert [v["source_id"] for v in videos] == ["lessons-1", "lessons-3"]
    assert [s["text"] for s in corpus.video_segments(settings, videos[0]["id"])][0] == "A kite is a wing on a string."
    assert [s["text"] for s in corpus.video_segments(settings, videos[1]["id"])][0] == (
        "Fold the sheet in half the long way.")

    # a fourth video is added to the page: only its subtitles are downloaded
    site.routes["/lessons.html"] = (HTML, multi_page("Kite Lessons", [
        ("/a.mp4", "/a.en.vtt"), ("/b.mp4", None), ("/c.mp4", "/c.en.vtt"), ("/d.mp4", "/d.en.vtt")]))
    site.log.clear()
    again = jobs.submit_and_run(settings, "ingest", {"creator": "L", "sources": [url]})
    assert again["status"] == "succeeded", again["error"]
    assert (again["result"]["added"], again["result"]["failed"]) == (1, 1)
    assert [v for v in site.log if v.endswith(".vtt")] == ["/d.en.vtt"]
    videos = assert_consistent(settings, 3)
    assert videos[2]["source_id"] == "lessons-4"
    assert [s["text"] for s in corpus.video_segments(settings, videos[2]["id"])] == [
        "A glider trades height for distance."]
