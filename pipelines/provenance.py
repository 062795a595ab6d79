"""Which model wrote a piece of text, and whether it was the embedded offline model.

The embedded 135M model proves the plumbing; what it writes is a placeholder, and everything it
wrote says so where a creator reads it: the wizard, Drafts, the Assistant and the exports.
A draft records the model behind each part it holds (`Draft.models`: outline, hooks, script;
publish-kit parts carry their own `lm`); drafts saved before that record fall back to the models
of the version's step.
"""

from __future__ import annotations

from pipelines.drafting.content import Draft
from pipelines.settings import EMBEDDED_LM, ROLES, Settings

PLACEHOLDER_NOTE = "Offline placeholder model: set a real model in Settings for real drafts."
SET_A_REAL_MODEL = "Set a real model in Settings for real drafts."
# The role whose model writes each drafting part.
WRITER_ROLE = {"outline": "research", "hooks": "writer", "script": "writer"}


def is_placeholder(model: str | None) -> bool:
    """Whether a model string (as recorded, maybe with " at <server>") is the embedded offline model."""
    return (model or "").split(" at ", 1)[0].strip() == EMBEDDED_LM


def record_writer(content: Draft, step: str, roles: dict[str, str]) -> None:
    """Note in the draft which model wrote the part `step` made (steps that write no text change nothing)."""
    role = WRITER_ROLE.get(step)
    if role and roles.get(role):
        content.models = {**content.models, step: roles[role]}


def draft_writers(content: Draft, version_lm: dict[str, str] | None = None) -> dict[str, str]:
    """The model behind each written part of a draft (its outline, hooks, script and publish-kit parts)."""
    models = dict(content.models)
    if not models and version_lm:  # a draft saved before parts recorded their model
        present = {"outline": content.outline, "hooks": content.hooks, "script": content.sections}
        models = {part: version_lm[role] for part, role in WRITER_ROLE.items() if present[part] and version_lm.get(role)}
    for part, kit in content.publish.items():
        if isinstance(kit, dict) and kit.get("lm"):
            models[part] = kit["lm"]
    return models


def placeholder_parts(content: Draft, version_lm: dict[str, str] | None = None) -> list[str]:
    """The parts of a draft the embedded offline model wrote."""
    return [part for part, model in draft_writers(content, version_lm).items() if is_placeholder(model)]


def placeholder_line(parts: list[str]) -> str:
    """One line for a page or an export naming what the offline model wrote ("" when nothing)."""
    if not parts:
        return ""
    return f"Written by the offline placeholder model ({EMBEDDED_LM}): {', '.join(parts)}. {SET_A_REAL_MODEL}"


def setup_line(settings: Settings) -> str:
    """What the roles still on the offline model mean for a new draft ("" when every role has a real model)."""
    roles = [role for role in ROLES if is_placeholder(settings.lm_for(role))]
    if not roles:
        return ""
    which = "Every role uses" if len(roles) == len(ROLES) else f"The {' and '.join(roles)} role{'s' * (len(roles) > 1)} use" \
        + ("" if len(roles) > 1 else "s")
    return (f"{which} the offline placeholder model ({EMBEDDED_LM}): what it writes shows each step working, "
            f"not a script to record. {SET_A_REAL_MODEL}")


def placeholder_jobs(settings: Settings, job_ids: list[str]) -> set[str]:
    """Of these jobs, those whose model calls went to the embedded offline model."""
    from pipelines.store.duckdb import connect

    ids = sorted({j for j in job_ids if j})
    if not ids:
        return set()
    with connect(settings.duckdb_path, settings.lock_retry_s) as conn:
        found = conn.execute(f"SELECT DISTINCT job_id FROM lm_calls WHERE model = ? AND job_id IN "
                             f"({', '.join('?' * len(ids))})", [EMBEDDED_LM, *ids]).fetchall()
    return {r[0] for r in found}
