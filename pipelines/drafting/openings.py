"""Hooks measured on the creator's real openings: the hook eval set.

An example is one of the creator's videos: the inputs are its title and its key points (the most
central sentences of what follows the opening, so the label never appears in the inputs); the
label is its real opening, the words said in its first 30 seconds by caption time (the first 80
words when the captions carry no times), capped at 80 words. Each example also keeps the lengths
of the train split's other openings, which the metric judges a hook's length against.
"""

from __future__ import annotations

from typing import Any

import dspy

from pipelines.evals import idea_of, key_points
from pipelines.evidence.injection import redact

OPENING_SECONDS = 30
OPENING_WORDS = 80
N_KEY_POINTS = 4
# The eval asks for the creator's usual opening, not one of the wizard's four styles.
EVAL_STYLE = "the way this creator usually opens a video"


def opening(segments: tuple[tuple[float | None, str], ...], text: str) -> str:
    """A video's first OPENING_SECONDS by caption time (the first OPENING_WORDS words without times),
    at most OPENING_WORDS words."""
    if not segments or all(start is None for start, _ in segments):
        return " ".join(text.split()[:OPENING_WORDS])
    said: list[str] = []
    for start, words in segments:
        if start is not None and start >= OPENING_SECONDS:
            break
        said += words.split()
    return " ".join(said[:OPENING_WORDS])


def hook_eval_examples(docs: list[Any], splits: dict[str, list[str]]) -> list[dict[str, Any]]:
    """One stored example per video (documents with video_id, title, text, segments)."""
    where = {vid: name for name, ids in splits.items() for vid in ids}
    openings = {d.video_id: opening(d.segments, d.text) for d in docs}
    out = []
    for d in docs:
        label = openings[d.video_id]
        rest = " ".join(d.text.split()[len(label.split()):])
        out.append({"id": d.video_id, "split": where[d.video_id], "title": idea_of(d.title, d.text), "reference": label,
                    "key_points": key_points(rest or d.text, N_KEY_POINTS),
                    "opening_lengths": sorted(len(t.split()) for vid, t in openings.items()
                                              if where[vid] == "train" and vid != d.video_id)})
    return out


def numbered(points: list[str]) -> str:
    """Points as the wizard numbers research notes: [N1] ..."""
    return "\n".join(f"[N{i + 1}] {p}" for i, p in enumerate(points)) or "(no research notes yet)"


def hook_examples(eval_set: dict[str, Any], split: str, voice: str) -> list[dspy.Example]:
    """One split of a hook eval set as DSPy examples; `hook` (the real opening) serves as a labelled demo
    when compiling. What reaches a prompt has instruction-like text withheld; `reference` stays as said.
    `train_openings` are the train split's other real openings: a compiled program's demos are among
    them, and a hook that repeats one is a copy too."""
    train = {e["id"]: e["reference"] for e in eval_set["examples"] if e["split"] == "train"}
    return [dspy.Example(idea=redact(e["title"]), style=EVAL_STYLE, voice=voice,
                         facts=numbered([redact(k) for k in e["key_points"]]), hook=redact(e["reference"]),
                         title=e["title"], key_points=e["key_points"], reference=e["reference"],
                         train_openings=[text for vid, text in train.items() if vid != e["id"]],
                         opening_lengths=e["opening_lengths"], creator_slug=eval_set["creator"], example_id=e["id"])
            .with_inputs("idea", "style", "voice", "facts")
            for e in eval_set["examples"] if e["split"] == split]
