"""A first, small program: what a channel is about, from excerpts of its own transcripts."""

from __future__ import annotations

import dspy


class SummarizeChannel(dspy.Signature):
    """Read excerpts from one educational creator's videos and say, concretely and briefly,
    what the channel teaches and to whom. Use only what the excerpts show."""

    creator: str = dspy.InputField(desc="the creator's name")
    excerpts: str = dspy.InputField(desc="numbered passages from the creator's transcripts")
    topics: list[str] = dspy.OutputField(desc="three to five subjects the channel covers, a few words each")
    pitch: str = dspy.OutputField(desc="one sentence describing the channel to a new viewer")


def summarize_channel(creator: str, excerpts: list[str]) -> dspy.Prediction:
    """Run SummarizeChannel with the LM in the current dspy context."""
    numbered = "\n".join(f"[{i + 1}] {text[:600]}" for i, text in enumerate(excerpts))
    return dspy.Predict(SummarizeChannel)(creator=creator, excerpts=numbered)
