import streamlit as st

from app.components import job_panel
from app.state import settings
from pipelines import jobs
from pipelines.errors import ScriptwrightError

st.title("Jobs")
st.caption("Ingests, DNA builds, drafts, optimizer and eval runs. This page refreshes itself.")


@st.fragment(run_every=2.0)
def job_table() -> None:
    found = jobs.list_jobs(settings(), limit=100)
    # a CLI job killed while the app runs shows as failed now, not at the app's next start
    if any(j["status"] == "running" for j in found) and jobs.recover_stale(settings()):
        found = jobs.list_jobs(settings(), limit=100)
    if not found:
        st.info("No jobs yet.")
        return
    st.dataframe(
        [{"id": j["id"], "kind": j["kind"], "status": "partial" if jobs.is_partial(j) else j["status"],
          "progress": j["progress"],
          "message": (j["error"] or j["message"] or "")[:120], "created": j["created_at"],
          "finished": j["finished_at"]} for j in found],
        column_config={"progress": st.column_config.ProgressColumn("progress", min_value=0.0, max_value=1.0)},
        hide_index=True, width="stretch",
    )


job_table()

ids = [j["id"] for j in jobs.list_jobs(settings(), limit=100)]
if ids:
    picked = st.selectbox("Job", ids, key="job_pick")
    job = jobs.get(settings(), picked)
    job_panel(picked)
    if job["status"] not in jobs.FINAL and st.button("Cancel this job", key="cancel_job"):
        try:
            jobs.cancel(settings(), picked)
            st.toast("Cancel requested")
        except ScriptwrightError as exc:
            st.error(str(exc))
    with st.expander("Details"):
        st.json({k: job[k] for k in ("kind", "status", "params", "result", "items", "error", "initiating_job_id",
                                     "idempotency_key", "created_at", "started_at", "finished_at", "heartbeat_at")})
