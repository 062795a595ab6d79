"""Publishing programs: a title in one style, the description's summary, a Short cut from the
script, and a community post announcing the video."""

from __future__ import annotations

import dspy


class WriteTitle(dspy.Signature):
    """Write a title for a video the way the creator titles theirs (instructions: prompts/title/)."""

    creator: str = dspy.InputField(desc="the creator's name")
    past_titles: str = dspy.InputField(desc="titles of the creator's own videos, one per line")
    key_points: str = dspy.InputField(desc="the video's main points, one per line")
    opening: str = dspy.InputField(desc="the first words the creator says in the video")
    title_style: str = dspy.InputField(desc="the kind of title to write")
    title: str = dspy.OutputField(desc="one title, at most 100 characters")


class TitleWriter(dspy.Module):
    """The title program the Prompt Lab evaluates and compiles: key points and opening → a title."""

    def __init__(self, signature: type[dspy.Signature] = WriteTitle) -> None:
        super().__init__()
        self.write = dspy.Predict(signature)

    def forward(self, creator: str, past_titles: list[str], key_points: list[str], opening: str, title_style: str,
                config: dict | None = None) -> dspy.Prediction:
        """`config` passes call options (a retry's rollout id) to the predictor; the title comes back on one line."""
        pred = self.write(creator=creator, past_titles="\n".join(past_titles) or "(none yet)",
                          key_points="\n".join(f"- {p}" for p in key_points), opening=opening,
                          title_style=title_style, config=config or {})
        return dspy.Prediction(title=" ".join(str(pred.title or "").split()))


class WriteDescription(dspy.Signature):
    """Write the summary at the top of a video's description (instructions: prompts/description/)."""

    creator: str = dspy.InputField(desc="the creator's name")
    voice: str = dspy.InputField(desc="how the creator talks: style rules and signature phrases")
    idea: str = dspy.InputField(desc="the video's working title or idea")
    video_outline: str = dspy.InputField(desc="the video's sections, each with its first sentence")
    past_descriptions: str = dspy.InputField(desc="the openings of the creator's own past descriptions")
    summary: str = dspy.OutputField(desc="two to four sentences telling a viewer what the video gives them")


class CutShort(dspy.Signature):
    """Tighten a passage of the script into a Short with its own hook (instructions: prompts/short/)."""

    creator: str = dspy.InputField(desc="the creator's name")
    voice: str = dspy.InputField(desc="how the creator talks: style rules and signature phrases")
    idea: str = dspy.InputField(desc="what the whole video is about")
    short_passage: str = dspy.InputField(desc="the passage of the script to cut the Short from")
    max_words: int = dspy.InputField(desc="the most words the Short may have, hook line included")
    hook_line: str = dspy.OutputField(desc="the Short's first line: one sentence that makes a viewer stay")
    script: str = dspy.OutputField(desc="the rest of the Short: the passage tightened, as spoken sentences")


class WritePost(dspy.Signature):
    """Write a community post announcing a new video (instructions: prompts/community_post/)."""

    creator: str = dspy.InputField(desc="the creator's name")
    voice: str = dspy.InputField(desc="how the creator talks: style rules and signature phrases")
    video_title: str = dspy.InputField(desc="the new video's title")
    what_it_covers: str = dspy.InputField(desc="what the video gives the viewer, in a few sentences")
    post: str = dspy.OutputField(desc="one paragraph of 40 to 100 words to the creator's audience")
