"""What every wizard step draws from: the chosen creator, project, step results and draft version, and
the one way a step starts its job. No business logic."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from app.components import job_banners, plain, start_job
from pipelines.drafting.content import Draft
from pipelines.evidence import projects
from pipelines.settings import Settings
from pipelines.usable import DONE, PARTIAL

STEPS = [("idea", ":material/lightbulb: Idea"), ("research", ":material/menu_book: Research"),
         ("verification", ":material/fact_check: Verify"), ("audience", ":material/forum: Audience")]
DRAFT_STEPS = [("outline", ":material/account_tree: Outline"), ("hooks", ":material/phishing: Hooks"),
               ("sections", ":material/edit_note: Script"), ("checks", ":material/rule: Checks"),
               ("publish", ":material/campaign: Publish"), ("export", ":material/ios_share: Export")]
RESULT_NAMES = {"idea": "idea verdict", "research": "research notes", "verification": "fact check",
                "audience": "audience questions"}
VERDICT_COLOURS = {"make it": "green", "sharpen it": "orange", "skip it": "red", "supported": "green",
                   "contradicted": "red", "not enough evidence": "orange"}
STATE_ICONS = {DONE: ":material/check_circle:", PARTIAL: ":material/warning:"}


def launch(kind: str, params: dict, step: str) -> None:
    """Start a step's job; its progress and outcome show in that step's tab (and the page reruns at once)."""
    start_job(kind, {**params, "tag": st.session_state.pipeline_tag, "prompts": st.session_state.prompt_overrides},
              f"new_video/{step}")


@dataclass
class Wizard:
    """One run of the wizard page: the workspace, creator and project, the latest result of each
    evidence step (`done`), the draft version on screen (`current`, its `draft` content), and the gaps
    a job banner already lists."""

    settings: Settings
    creator: dict[str, Any]
    project_id: str
    project: dict[str, Any]
    done: dict[str, dict | None]
    current: dict[str, Any] | None
    listed: set[str] = field(default_factory=set)  # gaps a job banner on this page already lists

    @property
    def draft(self) -> Draft:
        """The content of the version on screen (an empty draft when there is none)."""
        return self.current["content"] if self.current else Draft()

    def banners(self, step: str) -> None:
        """The step's job banners; the gaps they list are not listed again by `gaps`."""
        self.listed |= job_banners(f"new_video/{step}")

    def gaps(self, problems: list[str | None] | None) -> None:
        """What a step's model left missing, and what to do, above what it made (unless a banner says it)."""
        for problem in filter(None, problems or []):
            if not any(p == problem or p.endswith(f": {problem}") for p in self.listed):  # "Script: 4 of 5 …"
                st.warning(plain(problem), icon=":material/warning:")

    def draft_step(self, kind: str, extra: dict | None = None) -> None:
        """Run one drafting step on the version on screen."""
        launch(f"draft-{kind}", {"project": self.project_id,
                                 "base_version": self.current["version"] if self.current else None, **(extra or {})},
               kind)

    def version_of(self, kind: str, key: str) -> dict | None:
        """The result of an evidence step, with a version picker once there are several."""
        versions = [v["version"] for v in projects.result_versions(self.settings, self.project_id, kind)]
        if len(versions) > 1:
            chosen = st.selectbox("Version", versions, key=key)
            return projects.result(self.settings, self.project_id, kind, chosen)
        return self.done[kind]
