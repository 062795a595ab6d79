"""Drafting programs: an outline on an educational framework, hooks and their rubric, and a
script section in the creator's voice with its citations."""

from __future__ import annotations

import dspy
from pydantic import BaseModel, Field


class SectionPlan(BaseModel):
    title: str = Field(description="a short section title")
    goal: str = Field(description="what the viewer understands by the end of the section")
    beats: list[str] = Field(description="the points the section makes, in order")


class OutlineVideo(dspy.Signature):
    """Plan an educational video on a framework (instructions: prompts/outline/)."""

    idea: str = dspy.InputField(desc="the video's working title or idea")
    audience: str = dspy.InputField(desc="who the video is for and the questions they ask")
    notes: str = dspy.InputField(desc="numbered research notes [N1], [N2], ...")
    frameworks: str = dspy.InputField(desc="the frameworks to choose from, one per line: id: name — when to use")
    framework: str = dspy.OutputField(desc="the id of the chosen framework, exactly as listed")
    why: str = dspy.OutputField(desc="why this framework suits the idea, in one sentence")
    sections: list[SectionPlan] = dspy.OutputField(desc="one section per beat of the framework, in order")


class OutlineWriter(dspy.Module):
    """The outline step the wizard runs and the Prompt Lab evaluates and compiles: idea, audience,
    notes and the framework catalogue → a framework and one plan per section."""

    def __init__(self, signature: type[dspy.Signature] = OutlineVideo) -> None:
        super().__init__()
        self.plan = dspy.Predict(signature)

    def forward(self, idea: str, audience: str, notes: str, frameworks: str,
                config: dict | None = None) -> dspy.Prediction:
        """`config` passes call options (a retry's rollout id) to the predictor; the sections come back
        as plain dicts (title, goal, beats)."""
        pred = self.plan(idea=idea, audience=audience, notes=notes, frameworks=frameworks, config=config or {})
        sections = [s.model_dump() if isinstance(s, BaseModel) else dict(s) for s in pred.sections or []]
        return dspy.Prediction(framework=str(pred.framework or ""), why=str(pred.why or ""), sections=sections)


class WriteHook(dspy.Signature):
    """Write the opening hook of a video in one style (instructions: prompts/hook/)."""

    idea: str = dspy.InputField(desc="the video's working title or idea")
    style: str = dspy.InputField(desc="the kind of hook to write")
    voice: str = dspy.InputField(desc="how the creator talks: style rules and signature phrases")
    facts: str = dspy.InputField(desc="facts from the research the hook may use")
    hook: str = dspy.OutputField(desc="three to five sentences the creator says to camera")


class HookWriter(dspy.Module):
    """The hook step the wizard runs once per style and the Prompt Lab evaluates and compiles:
    idea, style, voice and facts → the opening the creator says to camera."""

    def __init__(self, signature: type[dspy.Signature] = WriteHook) -> None:
        super().__init__()
        self.write = dspy.Predict(signature)

    def forward(self, idea: str, style: str, voice: str, facts: str, config: dict | None = None) -> dspy.Prediction:
        """`config` passes call options (a retry's rollout id) to the predictor; the hook comes back stripped."""
        pred = self.write(idea=idea, style=style, voice=voice, facts=facts, config=config or {})
        return dspy.Prediction(hook=str(pred.hook or "").strip())


class RateHook(dspy.Signature):
    """Rate a hook on a rubric (instructions: prompts/hook_rubric/)."""

    idea: str = dspy.InputField(desc="the video's working title or idea")
    hook: str = dspy.InputField(desc="the opening to rate")
    curiosity: int = dspy.OutputField(desc="1 to 5: does it make a viewer need to know more")
    clarity: int = dspy.OutputField(desc="1 to 5: is it clear what the video is about")
    promise: int = dspy.OutputField(desc="1 to 5: does it promise something the video can deliver")
    critique: str = dspy.OutputField(desc="one sentence on how to make it stronger")


class Sentence(BaseModel):
    text: str = Field(description="one sentence of the script, as the creator would say it")
    cites: list[str] = Field(description="ids of the notes this sentence uses, e.g. ['N2']; empty if none")


class WriteSection(dspy.Signature):
    """Write one section of a script in the creator's voice (instructions: prompts/script_section/)."""

    creator: str = dspy.InputField(desc="the creator's name")
    voice: str = dspy.InputField(desc="the creator's style guide, measured habits and signature phrases")
    examples: str = dspy.InputField(desc="real passages the creator said about similar things")
    section: str = dspy.InputField(desc="the section's title, goal, beats and length in words")
    notes: str = dspy.InputField(desc="numbered research notes [N1], [N2], ... to use and cite")
    previous: str = dspy.InputField(desc="the end of the previous section, to continue from")
    sentences: list[Sentence] = dspy.OutputField(desc="the section's sentences, in order")


class WriteScript(dspy.Signature):
    """Write a passage of a video script in the creator's voice (instructions: prompts/script_writer/)."""

    creator: str = dspy.InputField(desc="the creator's name")
    voice: str = dspy.InputField(desc="the creator's style guide, measured habits and signature phrases")
    title: str = dspy.InputField(desc="the video's title")
    key_points: str = dspy.InputField(desc="the points the passage must make, in order")
    target_words: int = dspy.InputField(desc="about how many words to write")
    sentences: list[str] = dspy.OutputField(desc="the passage, one spoken sentence per item")


class ScriptWriter(dspy.Module):
    """The program the Prompt Lab evaluates and compiles: title + key points → a passage in the voice."""

    def __init__(self, signature: type[dspy.Signature] = WriteScript) -> None:
        super().__init__()
        self.write = dspy.Predict(signature)

    def forward(self, creator: str, voice: str, title: str, key_points: list[str], target_words: int,
                config: dict | None = None) -> dspy.Prediction:
        """`config` passes call options (a retry's rollout id) to the predictor; the prediction has
        the passage as one text (`script`) and as its non-empty sentences."""
        pred = self.write(creator=creator, voice=voice, title=title,
                          key_points="\n".join(f"- {p}" for p in key_points), target_words=target_words,
                          config=config or {})
        sentences = [s.strip() for s in pred.sentences if s.strip()]
        return dspy.Prediction(script=" ".join(sentences), sentences=sentences)
