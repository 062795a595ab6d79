"""A first, small program: what a channel is about, from excerpts of its own transcripts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import dspy

from pipelines.text import split_sentences
from pipelines.usable import COPIED_RUN, longest_shared_run, looping, usable_items, usable_text

if TYPE_CHECKING:
    from pipelines.prompts import Selection

TOPIC_MAX_WORDS = 6  # "a few words each": a longer item is a sentence, not a subject
MAX_TOPICS = 5
PITCH_MIN_WORDS = 5


class SummarizeChannel(dspy.Signature):
    """Summarise a channel from its transcripts (instructions: prompts/channel_summary/)."""

    creator: str = dspy.InputField(desc="the creator's name")
    excerpts: str = dspy.InputField(desc="numbered passages from the creator's transcripts")
    topics: list[str] = dspy.OutputField(desc="three to five subjects the channel covers, a few words each")
    pitch: str = dspy.OutputField(desc="one sentence describing the channel to a new viewer")


def summarize_channel(selection: Selection, creator: str, excerpts: list[str]) -> dspy.Prediction:
    """Run the channel summary with the selected prompt version and the LM in the dspy context."""
    numbered = "\n".join(f"[{i + 1}] {text[:600]}" for i, text in enumerate(excerpts))
    return dspy.Predict(selection.signature("channel_summary"))(creator=creator, excerpts=numbered)


def _pitch_problem(pitch: str, creator: str, excerpts: list[str]) -> str | None:
    if loop := looping(pitch):
        return f"it says “{loop}” over and over"
    if not usable_text(pitch, [creator], PITCH_MIN_WORDS):
        return "it is empty, only the creator's name, or a few words"
    copied = max((longest_shared_run(pitch, e) for e in excerpts), key=lambda run: len(run.split()), default="")
    if len(copied.split()) >= COPIED_RUN:
        return f"it copies the transcripts (“{copied}”)"
    return None


def usable_summary(topics: list[str], pitch: str, creator: str, excerpts: list[str]) -> dict[str, Any]:
    """What of a channel summary can be shown: distinct topics of a few words that are not the
    creator's name nor a loop, and the pitch's first sentence unless it loops, is too short or
    copies the excerpts it was written from; `unusable` says why a part was left out."""
    kept: dict[str, str] = {}
    for topic in usable_items(topics, [creator]):
        topic = topic.strip("#*-• ").strip()
        if topic and len(topic.split()) <= TOPIC_MAX_WORDS:
            kept.setdefault(topic.lower(), topic)
    first = next(iter(split_sentences(pitch or "")), "")
    problem = _pitch_problem(first, creator, excerpts)
    unusable = {"pitch": problem} if problem else {}
    if not kept:
        unusable["topics"] = ("none was a subject of a few words other than the creator's name" if topics
                              else "it named none")
    return {"topics": list(kept.values())[:MAX_TOPICS], "pitch": "" if problem else first, "unusable": unusable}
