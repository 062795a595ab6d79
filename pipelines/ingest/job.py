"""The `ingest` job: sources in, one stored video at a time, failures recorded per item."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipelines import corpus
from pipelines.errors import ScriptwrightError
from pipelines.ingest.files import collect, doc_from_group
from pipelines.ingest.model import VideoDoc
from pipelines.ingest.urls import clean_url, fetch_video, is_url, list_entries
from pipelines.job_params import IngestParams
from pipelines.jobs import JobContext, job_kind
from pipelines.settings import Settings
from pipelines.store.duckdb import connect
from pipelines.store.vectors import VectorStore


@dataclass
class WorkItem:
    """One video to ingest, parsed only when its turn comes."""

    name: str
    load: Callable[[], tuple[VideoDoc, list[str]]]
    source_id: str | None = None


def plan(ctx: JobContext, params: dict[str, Any], creator_id: int) -> tuple[list[WorkItem], list[str]]:
    """Expand sources into work items; URL listings skip videos already stored."""
    settings = ctx.settings
    lang = params.get("lang") or "en"
    comments = int(params.get("comments") or 0)
    limit = params.get("limit")
    overrides: dict[str, dict[str, Any]] = params.get("overrides") or {}
    items: list[WorkItem] = []
    notes: list[str] = []
    known = corpus.existing_source_ids(settings, creator_id)
    known_urls = corpus.existing_urls(settings, creator_id)  # for listings without ids (RSS feeds)
    for source in params["sources"]:
        if is_url(source):
            out_dir = settings.downloads_dir / str(creator_id)
            try:
                entries = list_entries(source, out_dir, lang, limit)
            except ScriptwrightError as exc:
                ctx.item(source, "failed", str(exc))
                continue
            fresh = [e for e in entries
                     if (e.source_id not in known if e.source_id else clean_url(e.url) not in known_urls)]
            if len(fresh) < len(entries):
                notes.append(f"{source}: {len(entries) - len(fresh)} video(s) already stored, skipped.")
            for e in fresh:
                items.append(WorkItem(
                    e.title or e.url,
                    lambda e=e: (fetch_video(e, out_dir, lang, comments), []),
                    e.source_id,
                ))
        else:
            try:
                if not source.strip():  # Path("") is the working directory: never ingest it by accident
                    raise ScriptwrightError("An empty source name: give a file, a folder or a URL.")
                groups, skipped = collect(Path(source).expanduser(), settings.downloads_dir)
            except ScriptwrightError as exc:
                ctx.item(source, "failed", str(exc))
                continue
            if skipped:
                notes.append(f"{source}: skipped {len(skipped)} file(s) of unsupported types "
                              f"({', '.join(sorted({p.suffix or p.name for p in skipped})[:5])}).")
            for g in groups[:limit] if limit else groups:
                items.append(WorkItem(
                    g.name, lambda g=g: doc_from_group(g, overrides.get(g.key), comments or None, lang), g.key))
    return items, notes


@job_kind("ingest", IngestParams)
def run_ingest(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Ingest every source for one creator; one bad video never stops the batch. A first ingest
    that stores nothing (a missing folder, an unreachable channel, only bad files) leaves no
    empty creator behind."""
    settings = ctx.settings
    new_creator = not _creator_exists(settings, params["creator"])
    creator = corpus.ensure_creator(settings, params["creator"], params.get("handle"), params.get("channel_url"),
                                    params.get("description"))
    try:
        return _ingest(ctx, params, creator)
    except BaseException:
        if new_creator:
            _drop_if_empty(settings, creator["id"])
        raise


def _ingest(ctx: JobContext, params: dict[str, Any], creator: dict[str, Any]) -> dict[str, Any]:
    settings = ctx.settings
    ctx.progress(0.0, "Listing sources")
    items, notes = plan(ctx, params, creator["id"])
    counts = {"added": 0, "updated": 0, "unchanged": 0, "repaired": 0, "failed": 0}
    words = 0
    buffer: list[tuple[WorkItem, VideoDoc, list[str]]] = []

    def flush() -> None:
        nonlocal words
        if not buffer:
            return
        try:
            outcomes = corpus.store_videos(settings, creator["id"], [doc for _, doc, _ in buffer])
        except ScriptwrightError as exc:
            for item, _, _ in buffer:
                ctx.item(item.name, "failed", f"{item.name}: {exc}")
        else:
            for (item, doc, notes), outcome in zip(buffer, outcomes):
                counts[outcome.status] += 1
                words += doc.n_words
                ctx.item(item.name, outcome.status, "; ".join(notes))
        buffer.clear()

    for i, item in enumerate(items):
        ctx.progress(i / max(1, len(items)), f"{i + 1}/{len(items)} {item.name}")
        try:
            doc, item_notes = item.load()
        except ScriptwrightError as exc:
            ctx.item(item.name, "failed", str(exc))
            continue
        doc.language = doc.language or detect_language(doc.text)
        buffer.append((item, doc, item_notes))
        if sum(d.n_words for _, d, _ in buffer) >= settings.ingest_batch_words:
            flush()
    flush()
    failed_sources = [it for it in ctx.items if it["status"] == "failed"]
    counts["failed"] = len(failed_sources)
    stored = sum(counts[k] for k in ("added", "updated", "unchanged", "repaired"))
    if stored == 0 and failed_sources:
        first = failed_sources[0]["detail"]
        more = f" (and {len(failed_sources) - 1} more failures)" if len(failed_sources) > 1 else ""
        raise ScriptwrightError(f"{first}{more}")
    if counts["added"] or counts["updated"] or counts["repaired"]:
        ctx.progress(0.99, "Updating the full-text index")
        VectorStore(settings.lancedb_dir).reindex_text()
    return {"creator": creator["slug"], "creator_id": creator["id"], **counts, "words": words, "notes": notes}


def _creator_exists(settings: Settings, name: str) -> bool:
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return bool(conn.execute("SELECT count(*) FROM creators WHERE slug = ?", [corpus.slugify(name)]).fetchone()[0])


def _drop_if_empty(settings: Settings, creator_id: int) -> None:
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        conn.execute("DELETE FROM creators WHERE id = ? AND NOT EXISTS (SELECT 1 FROM videos WHERE creator_id = ?)",
                     [creator_id, creator_id])
    corpus.renew_stamp(settings)


def detect_language(text: str) -> str | None:
    """ISO code of the text's language, or None when too short to tell."""
    if len(text.split()) < 20:
        return None
    from langdetect import DetectorFactory, LangDetectException, detect

    DetectorFactory.seed = 0
    try:
        return detect(text[:3000])
    except LangDetectException:
        return None
