import streamlit as st

from app.components import placeholder

st.title("Drafts")
placeholder("Draft versions", "Wizard (issue 9)", [
    "open, edit and compare versions of a script side by side",
    "rate drafts and leave feedback that feeds the Prompt Lab",
    "export a draft as Markdown or a teleprompter-ready text",
])
