"""A creator's corpus: creators, videos, segments, chunks and comments, and searching them.

DuckDB holds the records; LanceDB holds the chunk vectors and full-text index. A video
is written in one DuckDB transaction, then its chunks are upserted into LanceDB in one
merge, so a re-run after a crash repairs whichever half did not land.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipelines.embed import embed, embed_one
from pipelines.errors import ScriptwrightError
from pipelines.ingest.chunk import chunk_segments
from pipelines.ingest.model import YOUTUBE_WATCH, VideoDoc
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, rows, transaction
from pipelines.store.vectors import SOURCE_CHUNKS, VectorStore


def slugify(name: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")
    if not slug:
        raise ScriptwrightError(f"'{name}' is not a usable creator name; use letters or digits.")
    return slug


# ---------------------------------------------------------------- what search looks up, kept per process

# A search needs each hit's video (title, link, creator's name) and a creator's id. They change only when a
# video or creator is written, and every such write renews the workspace's corpus stamp (a file in the data
# dir, so writes by other processes count too); lookups read under an older stamp are read again. A hit whose
# video is not in the lookups yet (stored after they were read) reads them again too.
CORPUS_STAMP = "corpus.stamp"
_lookups: dict[Path, tuple[str, dict[str, Any]]] = {}
_lookups_lock = threading.Lock()


def renew_stamp(settings: Settings) -> None:
    """Mark the videos and creators as changed (after the write has committed)."""
    settings.root.mkdir(parents=True, exist_ok=True)
    (settings.root / CORPUS_STAMP).write_text(uuid.uuid4().hex)


def version(settings: Settings) -> str:
    """The corpus's version: a new value after every write to its videos or creators, in any process
    ("" before the first one)."""
    try:
        return (settings.root / CORPUS_STAMP).read_text()
    except FileNotFoundError:
        return ""


def _lookup(settings: Settings, fresh: bool = False) -> dict[str, Any]:
    """Videos by id and creator ids by slug and lower-case name, as of the corpus stamp."""
    stamp = version(settings)
    with _lookups_lock:
        cached = _lookups.get(settings.root)
    if cached and cached[0] == stamp and not fresh:
        return cached[1]
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        videos = {r["id"]: r for r in rows(conn, "SELECT v.id, v.title, v.source, v.source_id, v.url, c.name AS creator"
                                                 " FROM videos v JOIN creators c ON c.id = v.creator_id")}
        creators = {key: cid for cid, slug, name in conn.execute("SELECT id, slug, name FROM creators").fetchall()
                    for key in (slug, name.lower())}
    found = {"videos": videos, "creators": creators}
    with _lookups_lock:
        _lookups[settings.root] = (stamp, found)
    return found


def _creator_id(settings: Settings, name: str) -> int:
    known = _lookup(settings)["creators"]
    for key in (name.lower(), _slug_or_none(name)):
        if key in known:
            return int(known[key])
    return int(get_creator(settings, name)["id"])  # a new creator, or the error that lists the known ones


def _slug_or_none(name: str) -> str | None:
    try:
        return slugify(name)
    except ScriptwrightError:
        return None


def ensure_creator(settings: Settings, name: str, handle: str | None = None, channel_url: str | None = None,
                   description: str | None = None) -> dict[str, Any]:
    """The creator with this name (or slug), created when new."""
    slug = slugify(name)
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        found = rows(conn, "SELECT * FROM creators WHERE slug = ?", [slug])
        if found:
            return found[0]
        conn.execute(
            "INSERT INTO creators (slug, name, handle, channel_url, description) VALUES (?, ?, ?, ?, ?)",
            [slug, name, handle, channel_url, description],
        )
        created = rows(conn, "SELECT * FROM creators WHERE slug = ?", [slug])[0]
    renew_stamp(settings)
    return created


def get_creator(settings: Settings, name: str) -> dict[str, Any]:
    """A stored creator by name or slug; a clear error listing the known ones otherwise."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        found = rows(conn, "SELECT * FROM creators WHERE slug = ? OR lower(name) = lower(?)", [slugify(name), name])
        if found:
            return found[0]
        known = [r[0] for r in conn.execute("SELECT slug FROM creators ORDER BY slug").fetchall()]
    hint = f" Known creators: {', '.join(known)}." if known else " Ingest some videos first."
    raise ScriptwrightError(f"No creator named '{name}'.{hint}")


def rename_creator(settings: Settings, name: str, new_name: str) -> dict[str, Any]:
    """Give a creator a new display name; the slug (used in paths and links) stays."""
    creator = get_creator(settings, name)
    new_name = new_name.strip()
    if not new_name:
        raise ScriptwrightError("A creator needs a name; type one.")
    with transaction(settings.duckdb_path, settings.lock_retry_s) as conn:
        clash = conn.execute("SELECT slug FROM creators WHERE lower(name) = lower(?) AND id <> ?",
                             [new_name, creator["id"]]).fetchone()
        if clash:
            raise ScriptwrightError(f"Another creator ({clash[0]}) is already called '{new_name}'.")
        conn.execute("UPDATE creators SET name = ? WHERE id = ?", [new_name, creator["id"]])
    renew_stamp(settings)
    return get_creator(settings, creator["slug"])


def retitle_video(settings: Settings, creator: str, video_id: int, title: str) -> dict[str, Any]:
    """Give one of a creator's videos a title (e.g. one ingested from a bare caption file)."""
    c = get_creator(settings, creator)
    title = " ".join(title.split())
    if not title:
        raise ScriptwrightError("A video needs a title; type one.")
    with transaction(settings.duckdb_path, settings.lock_retry_s) as conn:
        found = conn.execute("SELECT title FROM videos WHERE id = ? AND creator_id = ?", [video_id, c["id"]]).fetchone()
        if not found:
            raise ScriptwrightError(f"{c['name']} has no video with id {video_id}; see `scriptwright creator "
                                    f"videos {c['slug']}`.")
        conn.execute("UPDATE videos SET title = ? WHERE id = ?", [title, video_id])
    renew_stamp(settings)
    return {"id": video_id, "old": found[0], "title": title}


_PROJECTS = "SELECT id FROM projects WHERE creator_id = ?"
_VIDEOS = "SELECT id FROM videos WHERE creator_id = ?"
_EVAL_SETS = "SELECT id FROM eval_sets WHERE creator_id = ?"
# (table, rows of this creator): children before parents, each keyed on the creator id
_CREATOR_ROWS = (
    ("eval_results", f"run_id IN (SELECT id FROM eval_runs WHERE eval_set_id IN ({_EVAL_SETS}))"),
    ("eval_runs", f"eval_set_id IN ({_EVAL_SETS})"),
    ("eval_sets", "creator_id = ?"),
    ("compiled_programs", "creator_id = ?"),
    ("chat_messages", "session_id IN (SELECT id FROM chat_sessions WHERE creator_id = ?)"),
    ("chat_sessions", "creator_id = ?"),
    ("feedback", f"project_id IN ({_PROJECTS})"),
    ("claims", f"project_id IN ({_PROJECTS})"),
    ("drafts", f"project_id IN ({_PROJECTS})"),
    ("project_results", f"project_id IN ({_PROJECTS})"),
    ("source_chunks", f"project_id IN ({_PROJECTS})"),
    ("sources", f"project_id IN ({_PROJECTS})"),
    ("projects", "creator_id = ?"),
    ("dna_snapshots", "creator_id = ?"),
    ("comments", f"video_id IN ({_VIDEOS})"),
    ("chunks", f"video_id IN ({_VIDEOS})"),
    ("segments", f"video_id IN ({_VIDEOS})"),
    ("videos", "creator_id = ?"),
    ("creators", "id = ?"),
)


def delete_creator(settings: Settings, name: str) -> dict[str, int]:
    """Remove a creator and everything made from their videos: videos, segments, chunks and
    their vectors, comments, DNA, projects with their sources, drafts and feedback, eval sets
    and runs, compiled programs, chat sessions. Returns the rows removed per table.

    Vectors go first, then every DuckDB row in one transaction: a crash in between leaves the
    creator listed (with nothing to search), and deleting again finishes the job."""
    import shutil

    creator = get_creator(settings, name)
    cid = int(creator["id"])
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        projects = [r[0] for r in conn.execute(_PROJECTS, [cid]).fetchall()]
    vectors = VectorStore(settings.lancedb_dir)
    removed = {"vectors": vectors.count(f"creator_id = {cid}")}
    vectors.delete(f"creator_id = {cid}")
    if projects:
        listed = ", ".join("'" + p.replace("'", "''") + "'" for p in projects)
        removed["source vectors"] = vectors.count(f"project_id IN ({listed})", table=SOURCE_CHUNKS)
        vectors.delete(f"project_id IN ({listed})", table=SOURCE_CHUNKS)
    with transaction(settings.duckdb_path, settings.lock_retry_s) as conn:
        for table, where in _CREATOR_ROWS:
            args = [cid] * where.count("?")
            removed[table] = int(conn.execute(f"SELECT count(*) FROM {table} WHERE {where}", args).fetchone()[0])
            conn.execute(f"DELETE FROM {table} WHERE {where}", args)
    renew_stamp(settings)
    for folder in (settings.compiled_root / creator["slug"], settings.downloads_dir / str(cid)):
        shutil.rmtree(folder, ignore_errors=True)
    return removed


def list_creators(settings: Settings) -> list[dict[str, Any]]:
    """Every creator with corpus totals: videos, words, hours, chunks, comments."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return rows(conn, """
            SELECT c.id, c.slug, c.name, c.handle, c.channel_url,
                   count(v.id) AS videos,
                   coalesce(sum(v.n_words), 0)::BIGINT AS words,
                   round(coalesce(sum(v.duration_s), 0) / 3600, 2) AS hours,
                   (SELECT count(*) FROM chunks k JOIN videos v2 ON k.video_id = v2.id WHERE v2.creator_id = c.id) AS chunks,
                   (SELECT count(*) FROM comments m JOIN videos v3 ON m.video_id = v3.id WHERE v3.creator_id = c.id) AS comments
            FROM creators c LEFT JOIN videos v ON v.creator_id = c.id
            GROUP BY ALL ORDER BY c.name
        """)


def list_videos(settings: Settings, creator_id: int) -> list[dict[str, Any]]:
    """A creator's videos with words, duration and speaking pace (words per minute)."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return rows(conn, """
            SELECT id, title, source, source_id, url, published_at, duration_s, n_words, language,
                   view_count, like_count,
                   CASE WHEN duration_s > 0 THEN round(n_words / (duration_s / 60), 1) END AS words_per_min,
                   (SELECT count(*) FROM chunks k WHERE k.video_id = v.id) AS chunks,
                   (SELECT count(*) FROM comments m WHERE m.video_id = v.id) AS comments,
                   ingested_at
            FROM videos v WHERE creator_id = ? ORDER BY published_at NULLS LAST, title
        """, [creator_id])


def video_descriptions(settings: Settings, creator_id: int) -> list[str]:
    """The creator's video descriptions (ingest keeps them from .info.json files), newest video first."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return [r[0] for r in conn.execute(
            "SELECT description FROM videos WHERE creator_id = ? AND trim(coalesce(description, '')) <> ''"
            " ORDER BY published_at DESC NULLS LAST, id DESC", [creator_id]).fetchall()]


def video_segments(settings: Settings, video_id: int) -> list[dict[str, Any]]:
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return rows(conn, "SELECT idx, start_s, end_s, text FROM segments WHERE video_id = ? ORDER BY idx", [video_id])


def existing_source_ids(settings: Settings, creator_id: int) -> set[str]:
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return {r[0] for r in conn.execute("SELECT source_id FROM videos WHERE creator_id = ?", [creator_id]).fetchall()}


def existing_urls(settings: Settings, creator_id: int) -> set[str]:
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return {r[0] for r in conn.execute("SELECT url FROM videos WHERE creator_id = ? AND url IS NOT NULL",
                                           [creator_id]).fetchall()}


def clock(seconds: float | None) -> str:
    """A moment in a video as m:ss (h:mm:ss past an hour), or --:-- when unknown."""
    if seconds is None:
        return "--:--"
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


def timestamp_url(source: str, source_id: str, url: str | None, start_s: float | None) -> str | None:
    """A link that opens the video at a moment (YouTube), or the video's own URL."""
    t = int(start_s or 0)
    if source == "youtube":
        return f"{YOUTUBE_WATCH}{source_id}&t={t}s"
    if url and url.startswith(YOUTUBE_WATCH):
        return f"{url}&t={t}s"
    return url


@dataclass(frozen=True)
class StoreOutcome:
    status: str  # added | updated | unchanged | repaired
    video_id: int
    chunks: int


@dataclass
class _Pending:
    """A video that needs writing, with the chunk rows its vectors are computed for."""

    doc: VideoDoc
    old_id: int | None
    chunks: list = field(default_factory=list)
    chunk_rows: list[dict[str, Any]] = field(default_factory=list)
    repair_only: bool = False


def store_videos(settings: Settings, creator_id: int, docs: list[VideoDoc]) -> list[StoreOutcome]:
    """Insert or atomically replace videos; unchanged ones write nothing.

    The chunks of every changed video are embedded in one call (far faster than one call
    per video); then each video is written in its own DuckDB transaction followed by one
    LanceDB merge, so a crash leaves each video either old or new, never half of each.
    """
    vectors = VectorStore(settings.lancedb_dir)
    outcomes: dict[int, StoreOutcome] = {}
    pending: list[tuple[int, _Pending]] = []
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        for n, doc in enumerate(docs):
            if not doc.segments:
                raise ScriptwrightError(f"{doc.title or doc.source_id}: no transcript text to store.")
            old = conn.execute("SELECT id, content_hash FROM videos WHERE creator_id = ? AND source_id = ?",
                               [creator_id, doc.source_id]).fetchone()
            if old and old[1] == doc.content_hash:
                n_stored = conn.execute("SELECT count(*) FROM chunks WHERE video_id = ?", [old[0]]).fetchone()[0]
                if vectors.count(f"video_id = {int(old[0])}") == n_stored:
                    outcomes[n] = StoreOutcome("unchanged", old[0], n_stored)
                else:  # the vectors of an earlier run never landed: rebuild them from DuckDB
                    stored = rows(conn, "SELECT id, start_s, text FROM chunks WHERE video_id = ? ORDER BY idx",
                                  [old[0]])
                    pending.append((n, _Pending(doc, old[0], chunk_rows=stored, repair_only=True)))
                continue
            pending.append((n, _Pending(doc, old[0] if old else None, chunk_segments(doc.segments))))
    texts = [c.text for _, p in pending for c in p.chunks] + [r["text"] for _, p in pending for r in p.chunk_rows]
    vecs = iter(embed(texts))
    new_vectors = {n: [next(vecs) for _ in p.chunks] for n, p in pending}
    repair_vectors = {n: [next(vecs) for _ in p.chunk_rows] for n, p in pending}
    for n, p in pending:
        if p.repair_only:
            _replace_vectors(vectors, creator_id, p.old_id, p.chunk_rows, repair_vectors[n])
            outcomes[n] = StoreOutcome("repaired", p.old_id, len(p.chunk_rows))
            continue
        video_id, chunk_rows = _write_video(settings, creator_id, p)
        _replace_vectors(vectors, creator_id, video_id, chunk_rows, new_vectors[n])
        renew_stamp(settings)
        outcomes[n] = StoreOutcome("updated" if p.old_id else "added", video_id, len(chunk_rows))
    return [outcomes[n] for n in range(len(docs))]


def _write_video(settings: Settings, creator_id: int, p: _Pending) -> tuple[int, list[dict[str, Any]]]:
    """One video's rows in one transaction; returns its id and chunk rows."""
    doc, content_hash = p.doc, p.doc.content_hash
    meta = [doc.source, doc.url, doc.title, doc.description, doc.published_at, doc.duration_s, doc.view_count,
            doc.like_count, json.dumps(doc.chapters) if doc.chapters else None, doc.language, doc.n_words,
            content_hash]
    with transaction(settings.duckdb_path, settings.lock_retry_s) as conn:
        if p.old_id:
            video_id = p.old_id
            for table in ("segments", "chunks", "comments"):
                conn.execute(f"DELETE FROM {table} WHERE video_id = ?", [video_id])
            conn.execute(
                "UPDATE videos SET source = ?, url = ?, title = ?, description = ?, published_at = ?, duration_s = ?,"
                " view_count = ?, like_count = ?, chapters = ?, language = ?, n_words = ?, content_hash = ?,"
                " ingested_at = now()::TIMESTAMP WHERE id = ?",
                [*meta, video_id],
            )
        else:
            video_id = conn.execute(
                "INSERT INTO videos (source, url, title, description, published_at, duration_s, view_count, like_count,"
                " chapters, language, n_words, content_hash, creator_id, source_id)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                [*meta, creator_id, doc.source_id],
            ).fetchone()[0]
        segments = pa.table({
            "video_id": [video_id] * len(doc.segments), "idx": list(range(len(doc.segments))),
            "start_s": [s.start_s for s in doc.segments], "end_s": [s.end_s for s in doc.segments],
            "text": [s.text for s in doc.segments],
        })
        conn.register("new_segments", segments)
        conn.execute("INSERT INTO segments SELECT video_id, idx, start_s, end_s, text FROM new_segments")
        chunk_rows = [{"id": f"{video_id}-{content_hash[:8]}-{c.idx}", "start_s": c.start_s, "text": c.text}
                      for c in p.chunks]
        chunks = pa.table({
            "id": [r["id"] for r in chunk_rows], "video_id": [video_id] * len(p.chunks),
            "idx": [c.idx for c in p.chunks], "start_s": [c.start_s for c in p.chunks],
            "end_s": [c.end_s for c in p.chunks], "text": [c.text for c in p.chunks],
            "n_words": [c.n_words for c in p.chunks],
        })
        conn.register("new_chunks", chunks)
        conn.execute("INSERT INTO chunks SELECT id, video_id, idx, start_s, end_s, text, n_words FROM new_chunks")
        if doc.comments:
            conn.executemany(
                "INSERT INTO comments VALUES (?, ?, ?, ?, ?, ?, ?)",
                [[video_id, c["comment_id"], c["parent_id"], c["author_hash"], c["text"], c["likes"],
                  c["published_at"]] for c in doc.comments],
            )
    return video_id, chunk_rows


def _replace_vectors(vectors: VectorStore, creator_id: int, video_id: int, chunk_rows: list[dict[str, Any]],
                     embedded: list) -> None:
    records = [
        {"id": r["id"], "creator_id": creator_id, "video_id": video_id, "start_s": r["start_s"], "text": r["text"],
         "vector": vec.tolist()}
        for r, vec in zip(chunk_rows, embedded)
    ]
    vectors.replace_video_chunks(video_id, records)


def search(settings: Settings, query: str, creator: str | None = None, k: int = 10,
           mode: str = "hybrid") -> list[dict[str, Any]]:
    """Passages matching a query, best first, with video title, start time and a link."""
    if not query.strip():
        raise ScriptwrightError("Type something to search for.")
    where = f"creator_id = {_creator_id(settings, creator)}" if creator else None
    hits = VectorStore(settings.lancedb_dir).search(query, embed_one(query) if mode != "fts" else None, where, k, mode)
    if not hits:
        return []
    videos = _lookup(settings)["videos"]
    if any(int(h["video_id"]) not in videos for h in hits):
        videos = _lookup(settings, fresh=True)["videos"]
    out = []
    for h in hits:
        v = videos.get(int(h["video_id"]))
        if v is None:  # a chunk whose video row was never committed (crash mid-write)
            continue
        out.append({
            "creator": v["creator"], "video_id": v["id"], "title": v["title"], "start_s": h["start_s"],
            "text": h["text"], "score": h["score"],
            "link": timestamp_url(v["source"], v["source_id"], v["url"], h["start_s"]),
        })
    return out
