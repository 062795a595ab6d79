import streamlit as st

from app.components import placeholder

st.title("Evaluations")
placeholder("Evaluation runs", "Prompt Lab (issue 10)", [
    "run prompt versions on an eval set built from a creator's videos",
    "compare runs with confidence intervals and per-example evidence",
    "see the cost ledger of every run",
])
