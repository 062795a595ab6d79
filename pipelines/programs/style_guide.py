"""Creator DNA programs: a concrete style guide, and a library of recurring stories and analogies."""

from __future__ import annotations

from typing import TYPE_CHECKING

import dspy
from pydantic import BaseModel, Field

from pipelines.evidence.injection import redact

if TYPE_CHECKING:
    from pipelines.prompts import Selection


class StyleRule(BaseModel):
    rule: str = Field(description="one concrete instruction a writer can follow")
    example: str = Field(description="a short quote from the excerpts that shows it")


class Story(BaseModel):
    kind: str = Field(description="analogy, example or personal story")
    summary: str = Field(description="what the story or analogy is, in one sentence")
    quote: str = Field(description="a few words quoted from the excerpt where it appears")


class WriteStyleGuide(dspy.Signature):
    """Write a creator's style guide (instructions: prompts/style_guide/)."""

    creator: str = dspy.InputField(desc="the creator's name")
    measurements: str = dspy.InputField(desc="measured facts about how the creator speaks and teaches")
    signature_phrases: str = dspy.InputField(desc="phrases this creator uses far more than others")
    excerpts: str = dspy.InputField(desc="numbered passages from the creator's transcripts")
    summary: str = dspy.OutputField(desc="two sentences on how this creator sounds and teaches")
    do: list[StyleRule] = dspy.OutputField(desc="what to do to sound like the creator")
    dont: list[StyleRule] = dspy.OutputField(desc="what to avoid, because the creator never does it")


class FindStories(dspy.Signature):
    """Collect a creator's recurring analogies, examples and stories (instructions: prompts/story_library/)."""

    creator: str = dspy.InputField(desc="the creator's name")
    excerpts: str = dspy.InputField(desc="numbered passages from the creator's transcripts")
    stories: list[Story] = dspy.OutputField(desc="recurring analogies, examples and personal stories")


def numbered(excerpts: list[str], max_chars: int = 500) -> str:
    """Numbered transcript excerpts for a prompt; instruction-like sentences are withheld from the model."""
    return "\n".join(f"[{i + 1}] {redact(text)[:max_chars]}" for i, text in enumerate(excerpts))


def write_style_guide(selection: Selection, creator: str, measurements: str, phrases: list[str],
                      excerpts: list[str]) -> dspy.Prediction:
    return dspy.Predict(selection.signature("style_guide"))(
        creator=creator, measurements=measurements, signature_phrases="; ".join(phrases), excerpts=numbered(excerpts))


def find_stories(selection: Selection, creator: str, excerpts: list[str]) -> dspy.Prediction:
    return dspy.Predict(selection.signature("story_library"))(creator=creator, excerpts=numbered(excerpts))
