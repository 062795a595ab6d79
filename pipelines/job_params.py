"""The params of each job kind, as types (each kind names its own in `jobs.job_kind`), checked when a
job is created: a job that would fail on a missing or mistyped param is refused at once with one
readable line, and the stored params are the checked ones (numbers given as text stored as numbers).

Unknown keys are refused too: a misspelt option would otherwise be ignored in silence.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipelines.errors import ScriptwrightError

AUDIENCE_LEVELS = ("beginner", "general", "advanced")
AudienceLevel = Literal[AUDIENCE_LEVELS]
Split = Literal["train", "dev", "test"]


class Params(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Prompted(Params):
    """A job whose LM calls use a pipeline tag's prompts, optionally with some prompts overridden."""

    tag: str | None = None
    prompts: dict[str, str] | None = None


class NoParams(Params):
    pass


class IngestParams(Params):
    creator: str = Field(min_length=1)
    sources: list[str] = Field(min_length=1)
    lang: str | None = None
    comments: int | None = Field(None, ge=0)
    limit: int | None = Field(None, ge=1)
    overrides: dict[str, dict[str, Any]] | None = None
    handle: str | None = None
    channel_url: str | None = None
    description: str | None = None


class DnaParams(Prompted):
    creator: str = Field(min_length=1)
    part: str | None = None  # all, measured or guide: the job names them when it is none of those
    force: bool | None = None


class VoiceValidateParams(Params):
    folds: int | None = Field(None, ge=2)
    creators: list[str] | None = None
    creator: str | None = None
    unseen: str | None = None


class DemoParams(Prompted):
    query: str | None = None


class EvalRunParams(Params):
    creator: str = Field(min_length=1)
    variant: str = Field(min_length=1)
    program: str = "script"
    split: Split = "test"
    seed: int | None = None


class OptimizeParams(Prompted):
    creator: str = Field(min_length=1)
    program: str = "script"
    optimizer: str = "bootstrap"
    budget: int | None = Field(None, ge=1)
    seed: int | None = None


class ChatTurnParams(Prompted):
    session: str = Field(min_length=1)
    turn: int = Field(ge=0)


class PublishParams(Prompted):
    project: str = Field(min_length=1)
    part: str | None = None
    base_version: int | None = Field(None, ge=1)


class DraftStepParams(Prompted):
    """One drafting step (outline, hooks, script or checks) on a project's draft."""

    project: str = Field(min_length=1)
    base_version: int | None = Field(None, ge=1)
    target_minutes: float | None = Field(None, gt=0)
    target_words: int | None = Field(None, ge=1)
    audience_level: AudienceLevel | None = None


class DraftParams(DraftStepParams):
    """The whole draft: of a project, or of a new one from a creator and an idea; research first when
    sources or texts are given."""

    project: str | None = None
    creator: str | None = None
    idea: str | None = None
    title: str | None = None
    sources: list[str] | None = None
    texts: list[str] | None = None


class IdeaParams(Prompted):
    creator: str = Field(min_length=1)
    idea: str = Field(min_length=1)
    title: str | None = None


class VerifyParams(Prompted):
    project: str = Field(min_length=1)
    claims: list[str] | None = None
    text: str | None = None


class ResearchParams(Prompted):
    project: str = Field(min_length=1)
    topic: str | None = None
    sources: list[str] | None = None
    texts: list[str] | None = None
    web: bool | None = None
    corpus: bool | None = None


class AudienceParams(Prompted):
    creator: str = Field(min_length=1)
    idea: str | None = None
    project: str | None = None


def checked(kind: str, model: type[Params], params: dict[str, Any]) -> dict[str, Any]:
    """A job's params checked against its kind's type: the keys given, with their values as that type
    has them; a ScriptwrightError naming each wrong param when they do not fit."""
    try:
        typed = model.model_validate(params)
    except ValidationError as exc:
        wrong = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'params'}: {_reason(e)}" for e in exc.errors())
        raise ScriptwrightError(f"The {kind} job's params do not fit: {wrong}.") from None
    return typed.model_dump(mode="json", exclude_unset=True)


def _reason(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return "not a param of this job"
    return str(error["msg"]).lower()
