"""Titles: the styles the publish kit writes, the inputs the title program gets (the same for a
draft and for an eval example), closeness to the creator's own titles, and the title eval set.

An eval example is one of the creator's videos: inputs are the key points of its transcript,
its opening words and the creator's titles of the train split's other videos; the label is its
real title. Videos known only by an id (untitled) are left out.
"""

from __future__ import annotations

from typing import Any

import dspy

from pipelines.embed import embed
from pipelines.evals import key_points
from pipelines.evidence.injection import redact
from pipelines.ingest.model import titled

TITLE_STYLES = {
    "question": "ask the question the video answers",
    "number": "lead with a number the video is about (a count, a year, a measure)",
    "outcome": "say what the viewer will understand or be able to do after watching",
    "curiosity gap": "hint at a surprise the video resolves without giving the answer away",
    "plain": "say plainly what the video explains, as an encyclopedia heading would",
}
# The eval asks for the creator's own usual title, not one style: the label is the title they chose.
EVAL_STYLE = "whichever kind of title this creator would most likely give this video"
OPENING_WORDS = 60
PAST_TITLES = 12


def title_inputs(text: str) -> tuple[list[str], str]:
    """(key points, opening) of a spoken text: its most central sentences and its first words."""
    return key_points(text), " ".join(text.split()[:OPENING_WORDS])


def closeness(titles: list[str], past_titles: list[str]) -> list[tuple[float, str | None]]:
    """For each title, its highest cosine (MiniLM) to one of the creator's titles, and that title."""
    past = [t for t in past_titles if titled(t)]
    if not titles:
        return []
    if not past:
        return [(0.0, None) for _ in titles]
    vecs = embed(titles + past)
    sims = vecs[:len(titles)] @ vecs[len(titles):].T
    return [(round(float(row.max()), 3), past[int(row.argmax())]) for row in sims]


def title_eval_examples(docs: list[Any], splits: dict[str, list[str]]) -> list[dict[str, Any]]:
    """One stored example per video (documents with video_id, title, text); past titles come from
    the train split only, never the video's own."""
    where = {vid: name for name, ids in splits.items() for vid in ids}
    train = {d.video_id: d.title for d in docs if where[d.video_id] == "train"}
    out = []
    for d in docs:
        points, opening = title_inputs(d.text)
        out.append({"id": d.video_id, "split": where[d.video_id], "reference": d.title, "key_points": points,
                    "opening": opening, "past_titles": sorted(t for vid, t in train.items() if vid != d.video_id)})
    return out


def title_examples(eval_set: dict[str, Any], split: str) -> list[dspy.Example]:
    """One split of a title eval set as DSPy examples; `title` (the real one) serves as a labelled demo
    when compiling. What reaches a prompt has instruction-like text withheld; `reference` stays as is."""
    return [dspy.Example(creator=eval_set["creator_name"], past_titles=[redact(t) for t in e["past_titles"]],
                         key_points=[redact(k) for k in e["key_points"]], opening=redact(e["opening"]),
                         title_style=EVAL_STYLE, title=redact(e["reference"]), reference=e["reference"],
                         example_id=e["id"]).with_inputs("creator", "past_titles", "key_points", "opening",
                                                         "title_style")
            for e in eval_set["examples"] if e["split"] == split]
