"""A project's research sources: stored, chunked, flagged, embedded and searchable.

A source is stored once per project (by the hash of its text). Its chunks go to DuckDB
in one transaction and to the LanceDB `source_chunks` table in one merge; a source whose
vectors never landed (crash) is repaired the next time it is added.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from pipelines.embed import embed, embed_one
from pipelines.errors import ScriptwrightError
from pipelines.evidence.fetch import FetchedSource, from_text, load
from pipelines.evidence.injection import find_instructions, redact
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, rows, transaction
from pipelines.store.vectors import SOURCE_CHUNKS, VectorStore
from pipelines.text import split_sentences

MAX_WORDS = 120
MIN_WORDS = 30


def chunk_text(text: str, max_words: int = MAX_WORDS, min_words: int = MIN_WORDS) -> list[str]:
    """Paragraph-aligned chunks of at most max_words (long paragraphs split at sentences)."""
    pieces: list[str] = []
    for para in (p.strip() for p in text.split("\n\n")):
        if not para:
            continue
        if len(para.split()) <= max_words:
            pieces.append(para)
            continue
        current: list[str] = []
        for sentence in split_sentences(para):
            words = sentence.split()
            # text without sentence ends (a PDF table, unpunctuated captions) is cut every max_words words
            for part in ([" ".join(words[i:i + max_words]) for i in range(0, len(words), max_words)]
                         if len(words) > max_words else [sentence]):
                if current and len(" ".join(current + [part]).split()) > max_words:
                    pieces.append(" ".join(current))
                    current = []
                current.append(part)
        if current:
            pieces.append(" ".join(current))
    chunks: list[str] = []
    for piece in pieces:
        if chunks and len(chunks[-1].split()) < min_words and len((chunks[-1] + " " + piece).split()) <= max_words:
            chunks[-1] = f"{chunks[-1]}\n\n{piece}"
        else:
            chunks.append(piece)
    return chunks


@dataclass(frozen=True)
class Added:
    source_id: str
    title: str
    uri: str
    status: str  # added | unchanged | repaired
    chunks: int
    flags: list[dict[str, Any]]


def source_id_for(project: str, sha256: str) -> str:
    return "src-" + hashlib.sha256(f"{project}|{sha256}".encode()).hexdigest()[:12]


def add_source(settings: Settings, project: str, fetched: FetchedSource) -> Added:
    """Store one fetched source in a project (idempotent by content)."""
    source_id = source_id_for(project, fetched.sha256)
    texts = chunk_text(fetched.text)
    if not texts:
        raise ScriptwrightError(f"{fetched.uri}: has no readable text.")
    chunk_ids = [f"{source_id}-{i}" for i in range(len(texts))]
    flags = [{"rule": f.rule, "excerpt": f.excerpt} for f in find_instructions(fetched.text)]
    vectors = VectorStore(settings.lancedb_dir)
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        stored = conn.execute("SELECT count(*) FROM source_chunks WHERE source_id = ?", [source_id]).fetchone()[0]
    status = "added"
    if stored:
        if vectors.count(f"source_id = '{source_id}'", table=SOURCE_CHUNKS) == stored:
            return Added(source_id, fetched.title, fetched.uri, "unchanged", stored, flags)
        status = "repaired"
    else:
        with transaction(settings.duckdb_path, settings.lock_retry_s) as conn:
            conn.execute(
                "INSERT INTO sources (id, project_id, kind, uri, title, content_type, sha256, n_words, flags)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [source_id, project, fetched.kind, fetched.uri, fetched.title, fetched.content_type, fetched.sha256,
                 len(fetched.text.split()), json.dumps(flags)])
            conn.executemany(
                "INSERT INTO source_chunks (id, source_id, project_id, idx, text, n_words, flagged)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                [[cid, source_id, project, i, t, len(t.split()), bool(find_instructions(t))]
                 for i, (cid, t) in enumerate(zip(chunk_ids, texts))])
    vecs = embed(texts)
    vectors.upsert([{"id": cid, "project_id": project, "source_id": source_id, "text": t, "vector": v.tolist()}
                    for cid, t, v in zip(chunk_ids, texts, vecs)], SOURCE_CHUNKS)
    vectors.reindex_text(SOURCE_CHUNKS)
    return Added(source_id, fetched.title, fetched.uri, status, len(texts), flags)


def add_sources(settings: Settings, project: str, specs: list[str], texts: list[str] | None = None,
                on_item: Callable[[str, str, str], None] | None = None,
                on_progress: Callable[[float, str], None] | None = None) -> list[Added]:
    """Fetch and store URLs/files and pasted texts; a bad source fails alone (reported via on_item)."""
    work: list[tuple[str, Callable[[], FetchedSource]]] = [(s, lambda s=s: load(s)) for s in specs]
    work += [(f"pasted text {i + 1}", lambda t=t: from_text(t)) for i, t in enumerate(texts or [])]
    added = []
    for n, (name, fetch) in enumerate(work):
        if on_progress:
            on_progress(n / max(1, len(work)), f"Reading {name}")
        try:
            result = add_source(settings, project, fetch())
        except ScriptwrightError as exc:
            if on_item:
                on_item(name, "failed", str(exc))
            continue
        added.append(result)
        if on_item:
            flagged = f"; {len(result.flags)} instruction-like passage(s) flagged" if result.flags else ""
            on_item(name, result.status, f"{result.chunks} chunks{flagged}")
    return added


def list_sources(settings: Settings, project: str) -> list[dict[str, Any]]:
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        found = rows(conn, "SELECT s.*, (SELECT count(*) FROM source_chunks c WHERE c.source_id = s.id) AS chunks"
                           " FROM sources s WHERE project_id = ? ORDER BY added_at, id", [project])
    for r in found:
        r["flags"] = json.loads(r["flags"]) if isinstance(r.get("flags"), str) else (r.get("flags") or [])
    return found


def search_sources(settings: Settings, project: str, query: str, k: int = 6, mode: str = "hybrid",
                   source_id: str | None = None) -> list[dict[str, Any]]:
    """The project's source chunks best matching a query, with their source's title and link,
    and the cosine similarity to the query (`similarity`, comparable across calls)."""
    where = f"project_id = '{_literal(project)}'" + (f" AND source_id = '{_literal(source_id)}'" if source_id else "")
    qvec = embed_one(query)
    hits = VectorStore(settings.lancedb_dir).search(query, qvec, where, k, mode, table=SOURCE_CHUNKS)
    if not hits:
        return []
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        meta = {r["id"]: r for r in rows(
            conn, "SELECT c.id, c.flagged, s.title, s.uri, s.kind FROM source_chunks c JOIN sources s ON s.id = c.source_id"
                  " WHERE c.id IN (SELECT unnest(?))", [[h["id"] for h in hits]])}
    sims = embed([h["text"] for h in hits]) @ qvec
    out = []
    for h, sim in zip(hits, sims):
        m = meta.get(h["id"])
        if m is None:  # vectors of a source whose DuckDB rows never committed
            continue
        out.append({"chunk_id": h["id"], "source_id": h["source_id"], "title": m["title"], "uri": m["uri"],
                    "kind": m["kind"], "text": h["text"], "flagged": bool(m["flagged"]), "score": h["score"],
                    "similarity": round(float(sim), 4)})
    return out


def _literal(value: str) -> str:
    return value.replace("'", "''")


def passages_block(passages: list[dict[str, Any]], label: str = "P", max_chars: int = 700) -> str:
    """Numbered passages for a prompt; instruction-like sentences are withheld from the model."""
    lines = []
    for i, p in enumerate(passages, start=1):
        text = redact(p["text"]) if p.get("flagged") or find_instructions(p["text"]) else p["text"]
        lines.append(f"[{label}{i}] ({p.get('title') or p.get('uri') or 'source'}) {text[:max_chars]}")
    return "\n".join(lines)


def cited_ids(cites: list[str], n: int, label: str = "P") -> list[int]:
    """Passage numbers (0-based) a model cited as 'P2', '[P2]', '2'; unknown ones are dropped."""
    out: list[int] = []
    for cite in cites or []:
        m = re.search(rf"(?:{label})?\s*(\d+)", str(cite), re.I)
        if m and 1 <= int(m.group(1)) <= n and int(m.group(1)) - 1 not in out:
            out.append(int(m.group(1)) - 1)
    return out


def best_match(text: str, candidates: list[str]) -> tuple[int, float]:
    """Index and cosine similarity of the candidate closest in meaning to text."""
    if not candidates:
        return -1, 0.0
    vecs = embed([text] + candidates)
    sims = vecs[1:] @ vecs[0]
    i = int(np.argmax(sims))
    return i, float(sims[i])
