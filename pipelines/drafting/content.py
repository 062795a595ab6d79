"""A draft version's content as typed data: the `Draft` and its parts.

Stored as JSON in drafts.content. Every field has a default, so versions stored before a field
existed still load, and keys not modelled here (`extra="allow"`) survive a load and save.
`stored()` writes back only the keys a draft was given or had set, so a loaded version saves in
the shape it was read in and old and new versions mix.

The publish kit (`publish`, its shape in drafting/kit.py) and the checks (`checks`, made by
drafting/checks.py run_checks) stay plain dicts here.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from pipelines.errors import ScriptwrightError


class _Part(BaseModel):
    model_config = ConfigDict(extra="allow", validate_assignment=True)


class Sentence(_Part):
    """One script sentence and the source chunks it cites ({chunk_id, title, uri})."""

    text: str = ""
    cites: list[dict[str, Any]] = Field(default_factory=list)


class Section(_Part):
    """One written section of the script."""

    id: str = ""
    title: str = ""
    sentences: list[Sentence] = Field(default_factory=list)
    duration_s: float | None = None


class OutlineSection(_Part):
    """One planned section: what it is for, its beats, and its share of the target length."""

    id: str = ""
    title: str = ""
    goal: str = ""
    beats: list[str] = Field(default_factory=list)
    words: int | None = None
    duration_s: float | None = None


class Framework(_Part):
    """The storytelling framework the outline follows and why it was chosen."""

    id: str | None = None
    name: str = ""
    why: str = ""


class Hook(_Part):
    """The chosen opening: a candidate's id and style, or id None and style "edited" for the creator's own."""

    id: str | None = None
    style: str = ""
    text: str = ""


class HookCandidate(_Part):
    """One written hook with its rubric scores (1-5), voice fidelity and overall score."""

    id: str = ""
    style: str = ""
    text: str = ""
    rubric: dict[str, int] = Field(default_factory=dict)
    critique: str | None = None
    voice: float | None = None
    voice_note: str | None = None
    score: float | None = None


class Draft(_Part):
    """A whole draft version: the idea and its settings, outline, hooks, script, checks and kit."""

    idea: str = ""
    creator: str = ""
    creator_name: str = ""
    audience_level: str = "general"
    target_words: int | None = None
    wpm: float | None = None
    framework: Framework | None = None
    outline: list[OutlineSection] = Field(default_factory=list)
    hooks: list[HookCandidate] = Field(default_factory=list)
    hook: Hook | None = None
    sections: list[Section] = Field(default_factory=list)
    checks: dict[str, Any] | None = None
    # per generated part ("outline", "hooks", "script", "publish.<part>"), what it left missing
    problems: dict[str, list[str]] = Field(default_factory=dict)
    # the model that wrote each part (pipelines/provenance.py record_writer)
    models: dict[str, str] = Field(default_factory=dict)
    publish: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def load(cls, content: Draft | dict[str, Any] | str | None, where: str = "The draft") -> Draft:
        """A Draft from stored content (a dict or its JSON); a clear error when it is not one."""
        if isinstance(content, Draft):
            return content
        try:
            if isinstance(content, str):
                return cls.model_validate_json(content)
            return cls.model_validate(content or {})
        except ValidationError as exc:
            first = exc.errors()[0]
            at = ".".join(map(str, first["loc"])) or "its content"
            raise ScriptwrightError(f"{where} is not a readable draft ({at}: {first['msg']}; "
                                    f"{exc.error_count()} problem(s)). Restore an earlier version.") from None

    def stored(self) -> dict[str, Any]:
        """The content as stored: JSON values (others as text), only the keys it was given or had set."""
        return self.model_dump(mode="json", exclude_unset=True, fallback=str)

    def hook_text(self) -> str:
        """The chosen hook's text ("" without one)."""
        return self.hook.text if self.hook else ""

    def section(self, section_id: str) -> Section | None:
        """The script section with this id, or None."""
        return next((s for s in self.sections if s.id == section_id), None)

    def plan(self, section_id: str) -> OutlineSection | None:
        """The outline section with this id, or None."""
        return next((o for o in self.outline if o.id == section_id), None)
