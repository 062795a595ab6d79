"""Every step in one table: its signature, the module that runs it, the LM role it runs with, its
prompt folder, and, for a step the Prompt Lab measures, its eval program and metric id.

Prompts (which steps exist and what their files must declare), compiled programs (which module a
saved state belongs to), evals (which programs have eval sets, and how each run's metric is
named), the CLI and the Prompt Lab all read this table; nothing else lists steps.
"""

from __future__ import annotations

from dataclasses import dataclass

import dspy

from pipelines.errors import ScriptwrightError
from pipelines.programs.assistant import AssistantTurn, RewritePassage
from pipelines.programs.channel_summary import SummarizeChannel
from pipelines.programs.drafting import (HookWriter, OutlineVideo, OutlineWriter, RateHook, ScriptWriter, WriteHook,
                                         WriteScript, WriteSection)
from pipelines.programs.evidence import (ClaimJudge, ExtractClaims, JudgeClaim, NoteWriter, ValidateIdea,
                                         WriteResearchNotes)
from pipelines.programs.publish import CutShort, TitleWriter, WriteDescription, WritePost, WriteTitle
from pipelines.programs.style_guide import FindStories, WriteStyleGuide


@dataclass(frozen=True)
class Step:
    """One step. `name` is also its prompt folder (prompts/<name>/). A step with a `program` has an
    eval set of that name scored by the metric `metric`; one with a `module` too can be compiled."""

    name: str
    signature: type[dspy.Signature]
    role: str
    module: type[dspy.Module] | None = None
    program: str | None = None
    metric: str | None = None

    @property
    def compilable(self) -> bool:
        return self.program is not None and self.module is not None

    @property
    def prompt_folder(self) -> str:
        return self.name


# v2: voice is the open-set fidelity (this creator rather than anyone else); v1 runs scored voice
# among known creators only and must not be compared with v2 runs.
SCRIPT_METRIC_ID = "script-metric-v2"
TITLE_METRIC_ID = "title-metric-v1"
HOOK_METRIC_ID = "hook-metric-v1"
OUTLINE_METRIC_ID = "outline-metric-v1"
ASSISTANT_METRIC_ID = "assistant-tasks-v1"

STEPS: tuple[Step, ...] = (
    Step("channel_summary", SummarizeChannel, "writer"),
    Step("style_guide", WriteStyleGuide, "writer"),
    Step("story_library", FindStories, "writer"),
    Step("idea_validation", ValidateIdea, "research"),
    Step("research_notes", WriteResearchNotes, "research", NoteWriter),
    Step("claim_extraction", ExtractClaims, "judge"),
    Step("claim_verdict", JudgeClaim, "judge", ClaimJudge),
    Step("outline", OutlineVideo, "research", OutlineWriter, "outline", OUTLINE_METRIC_ID),
    Step("hook", WriteHook, "writer", HookWriter, "hook", HOOK_METRIC_ID),
    Step("hook_rubric", RateHook, "judge"),
    Step("script_section", WriteSection, "writer"),
    Step("script_writer", WriteScript, "writer", ScriptWriter, "script", SCRIPT_METRIC_ID),
    Step("assistant", AssistantTurn, "research", program="assistant", metric=ASSISTANT_METRIC_ID),
    Step("rewrite", RewritePassage, "writer"),
    Step("title", WriteTitle, "writer", TitleWriter, "title", TITLE_METRIC_ID),
    Step("description", WriteDescription, "writer"),
    Step("short", CutShort, "writer"),
    Step("community_post", WritePost, "writer"),
)
_BY_NAME = {s.name: s for s in STEPS}
# The order programs are offered in (the CLI's default and the Prompt Lab's first choice is script).
PROGRAM_ORDER = ("script", "assistant", "title", "hook", "outline")


def step(name: str) -> Step:
    """The step of that name; an unknown one is an error listing the known steps."""
    if name not in _BY_NAME:
        raise ScriptwrightError(f"Unknown step '{name}'; known steps: {', '.join(sorted(_BY_NAME))}.")
    return _BY_NAME[name]


def signatures() -> dict[str, type[dspy.Signature]]:
    """Every step whose instructions come from prompts/: step name -> its signature."""
    return {s.name: s.signature for s in STEPS}


def programs() -> dict[str, Step]:
    """Programs with eval sets, in PROGRAM_ORDER: program name -> its step."""
    found = {s.program: s for s in STEPS if s.program}
    return {name: found[name] for name in PROGRAM_ORDER}


def program(name: str) -> Step:
    """The step an eval program measures; an unknown program is an error listing them."""
    found = programs()
    if name not in found:
        raise ScriptwrightError(f"Unknown program '{name}'; programs with eval sets: {', '.join(found)}.")
    return found[name]


def compilable() -> dict[str, Step]:
    """Programs that can be compiled (they have a module): program name -> its step."""
    return {name: s for name, s in programs().items() if s.compilable}


def compilable_steps() -> dict[str, str]:
    """Steps a pipeline tag may point at a compiled program: step name -> the program that serves it."""
    return {s.name: name for name, s in compilable().items()}
