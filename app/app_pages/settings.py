import streamlit as st

from app.state import settings, sign_in_configured
from pipelines import lm

st.title("Settings")
st.caption("Read-only: change these through SCRIPTWRIGHT_* environment variables or a .env file.")

s = settings()
st.subheader("Language models per role")
st.dataframe([{"role": role, "model": model} for role, model in lm.lm_summary(s).items()], hide_index=True)
st.subheader("Provider keys")
st.caption("Only whether a key is set is shown; values are never read into the page.")
st.dataframe([{"key": k, "set": "yes" if v else "no"} for k, v in s.keys_in_use().items()], hide_index=True)
st.subheader("Workspace")
st.dataframe([
    {"setting": "data dir", "value": str(s.root)},
    {"setting": "pipeline tag", "value": s.pipeline_tag},
    {"setting": "default prompt version", "value": s.default_prompt_version},
    {"setting": "app address", "value": f"{s.app_address}:{s.app_port}"},
    {"setting": "sign-in", "value": "on ([auth] in secrets.toml)" if sign_in_configured() else "off"},
    {"setting": "allowed accounts", "value": s.allowed_users or "every signed-in account"},
], hide_index=True)
