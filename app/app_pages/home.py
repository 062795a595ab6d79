import streamlit as st

from app import state
from app.components import job_panel
from app.state import prompt_problems, settings, startup
from pipelines import jobs

st.title("Scriptwright")
st.caption("From an idea to a researched, fact-checked script that sounds like you.")

boot = startup()
if boot["seed_job"] and jobs.get(settings(), boot["seed_job"])["status"] not in jobs.FINAL:
    st.subheader("Loading the demo creators")
    job_panel(boot["seed_job"])
if problems := prompt_problems():
    st.warning("Some prompts are broken; their steps will not run. See the Prompt Lab.\n\n"
               + "\n".join(f"- `{p}`" for p in problems))
if boot["recovered"]:
    st.warning(f"{len(boot['recovered'])} job(s) interrupted by an earlier crash were marked failed; see Jobs.")

creators = state.creators()
cols = st.columns(4)
cols[0].metric("Creators", len(creators))
cols[1].metric("Videos", sum(c["videos"] for c in creators))
cols[2].metric("Words", f"{sum(c['words'] for c in creators):,}")
cols[3].metric("Hours", f"{sum(c['hours'] for c in creators):.1f}")

if creators:
    st.dataframe(
        [{"creator": c["name"], "videos": c["videos"], "words": c["words"], "hours": c["hours"], "chunks": c["chunks"]}
         for c in creators],
        hide_index=True, width="stretch",
    )
else:
    st.info("No creators yet. Add one on the Creators page.")

st.markdown("#### Where to go")
st.page_link("app_pages/creators.py", label="Ingest a channel and explore a corpus", icon=":material/groups:")
st.page_link("app_pages/new_video.py", label="Take a new idea from validation to script", icon=":material/lightbulb:")
st.page_link("app_pages/jobs.py", label="Watch running jobs", icon=":material/pending_actions:")
