import json

import pandas as pd
import streamlit as st

from app.components import CHOSEN_PROJECT, placeholder_note
from app.draft_views import checks_view, export_buttons, script_view
from app.state import settings
from pipelines.drafting import drafts
from pipelines.evidence import projects
from pipelines.provenance import placeholder_line, placeholder_parts

st.title("Drafts")
s = settings()
with_drafts = [p for p in projects.list_projects(s) if drafts.find(s, p["id"])]
if not with_drafts:
    st.info("No drafts yet. Take an idea through the New video wizard, or run `scriptwright draft`.")
    st.stop()
titles = {p["id"]: p["working_title"] for p in with_drafts}
if st.session_state.get("dr_project") not in titles and st.session_state.get(CHOSEN_PROJECT) in titles:
    st.session_state.dr_project = st.session_state[CHOSEN_PROJECT]
project_id = st.selectbox("Project", list(titles), key="dr_project", format_func=titles.get)
st.session_state[CHOSEN_PROJECT] = project_id
history = drafts.versions(s, project_id)
table = pd.DataFrame([{"version": v["version"], "parent": v["parent_version"], "step": v["step"], "note": v["note"],
                       "tag": v["pipeline_tag"], "LMs": ", ".join(f"{r}: {m}" for r, m in (v["lm"] or {}).items()),
                       "cost $": v["cost_usd"], "created": str(v["created_at"])[:16]} for v in history])
st.dataframe(table, hide_index=True, width="stretch")
numbers = [v["version"] for v in history]
tab_read, tab_compare, tab_feedback = st.tabs(["Read", "Compare versions", "Feedback"])

with tab_read:
    version = st.selectbox("Version", numbers, key="dr_version")
    row = drafts.get(s, project_id, version)
    if version != numbers[0] and st.button(f"Restore v{version} as a new version", key="dr_restore"):
        new = drafts.restore(s, project_id, version)
        st.toast(f"Restored v{version} as v{new}")
        st.rerun()
    placeholder_note(placeholder_line(placeholder_parts(row["content"], row["lm"])), "dr")
    script_view(project_id, row, editable=False)
    with st.expander("Checks"):
        checks_view(project_id, row)
    export_buttons(project_id, version)

with tab_compare:
    if len(numbers) < 2:
        st.info("Only one version so far.")
    else:
        c1, c2 = st.columns(2)
        old = c1.selectbox("From", numbers, index=1, key="dr_old")
        new = c2.selectbox("To", numbers, index=0, key="dr_new")
        left, right = st.columns(2)
        left.text(drafts.plain_text(drafts.get(s, project_id, old)["content"]))
        right.text(drafts.plain_text(drafts.get(s, project_id, new)["content"]))
        st.code(drafts.diff(s, project_id, old, new) or "(no difference in the script)", language="diff")

with tab_feedback:
    given = drafts.list_feedback(s, project_id)
    if given:
        st.dataframe(pd.DataFrame(given)[["draft_version", "target_type", "target_id", "rating", "comment",
                                          "created_at"]], hide_index=True, width="stretch")
        examples = "\n".join(json.dumps(e, default=str) for e in drafts.feedback_examples(s, project_id))
        st.download_button("Download as evaluation examples (JSONL)", examples, f"{project_id}-feedback.jsonl",
                           "application/x-ndjson", key="dr_feedback_dl", on_click="ignore")
    else:
        st.info("No feedback yet: rate the hook, sections or the whole draft in the wizard's Script step.")
