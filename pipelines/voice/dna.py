"""Creator DNA: measured features, signature phrases, a style guide and a story library,
saved as versioned snapshots. Rebuilding an unchanged corpus is a no-op.

A snapshot is built in two parts. The measured part needs no LM and is saved first, so it is
in use (drafting, the assistant, the Voice page) even when the written part fails; the written
part (style guide and stories) is then filled into the same snapshot, and can be retried alone.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import random
import re
import uuid
from typing import Any

import dspy

from pipelines import corpus
from pipelines.errors import ScriptwrightError
from pipelines.job_params import DnaParams
from pipelines.jobs import JobContext, job_kind
from pipelines.lm import lm_for_role, user_facing_lm_errors
from pipelines.prompts import Selection
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, execute, rows
from pipelines.voice.documents import Document, load_documents
from pipelines.voice.features import creator_profile, text_features, video_features
from pipelines.voice.phrases import Doc, signature_phrases

MIN_VIDEOS = 3
N_EXCERPTS = 8
PARTS = ("all", "measured", "guide")
# A snapshot's style guide while it is not written, as a person reads it.
GUIDE_NOT_WRITTEN = {"measured": "not written yet (the measured part is in use)",
                     "writing": "being written…", "failed": "not written (writing it failed)"}

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


def _others_profile(settings: Settings, creator: dict[str, Any], docs: list[Document],
                    others: list[Document]) -> dict[str, dict[str, float]]:
    """The profile the creator is contrasted with: the workspace's other creators, else the demo corpus."""
    if others:
        return creator_profile([text_features(d.text) for d in others])
    from pipelines.voice.phrases import background_from_sample

    return creator_profile([text_features(" ".join(t for _, t in d.segments))
                            for d in background_from_sample(exclude_docs=_phrase_docs(docs, {}))])


def measure(ctx: JobContext, creator: dict[str, Any]) -> dict[str, Any]:
    """The measured part of a creator's DNA (no LM): per-video features, the profile, signature
    phrases, and the measurements and measured rules the style guide starts from."""
    settings = ctx.settings
    ctx.progress(0.05, "Loading transcripts")
    docs = load_documents(settings, [creator["slug"]])
    if len(docs) < MIN_VIDEOS:
        raise ScriptwrightError(f"{creator['name']} has {len(docs)} video(s) with transcripts; "
                                f"the Creator DNA needs at least {MIN_VIDEOS}. Ingest more videos first.")
    per_video = {}
    for i, d in enumerate(docs):
        ctx.progress(0.05 + 0.6 * i / len(docs), f"Measuring {d.title}")
        per_video[d.video_id] = video_features(corpus.video_segments(settings, int(d.video_id)))
    numeric = [{k: v for k, v in f.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
               for f in per_video.values()]
    profile = creator_profile(numeric)

    ctx.progress(0.7, "Finding signature phrases")
    others = [d for d in load_documents(settings) if d.creator != creator["slug"]]
    urls = {str(v["id"]): corpus.timestamp_url(v["source"], v["source_id"], v["url"], None)
            for v in corpus.list_videos(settings, creator["id"])}
    phrases = signature_phrases(_phrase_docs(docs, urls), _phrase_docs(others, {}), n=25)
    phrase_rows = [{"phrase": p.ngram, "z": round(p.z, 3), "count": p.target_count, "background": p.background_count,
                    "videos": p.n_videos,
                    "examples": [{"video_id": e.video_id, "title": e.title, "start_s": e.start_s, "context": e.context,
                                  "link": _at(e.url, e.start_s)} for e in p.examples]} for p in phrases]
    guide = {"measurements": measurements_text(profile),
             "measured_rules": contrasts(profile, _others_profile(settings, creator, docs, others))}
    return {"n_videos": len(docs), "features": profile, "video_features": per_video, "style_guide": guide,
            "signature_phrases": phrase_rows}


def save_measured(settings: Settings, creator_id: int, digest: str, measured: dict[str, Any], job_id: str) -> int:
    """Save the measured part as the creator's next DNA version (its style guide not written yet)."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        version = conn.execute("SELECT coalesce(max(version), 0) + 1 FROM dna_snapshots WHERE creator_id = ?",
                               [creator_id]).fetchone()[0]
        conn.execute(
            "INSERT INTO dna_snapshots (id, creator_id, version, corpus_hash, n_videos, features, video_features,"
            " style_guide, signature_phrases, stories, guide_status, job_id)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '[]', 'measured', ?)",
            [uuid.uuid4().hex[:12], creator_id, version, digest, measured["n_videos"], json.dumps(measured["features"]),
             json.dumps(measured["video_features"], default=str), json.dumps(measured["style_guide"]),
             json.dumps(measured["signature_phrases"]), job_id],
        )
    return version


def _not_a_sentence(text: str, min_words: int) -> bool:
    """Junk as model output goes: too few real words ("#1"), one word over and over, or a field's
    placeholder echoed back (the embedded model answered a summary with "{summary}")."""
    words = re.findall(r"[^\W\d_]{2,}", text.lower())
    return (len(words) < min_words or (len(words) > 1 and len(set(words)) == 1)
            or re.search(r"\{\s*\w+\s*\}", text) is not None)


def guide_problem(summary: str, do: list[str], dont: list[str]) -> str | None:
    """Why a written style guide is not usable (None when it is): a real guide has a summary in
    sentences and at least one real rule on each side."""
    if _not_a_sentence(summary or "", 3):
        return f"its summary is not a sentence: {summary!r}" if summary.strip() else "its summary is empty"
    for rules, side in ((do, "do"), (dont, "don't")):
        if not rules:
            return f"it has no {side} rules"
        junk = next((r for r in rules if _not_a_sentence(r, 1)), None)
        if junk is not None:
            return f"a {side} rule is not a sentence: {junk!r}"
    return None


def _claim_guide(settings: Settings, snapshot_id: str, job_id: str) -> bool:
    """Mark a snapshot's style guide as being written by this job, unless it is written or another
    live job is writing it (one UPDATE, so two jobs cannot both claim it)."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        claimed = conn.execute(
            "UPDATE dna_snapshots SET guide_status = 'writing', guide_job_id = ?, guide_error = NULL"
            " WHERE id = ? AND guide_status <> 'written' AND (guide_status <> 'writing' OR coalesce(guide_job_id, '')"
            " NOT IN (SELECT id FROM jobs WHERE status IN ('queued', 'running') AND id <> ?)) RETURNING id",
            [job_id, snapshot_id, job_id]).fetchall()
    return bool(claimed)


def _retry_hint(slug: str) -> str:
    return (f"Write it again (Voice page, or `scriptwright dna build --creator {slug} --part guide`), or set a real "
            "model for the writer (SCRIPTWRIGHT_LM_WRITER or SCRIPTWRIGHT_LM; see Settings).")


def write_guide(ctx: JobContext, selection: Selection, creator: dict[str, Any], snap: dict[str, Any]) -> None:
    """The written part: the style guide and story library from the snapshot's measurements, filled
    into that snapshot. A failure is recorded on the snapshot (its measurements stay) and raised."""
    from pipelines.programs.style_guide import find_stories, write_style_guide

    settings = ctx.settings
    if not _claim_guide(settings, snap["id"], ctx.job_id):
        state = guide_state(settings, snapshot(settings, creator["slug"], snap["version"]))
        held = (f"already has its style guide; `scriptwright dna build --creator {creator['slug']} --force` "
                "builds a new version" if state["status"] == "written"
                else f"is having its style guide written by job {state['job_id']}")
        raise ScriptwrightError(f"{creator['name']}'s Creator DNA v{snap['version']} {held}.")
    phrases = [p["phrase"] for p in snap["signature_phrases"][:12]]
    measured = snap["style_guide"]
    try:
        writer = lm_for_role(settings, "writer")
        excerpts = _excerpts(load_documents(settings, [creator["slug"]]), seed=int(snap["corpus_hash"][:8], 16))
        ctx.progress(0.0, f"Writing the style guide with {writer.model}")
        with user_facing_lm_errors("Style guide", writer.model), dspy.context(lm=writer, adapter=dspy.JSONAdapter()):
            guide = write_style_guide(selection, creator["name"], measured["measurements"], phrases, excerpts)
        problem = guide_problem(guide.summary, [r.rule for r in guide.do], [r.rule for r in guide.dont])
        if problem:
            raise ScriptwrightError(f"Style guide: the answer from {writer.model} is not a usable guide ({problem}).")
        ctx.progress(0.5, "Collecting stories and analogies")
        with user_facing_lm_errors("Story library", writer.model), dspy.context(lm=writer, adapter=dspy.JSONAdapter()):
            found = find_stories(selection, creator["name"], excerpts)
    except ScriptwrightError as exc:
        error = f"{exc} {_retry_hint(creator['slug'])}"
        execute(settings.duckdb_path, "UPDATE dna_snapshots SET guide_status = 'failed', guide_error = ?"
                                      " WHERE id = ? AND guide_job_id = ?", [error, snap["id"], ctx.job_id],
                settings.lock_retry_s)
        raise ScriptwrightError(f"{creator['name']}'s measured Creator DNA (v{snap['version']}: measurements and "
                                f"signature phrases) is saved and in use, but its style guide was not written. "
                                f"{error}") from exc
    stories = [_link_story(settings, creator["slug"], s.model_dump()) for s in found.stories]
    written = {**measured, "summary": guide.summary, "do": [r.model_dump() for r in guide.do],
               "dont": [r.model_dump() for r in guide.dont]}
    execute(settings.duckdb_path,
            "UPDATE dna_snapshots SET style_guide = ?, stories = ?, prompt_versions = ?, lm = ?,"
            " guide_status = 'written', guide_error = NULL WHERE id = ? AND guide_job_id = ?",
            [json.dumps(written), json.dumps(stories), json.dumps(selection.record), writer.model, snap["id"],
             ctx.job_id], settings.lock_retry_s)


def _guide_prompts(ctx: JobContext, params: dict[str, Any]) -> Selection:
    selection = ctx.prompts(params.get("tag"), params.get("prompts"))
    for step in ("style_guide", "story_library"):
        selection.signature(step)  # a broken prompt stops the build before any work
    return selection


def _measured_for_guide(settings: Settings, creator: dict[str, Any], current: dict[str, Any] | None,
                        digest: str) -> dict[str, Any]:
    """The snapshot a guide-only run writes into: the latest, measured on the corpus as it is now."""
    if current is None:
        raise ScriptwrightError(f"No Creator DNA for {creator['name']} yet: build it first "
                                f"(`scriptwright dna build --creator {creator['slug']}`).")
    if current["corpus_hash"] != digest:
        raise ScriptwrightError(f"{creator['name']}'s videos changed since DNA v{current['version']} was measured; "
                                f"build it again (`scriptwright dna build --creator {creator['slug']}`).")
    return current


@job_kind("dna-build", DnaParams)
def run_dna_build(ctx: JobContext, params: dict[str, Any]) -> dict[str, Any]:
    """Build a creator's DNA in parts. The measured part (no LM) is saved first as a new version and is
    in use at once; the written part (style guide, stories) is then filled into that version.
    params: creator, part (all | measured | guide; default all), force, tag, prompts."""
    settings = ctx.settings
    part = params.get("part") or "all"
    if part not in PARTS:
        raise ScriptwrightError(f"DNA part '{part}': expected one of {', '.join(PARTS)}.")
    creator = corpus.get_creator(settings, params["creator"])
    selection = _guide_prompts(ctx, params) if part != "measured" else None
    digest = corpus_hash(settings, creator["id"])
    snap = latest(settings, creator["slug"])
    if part == "guide":
        snap = _measured_for_guide(settings, creator, snap, digest)
    remeasure = part != "guide" and (snap is None or snap["corpus_hash"] != digest or bool(params.get("force")))
    if remeasure:
        version = save_measured(settings, creator["id"], digest,
                                measure(ctx.part(0.0, 0.4 if selection else 1.0), creator), ctx.job_id)
        snap = snapshot(settings, creator["slug"], version)
    rewrite = selection is not None and (part == "guide" or guide_state(settings, snap)["status"] != "written")
    if rewrite:
        write_guide(ctx.part(0.4 if remeasure else 0.0, 1.0), selection, creator, snap)
    if not (remeasure or rewrite):
        return {"status": "unchanged", "creator": creator["slug"], "version": snap["version"],
                "guide": snap["guide_status"]}
    done = snapshot(settings, creator["slug"], snap["version"])
    return {"status": "built", "creator": creator["slug"], "version": done["version"], "guide": done["guide_status"],
            "videos": done["n_videos"], "phrases": len(done["signature_phrases"]), "stories": len(done["stories"])}


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
        return rows(conn, "SELECT version, created_at, corpus_hash, n_videos, lm, prompt_versions, guide_status"
                          " FROM dna_snapshots"
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
    """The newest DNA version (its measured part at least), or None when there is none."""
    try:
        return snapshot(settings, creator)
    except ScriptwrightError:
        return None


def guide_state(settings: Settings, snap: dict[str, Any]) -> dict[str, str | None]:
    """Where a snapshot's written part stands: "measured" (not written yet), "writing", "written" or
    "failed" (with the error: why, and what to do), and the job writing it."""
    status, error, job_id = snap["guide_status"], snap["guide_error"], snap["guide_job_id"]
    if status == "writing":
        with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
            job = conn.execute("SELECT status, error FROM jobs WHERE id = ?", [job_id]).fetchone()
        if job and job[0] in ("queued", "running"):
            return {"status": "writing", "error": None, "job_id": job_id}
        why = ((job[1] if job else None) or f"it was {job[0] if job else 'lost'}").rstrip(".")
        status, error = "failed", f"The job writing it ({job_id}) stopped before it finished: {why}. " + \
            _retry_hint(snap["slug"])
    return {"status": status, "error": error, "job_id": job_id}


def revision(settings: Settings, creator: str) -> tuple[int, str] | None:
    """The newest DNA version and its written part's stored status: changes when a build saves either part."""
    c = corpus.get_creator(settings, creator)
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        found = conn.execute("SELECT version, guide_status FROM dna_snapshots WHERE creator_id = ?"
                             " ORDER BY version DESC LIMIT 1", [c["id"]]).fetchone()
    return tuple(found) if found else None


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
