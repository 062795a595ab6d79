import streamlit as st

from app.components import placeholder

st.title("Prompt Lab")
placeholder("The Prompt Lab", "Prompts and Prompt Lab (issues 7 and 10)", [
    "browse each step's prompt versions and pipeline tags, and diff versions",
    "compile programs against a creator's own transcripts with DSPy optimizers",
    "promote a winning version to a pipeline tag",
])
