"""Creator DNA: measured features, signature phrases, a style guide and a story library,
saved as versioned snapshots. Rebuilding an unchanged corpus is a no-op."""

from __future__ import annotations

import difflib
import hashlib
import json
import random
import uuid
from typing import Any

import dspy

from pipelines import corpus
from pipelines.errors import ScriptwrightError
from pipelines.jobs import JobContext, job_kind
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, rows
from pipelines.voice.documents import Document, load_documents
from pipelines.voice.features import creator_profile, text_features, video_features
from pipelines.voice.phrases import Doc, signature_phrases

MIN_VIDEOS = 3
N_EXCERPTS = 8

# The measurements shown to people and to the style-guide writer: (key, label, unit).
MEASUREMENTS = [
    ("wpm", "speaking pace", "words/min"),
    ("median_sentence_len", "median sentence length", "words"),
    ("sentence_len_p90", "long sentences (90th percentile)", "words"),
    ("mtld", "vocabulary richness (MTLD)", ""),
    ("reading_grade", "reading level (Flesch–Kincaid grade)", ""),
    ("question_rate", "questions", "per 1,000 words"),
    ("you_rate", "direct address (you/your)", "per 1,000 words"),
    ("we_rate", "inclusive we/let's", "per 1,000 words"),
    ("i_rate", "first person (I/me/my)", "per 1,000 words"),
    ("hedge_rate", "hedges", "per 1,000 words"),
    ("number_rate", "numbers and symbols", "per 1,000 words"),
    ("exclaim_rate", "exclamations", "per 1,000 words"),
]


def corpus_hash(settings: Settings, creator_id: int) -> str:
    """A hash of which videos a creator has and their content: changes iff the corpus does."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        pairs = conn.execute("SELECT source_id, content_hash FROM videos WHERE creator_id = ? ORDER BY source_id",
                             [creator_id]).fetchall()
    return hashlib.sha256(json.dumps(pairs).encode()).hexdigest()[:24]


def measurements_text(profile: dict[str, dict[str, float]]) -> str:
    """The creator's median measurements, one readable line each."""
    lines = []
    for key, label, unit in MEASUREMENTS:
        stats = profile.get(key)
        if stats and stats.get("median") is not None:
            lines.append(f"- {label}: {stats['median']:.1f} {unit}".rstrip())
    return "\n".join(lines)


def contrasts(profile: dict[str, dict[str, float]], others: dict[str, dict[str, float]]) -> list[str]:
    """Measured rules: where the creator differs clearly (1.5x either way) from other creators."""
    rules = []
    for key, label, unit in MEASUREMENTS:
        mine, theirs = (profile.get(key) or {}).get("median"), (others.get(key) or {}).get("median")
        if mine is None or theirs is None or max(mine, theirs) < 1:
            continue
        ratio = (mine + 0.5) / (theirs + 0.5)
        if ratio >= 1.5 or ratio <= 1 / 1.5:
            more = "more" if ratio > 1 else "less"
            if key in {"median_sentence_len", "sentence_len_p90"}:
                more = "longer" if ratio > 1 else "shorter"
            figures = f"{mine:.1f} vs {theirs:.1f} {unit}".strip()
            rules.append(f"{label[0].upper()}{label[1:]}: {more} than other creators ({figures}).")
    return rules


def _phrase_docs(docs: list[Document], urls: dict[str, str | None]) -> list[Doc]:
    return [Doc(d.video_id, d.title, urls.get(d.video_id), d.segments) for d in docs]


def _excerpts(docs: list[Document], seed: int) -> list[str]:
    """Openings of a few videos plus passages from their middles: how the creator starts and teaches."""
    rng = random.Random(seed)
    picked = rng.sample(docs, min(len(docs), N_EXCERPTS // 2))
    out = []
    for d in picked:
        words = d.text.split()
        out.append(" ".join(words[:90]))
        mid = len(words) // 2
        out.append(" ".join(words[mid:mid + 90]))
    return out[:N_EXCERPTS]


def _link_story(settings: Settings, slug: str, story: dict[str, Any]) -> dict[str, Any]:
    """Where a story occurs: the best passage for its quote (or, failing that, its summary)."""
    for query, mode in ((story.get("quote"), "fts"), (story.get("summary"), "hybrid")):
        if query and query.strip():
            hits = corpus.search(settings, query, slug, k=1, mode=mode)
            if hits:
                h = hits[0]
                return {**story, "video_id": h["video_id"], "title": h["title"], "start_s": h["start_s"],
                        "link": h["link"]}
    return {**story, "video_id": None, "title": None, "start_s": None, "link": None}


@job_kind("dna-build")
def run_dna_build(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Measure, find phrases, write the style guide and stories, save a new snapshot."""
    from pipelines.lm import lm_for_role, user_facing_lm_errors
    from pipelines.programs.style_guide import find_stories, write_style_guide

    settings = ctx.settings
    creator = corpus.get_creator(settings, params["creator"])
    digest = corpus_hash(settings, creator["id"])
    current = latest(settings, creator["slug"])
    if current and current["corpus_hash"] == digest and not params.get("force"):
        return {"status": "unchanged", "creator": creator["slug"], "version": current["version"]}
    selection = ctx.prompts(params.get("tag"), params.get("prompts"))
    for step in ("style_guide", "story_library"):
        selection.signature(step)  # a broken prompt stops the build before any work

    ctx.progress(0.05, "Loading transcripts")
    docs = load_documents(settings, [creator["slug"]])
    if len(docs) < MIN_VIDEOS:
        raise ScriptwrightError(f"{creator['name']} has {len(docs)} video(s) with transcripts; "
                                f"the Creator DNA needs at least {MIN_VIDEOS}. Ingest more videos first.")
    per_video = {}
    for i, d in enumerate(docs):
        ctx.progress(0.05 + 0.35 * i / len(docs), f"Measuring {d.title}")
        per_video[d.video_id] = video_features(corpus.video_segments(settings, int(d.video_id)))
    numeric = [{k: v for k, v in f.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
               for f in per_video.values()]
    profile = creator_profile(numeric)

    ctx.progress(0.45, "Finding signature phrases")
    others = [d for d in load_documents(settings) if d.creator != creator["slug"]]
    if others:
        others_profile = creator_profile([text_features(d.text) for d in others])
    else:
        from pipelines.voice.phrases import background_from_sample

        others_profile = creator_profile([text_features(" ".join(t for _, t in d.segments))
                                          for d in background_from_sample(exclude_docs=_phrase_docs(docs, {}))])
    urls = {str(v["id"]): corpus.timestamp_url(v["source"], v["source_id"], v["url"], None)
            for v in corpus.list_videos(settings, creator["id"])}
    phrases = signature_phrases(_phrase_docs(docs, urls), _phrase_docs(others, {}), n=25)
    phrase_rows = [{"phrase": p.ngram, "z": round(p.z, 3), "count": p.target_count, "background": p.background_count,
                    "videos": p.n_videos,
                    "examples": [{"video_id": e.video_id, "title": e.title, "start_s": e.start_s, "context": e.context,
                                  "link": _at(e.url, e.start_s)} for e in p.examples]} for p in phrases]

    writer = lm_for_role(settings, "writer")
    excerpts = _excerpts(docs, seed=int(digest[:8], 16))
    ctx.progress(0.6, f"Writing the style guide with {writer.model}")
    with user_facing_lm_errors("Style guide", writer.model), dspy.context(lm=writer, adapter=dspy.JSONAdapter()):
        guide = write_style_guide(selection, creator["name"], measurements_text(profile),
                                  [p.ngram for p in phrases[:12]], excerpts)
    ctx.progress(0.8, "Collecting stories and analogies")
    with user_facing_lm_errors("Story library", writer.model), dspy.context(lm=writer, adapter=dspy.JSONAdapter()):
        found = find_stories(selection, creator["name"], excerpts)
    stories = [_link_story(settings, creator["slug"], s.model_dump()) for s in found.stories]

    style_guide = {"summary": guide.summary, "do": [r.model_dump() for r in guide.do],
                   "dont": [r.model_dump() for r in guide.dont], "measurements": measurements_text(profile),
                   "measured_rules": contrasts(profile, others_profile)}
    snapshot_id = uuid.uuid4().hex[:12]
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        version = conn.execute("SELECT coalesce(max(version), 0) + 1 FROM dna_snapshots WHERE creator_id = ?",
                               [creator["id"]]).fetchone()[0]
        conn.execute(
            "INSERT INTO dna_snapshots (id, creator_id, version, corpus_hash, n_videos, features, video_features,"
            " style_guide, signature_phrases, stories, prompt_versions, lm, job_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [snapshot_id, creator["id"], version, digest, len(docs), json.dumps(profile),
             json.dumps(per_video, default=str), json.dumps(style_guide), json.dumps(phrase_rows),
             json.dumps(stories), json.dumps(selection.record), writer.model, ctx.job_id],
        )
    return {"status": "built", "creator": creator["slug"], "version": version, "videos": len(docs),
            "phrases": len(phrase_rows), "stories": len(stories)}


def _at(url: str | None, start_s: float | None) -> str | None:
    if url and "youtube.com/watch" in url and start_s is not None:
        return url.split("&t=")[0] + f"&t={int(start_s)}s"
    return url


def _decode(row: dict[str, Any]) -> dict[str, Any]:
    for key in ("features", "video_features", "style_guide", "signature_phrases", "stories", "prompt_versions"):
        if isinstance(row.get(key), str):
            row[key] = json.loads(row[key])
    return row


def list_snapshots(settings: Settings, creator: str) -> list[dict[str, Any]]:
    """A creator's DNA versions, newest first (without the bulky parts)."""
    c = corpus.get_creator(settings, creator)
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        return rows(conn, "SELECT version, created_at, corpus_hash, n_videos, lm, prompt_versions FROM dna_snapshots"
                          " WHERE creator_id = ? ORDER BY version DESC", [c["id"]])


def snapshot(settings: Settings, creator: str, version: int | None = None) -> dict[str, Any]:
    """One DNA version (the latest by default); a clear error when there is none."""
    c = corpus.get_creator(settings, creator)
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        found = rows(conn, "SELECT * FROM dna_snapshots WHERE creator_id = ? AND (? IS NULL OR version = ?)"
                           " ORDER BY version DESC LIMIT 1", [c["id"], version, version])
    if not found:
        which = f"version {version}" if version else "any version"
        raise ScriptwrightError(f"No Creator DNA ({which}) for {c['name']}; run `scriptwright dna build "
                                f"--creator {c['slug']}` first.")
    return _decode(found[0]) | {"creator": c["name"], "slug": c["slug"]}


def latest(settings: Settings, creator: str) -> dict[str, Any] | None:
    try:
        return snapshot(settings, creator)
    except ScriptwrightError:
        return None


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """What changed between two DNA versions: measurements, phrases, and the style guide text."""
    changes = []
    for key, label, unit in MEASUREMENTS:
        a, b = (old["features"].get(key) or {}).get("median"), (new["features"].get(key) or {}).get("median")
        if a is not None and b is not None and round(a, 1) != round(b, 1):
            changes.append({"measurement": label, "old": round(a, 2), "new": round(b, 2), "unit": unit})
    old_p = {p["phrase"] for p in old["signature_phrases"]}
    new_p = {p["phrase"] for p in new["signature_phrases"]}
    guide = difflib.unified_diff(_guide_lines(old), _guide_lines(new), f"v{old['version']}", f"v{new['version']}",
                                 lineterm="")
    return {"old": old["version"], "new": new["version"], "videos": [old["n_videos"], new["n_videos"]],
            "measurements": changes, "phrases_added": sorted(new_p - old_p), "phrases_removed": sorted(old_p - new_p),
            "style_guide_diff": "\n".join(guide)}


def _guide_lines(snap: dict[str, Any]) -> list[str]:
    g = snap["style_guide"]
    return ([g.get("summary", "")] + list(g.get("measured_rules", [])) + [f"DO {r['rule']} (\"{r['example']}\")" for r in g.get("do", [])]
            + [f"DON'T {r['rule']} (\"{r['example']}\")" for r in g.get("dont", [])])
