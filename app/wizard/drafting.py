"""The wizard's drafting steps, one function per tab: outline, hooks, script, checks and export; each
version of the draft is saved as a new version. Drawing only."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.components import plain
from app.draft_views import checks_view, export_buttons, feedback_row, save_and_rerun, script_view
from app.wizard.context import Wizard, launch
from pipelines.costs import estimate_line
from pipelines.drafting import drafts
from pipelines.drafting.steps import choose_hook
from pipelines.job_params import AUDIENCE_LEVELS
from pipelines.usable import empty_sections_message, has_script

def outline(w: Wizard) -> None:
    """The framework and section plan, editable, or the whole video drafted in one job."""
    s, project_id, current, draft = w.settings, w.project_id, w.current, w.draft
    w.banners("outline")
    cols = st.columns(3)
    minutes = cols[0].number_input("Target length (minutes, 0 = your typical video)", 0.0, 60.0,
                                   value=0.0, step=0.5, key="nv_minutes")
    level = cols[1].selectbox("Audience level", AUDIENCE_LEVELS, index=AUDIENCE_LEVELS.index(
        draft.audience_level), key="nv_level")
    if cols[2].button("Write the outline", key="nv_outline"):
        w.draft_step("outline", {"target_minutes": minutes or None, "audience_level": level})
    if cols[2].button("Draft the whole video", key="nv_whole", icon=":material/fast_forward:",
                      help="Outline, hooks (the best one chosen), script and checks in one job."):
        launch("draft", {"project": project_id, "base_version": current["version"] if current else None,
                         "target_minutes": minutes or None, "audience_level": level}, "outline")
    cols[2].caption(estimate_line(s, research=False))
    if draft.outline:
        w.gaps(draft.problems.get("outline"))
        fw = draft.framework
        if fw:
            st.markdown(f"**Framework: {plain(fw.name)}** — {plain(fw.why)}")
        else:
            st.caption("No educational framework is recorded for this outline.")
        table = pd.DataFrame([{"title": o.title, "goal": o.goal, "beats": "; ".join(o.beats),
                               "minutes": round((o.duration_s or 0) / 60, 1)} for o in draft.outline])
        edited = st.data_editor(table, hide_index=True, width="stretch", disabled=["minutes"], key="nv_outline_edit")
        if st.button("Save outline edits", key="nv_outline_save"):
            save_and_rerun(project_id, current["version"], drafts.edit_outline(draft, edited.to_dict("records")),
                           "edited the outline")
    else:
        st.info("The outline picks an educational framework for this idea and sizes each section from your "
                "speaking pace.")


def hooks(w: Wizard) -> None:
    """Four hooks, one per style, scored for the voice and on a rubric; one chosen and edited."""
    project_id, current, draft = w.project_id, w.current, w.draft
    w.banners("hooks")
    if st.button("Write hooks", key="nv_hooks", disabled=not draft.outline):
        w.draft_step("hooks")
    if draft.outline:
        w.gaps(draft.problems.get("hooks"))
    if draft.hooks:
        table = pd.DataFrame([{"style": h.style, "score": h.score, "voice": h.voice,
                               **h.rubric, "hook": h.text} for h in draft.hooks])
        st.dataframe(table, hide_index=True, width="stretch")
        ids = [h.id for h in draft.hooks]
        chosen_id = draft.hook.id if draft.hook else None
        styles = {h.id: h.style for h in draft.hooks}
        pick = st.radio("Use", ids, index=ids.index(chosen_id) if chosen_id in ids else 0, horizontal=True,
                        key="nv_hook_pick", format_func=lambda h: styles.get(h, h))
        picked = next(h for h in draft.hooks if h.id == pick)
        text = st.text_area("Edit it if you like", picked.text, key=f"nv_hook_text_{pick}")
        if picked.voice_note:
            st.caption(picked.voice_note)
        if st.button("Use this hook", key="nv_hook_use"):
            save_and_rerun(project_id, current["version"], choose_hook(draft, pick, text), f"chose hook {pick}",
                           "hook")
    else:
        st.info("Hooks come in four styles (question, surprising fact, story, stakes), each scored for your voice "
                "and on a judge's rubric." if draft.outline else "Write the outline first.")


def script(w: Wizard) -> None:
    """The script section by section, editable, with feedback on the whole draft."""
    project_id, current, draft = w.project_id, w.current, w.draft
    w.banners("script")
    if st.button("Write the script", key="nv_script", disabled=not draft.outline):
        w.draft_step("script")
    if draft.sections:
        w.gaps([empty_sections_message(draft, (current["lm"] or {}).get("writer"))])
        script_view(project_id, current, editable=True)
        st.markdown("**The whole draft**")
        feedback_row(project_id, current["version"], "draft", "draft", f"fb_draft_{current['version']}")
    else:
        st.info("The script is written section by section in your voice, with citations kept on the sentences "
                "that use them." if draft.outline else "Write the outline first.")


def checks(w: Wizard) -> None:
    """Coherence, difficulty, safety and voice fidelity of the script's sentences."""
    project_id, current, draft = w.project_id, w.current, w.draft
    w.banners("checks")
    if st.button("Run the checks", key="nv_checks", disabled=not has_script(draft)):
        w.draft_step("checks")
    if current and has_script(draft):
        checks_view(project_id, current)
    else:
        st.info("Write the script first: the checks need its sentences.")


def export(w: Wizard) -> None:
    """The draft as Markdown or JSON (refused while the script has no sentences)."""
    project_id, current, draft = w.project_id, w.current, w.draft
    if current and draft.sections:
        export_buttons(project_id, current["version"])
    else:
        st.info("Write the script first.")
