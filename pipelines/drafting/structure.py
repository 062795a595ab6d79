"""Outlines measured on the structure of the creator's real videos: the outline eval set.

A video's structure is its segments, in order: runs of its stored chunks (~150 words each) cut
where one chunk's topic shifts from the next (their cosine under SAME_TOPIC). An example's inputs
are the video's title and its most central sentences as numbered notes, ordered by closeness to
the title as the wizard orders research notes (so the notes never give the order away); the label
is the segments, each kept as the texts of its chunks.
"""

from __future__ import annotations

from typing import Any

import dspy
import numpy as np

from pipelines.drafting.openings import numbered
from pipelines.embed import embed
from pipelines.evals import idea_of, key_points
from pipelines.evidence.injection import redact
from pipelines.text import split_sentences
from pipelines.settings import Settings
from pipelines.store.duckdb import connect, rows

# Adjacent chunks of one video at this cosine or more stay in one segment. Measured on the demo
# corpus's 20 videos (4-6 chunks each): adjacent chunks 0.38-0.87 (median 0.65), chunks two or more
# apart 0.23-0.85 (median 0.58); at the adjacent median about half the joins are cut, 2-4 segments a video.
SAME_TOPIC = 0.65
N_NOTES = 8
DEMO_BEATS = 4  # beats per section in a labelled demo: the first sentence of each of its first chunks
DEMO_WORDS = 20
AUDIENCE = "general viewers. They ask: nothing yet"


def video_chunks(settings: Settings, video_ids: list[str]) -> dict[str, list[str]]:
    """Each video's chunk texts, in order."""
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        found = rows(conn, "SELECT video_id, text FROM chunks WHERE video_id IN (SELECT unnest(?))"
                           " ORDER BY video_id, idx", [[int(v) for v in video_ids]])
    out: dict[str, list[str]] = {v: [] for v in video_ids}
    for r in found:
        out[str(r["video_id"])].append(r["text"])
    return out


def segments(chunks: list[str], same_topic: float = SAME_TOPIC) -> list[list[str]]:
    """The chunks grouped into segments, in order: a new segment where adjacent chunks' cosine drops
    under `same_topic`."""
    if not chunks:
        return []
    vecs = embed(chunks)
    out = [[chunks[0]]]
    for i in range(1, len(chunks)):
        if float(vecs[i - 1] @ vecs[i]) < same_topic:
            out.append([])
        out[-1].append(chunks[i])
    return out


def title_ordered_points(title: str, text: str, n: int = N_NOTES) -> list[str]:
    """The n most central sentences of a text, closest to the title first."""
    points = key_points(text, n)
    if len(points) < 2:
        return points
    vecs = embed([title, *points])
    order = np.argsort(-(vecs[1:] @ vecs[0]), kind="stable")
    return [points[i] for i in order]


def outline_eval_examples(settings: Settings, docs: list[Any], splits: dict[str, list[str]]) -> list[dict[str, Any]]:
    """One stored example per video (documents with video_id, title, text)."""
    where = {vid: name for name, ids in splits.items() for vid in ids}
    chunks = video_chunks(settings, [d.video_id for d in docs])
    ideas = {d.video_id: idea_of(d.title, d.text) for d in docs}
    return [{"id": d.video_id, "split": where[d.video_id], "title": ideas[d.video_id],
             "notes": title_ordered_points(ideas[d.video_id], d.text), "segments": segments(chunks[d.video_id])}
            for d in docs]


def _cut(text: str, n: int) -> str:
    words = text.split()
    return " ".join(words[:n]) + ("…" if len(words) > n else "")


def real_sections(segments: list[list[str]]) -> list[dict[str, Any]]:
    """The real video's segments written as the outline's sections, for a labelled demo: each titled by
    its opening words, its goal its first sentence, its beats the first sentence of each of its chunks."""
    out = []
    for segment in filter(None, segments):
        firsts = [next(iter(split_sentences(redact(chunk))), "") for chunk in segment]
        out.append({"title": _cut(firsts[0], 6), "goal": _cut(firsts[0], DEMO_WORDS),
                    "beats": [_cut(f, DEMO_WORDS) for f in firsts[:DEMO_BEATS] if f]})
    return out


def outline_examples(eval_set: dict[str, Any], split: str, frameworks: str) -> list[dspy.Example]:
    """One split of an outline eval set as DSPy examples (`frameworks` is the catalogue the wizard shows).
    The label is `segments` (what the metric reads) and, so that a compiled program's labelled demos show
    the model a real structure, `sections` (the signature's output; a demo with no output field is dropped)."""
    return [dspy.Example(idea=redact(e["title"]), audience=AUDIENCE, notes=numbered([redact(n) for n in e["notes"]]),
                         frameworks=frameworks, segments=e["segments"], sections=real_sections(e["segments"]),
                         title=e["title"],
                         creator_slug=eval_set["creator"], example_id=e["id"])
            .with_inputs("idea", "audience", "notes", "frameworks")
            for e in eval_set["examples"] if e["split"] == split]
