"""A first, small program: what a channel is about, from excerpts of its own transcripts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dspy

if TYPE_CHECKING:
    from pipelines.prompts import Selection


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
