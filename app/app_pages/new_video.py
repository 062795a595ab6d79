import streamlit as st

from app.components import placeholder

st.title("New video")
placeholder("The idea-to-script wizard", "Evidence and Wizard (issues 8 and 9)", [
    "validate an idea against your corpus and your audience's questions",
    "research with citations, verify claims, and collect audience questions",
    "outline with an educational framework, pick a hook, and draft the script in your voice",
])
