"""New video: pick the creator and project, draw the stepper, and hand each tab to its step in app/wizard/."""

import streamlit as st

from app import state
from app.components import CHOSEN_PROJECT, job_banners, pick_creator, placeholder_note
from app.draft_views import unsaved_edits
from app.state import settings
from app.wizard import drafting, evidence
from app.wizard.context import DRAFT_STEPS, RESULT_NAMES, STATE_ICONS, STEPS, Wizard, launch
from app.wizard.publish import publish_tab
from pipelines.drafting import drafts
from pipelines.drafting.kit import kit_state
from pipelines.errors import ScriptwrightError
from pipelines.evidence import projects
from pipelines.provenance import is_placeholder, placeholder_line, placeholder_parts, setup_line
from pipelines.usable import draft_states, result_state

st.title("New video")
s = settings()
creator = pick_creator(state.creators(), "nv_creator", "No creators yet. Ingest a channel on the Creators page first.")

mine = projects.list_projects(s, creator["slug"])
NEW = "+ A new idea"  # ASCII: headless Chromium has no glyph for a fullwidth plus
choices = [NEW] + [p["id"] for p in mine]
if st.session_state.get("nv_pending") in choices:
    st.session_state.nv_project = st.session_state.pop("nv_pending")
if st.session_state.nv_project not in choices:
    chosen = st.session_state.get(CHOSEN_PROJECT)  # the project picked last, here or on the Drafts page
    st.session_state.nv_project = chosen if chosen in choices else choices[1] if len(choices) > 1 else NEW
titles = {p["id"]: p["working_title"] for p in mine}
project_id = st.selectbox("Project", choices, key="nv_project", format_func=lambda p: titles.get(p, p))
if project_id != NEW:
    st.session_state[CHOSEN_PROJECT] = project_id

with st.form("nv_idea_form"):
    default = "" if project_id == NEW else next(p["idea"] for p in mine if p["id"] == project_id)
    idea = st.text_input("Working title or idea", value=default, placeholder="e.g. Why the Monty Hall answer is 2/3")
    if st.form_submit_button("Validate idea"):
        try:
            if not idea.strip():
                raise ScriptwrightError("Describe the video in a few words first.")
            found = projects.ensure_project(s, creator["slug"], idea)
            st.session_state.nv_pending = found["id"]
            launch("idea-validate", {"creator": creator["slug"], "idea": idea.strip(), "title": idea.strip()}, "idea")
        except ScriptwrightError as exc:
            st.error(str(exc))

listed = job_banners("new_video/idea")

if project_id == NEW:
    placeholder_note(setup_line(s), "nv_setup")
    st.info("Start with an idea: Scriptwright compares it with your past videos, your audience's comments and "
            "(when a search provider is configured) competing videos, then gives an honest verdict.")
    st.stop()

project = projects.get_project(s, project_id)
done = {kind: projects.result(s, project_id, kind) for kind, _ in STEPS}
current = drafts.find(s, project_id)
seen = st.session_state.draft_seen.get(project_id)
if current and seen and seen < current["version"] and current.get("job_id") not in st.session_state.active_jobs:
    editing = drafts.find(s, project_id, seen)
    if editing and unsaved_edits(editing):  # another tab or process saved meanwhile: keep what this session typed
        st.warning(f"v{current['version']} was saved while you were editing v{seen}. Saving keeps your edit as a "
                   f"new version based on v{seen}; compare the two on the Drafts page.")
        current = editing
if current:
    st.session_state.draft_seen[project_id] = current["version"]
w = Wizard(s, creator, project_id, project, done, current, listed)
draft = w.draft
states = {**{kind: result_state(done[kind]["content"] if done[kind] else None) for kind, _ in STEPS},
          **draft_states(draft), "publish": kit_state(draft)}
st.markdown("  →  ".join(f"**{label}** {STATE_ICONS[states[kind]]}" if states[kind] in STATE_ICONS else label
                         for kind, label in STEPS + DRAFT_STEPS))
if current:
    st.caption(f"Draft v{current['version']} · {current['step']} · {current['note'] or ''} · tag "
               f"{current['pipeline_tag'] or 'stable'} — every change is a new version (see Drafts)")
offline = [RESULT_NAMES[kind] for kind, _ in STEPS if done[kind] and is_placeholder(done[kind]["lm"])]
offline += placeholder_parts(draft, current["lm"] if current else None)
placeholder_note(placeholder_line(offline) or setup_line(s), "nv")
(tab_idea, tab_research, tab_verify, tab_audience, tab_outline, tab_hooks, tab_script, tab_checks, tab_publish,
 tab_export) = st.tabs([label for _, label in STEPS + DRAFT_STEPS], key="nv_step", on_change="rerun")
for tab, draw in ((tab_idea, evidence.idea), (tab_research, evidence.research), (tab_verify, evidence.verify),
                  (tab_audience, evidence.audience), (tab_outline, drafting.outline), (tab_hooks, drafting.hooks),
                  (tab_script, drafting.script), (tab_checks, drafting.checks)):
    with tab:
        draw(w)
with tab_publish:
    publish_tab(project_id, current, launch)
with tab_export:
    drafting.export(w)
