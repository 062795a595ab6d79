"""Scriptwright workbench: the entry file only sets up the shared state and the navigation."""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.state import init_session, note_running_jobs, sign_in_gate, startup  # noqa: E402

st.set_page_config(page_title="Scriptwright", page_icon=":material/movie:", layout="wide")
sign_in_gate()
init_session()
note_running_jobs()
startup()

PAGES = Path(__file__).parent / "app_pages"
nav = st.navigation(
    {
        "Workbench": [
            st.Page(PAGES / "home.py", title="Home", icon=":material/home:", default=True),
            st.Page(PAGES / "creators.py", title="Creators", icon=":material/groups:"),
            st.Page(PAGES / "voice.py", title="Voice", icon=":material/record_voice_over:"),
            st.Page(PAGES / "new_video.py", title="New video", icon=":material/lightbulb:"),
            st.Page(PAGES / "drafts.py", title="Drafts", icon=":material/description:"),
            st.Page(PAGES / "assistant.py", title="Assistant", icon=":material/chat:"),
        ],
        "Research": [
            st.Page(PAGES / "prompt_lab.py", title="Prompt Lab", icon=":material/science:"),
            st.Page(PAGES / "evaluations.py", title="Evaluations", icon=":material/bar_chart:"),
        ],
        "System": [
            st.Page(PAGES / "jobs.py", title="Jobs", icon=":material/pending_actions:"),
            st.Page(PAGES / "settings.py", title="Settings", icon=":material/settings:"),
        ],
    }
)
nav.run()
