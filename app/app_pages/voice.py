import streamlit as st

from app.components import placeholder

st.title("Voice")
placeholder("The Creator DNA and the voice-fidelity scorer", "Voice (issue 6)", [
    "see how a creator talks, teaches and paces: pace, sentence length, vocabulary, questions, direct address",
    "browse signature phrases with the moments they were said",
    "score any text for how much it sounds like the creator, with the scorer's own held-out accuracy beside it",
])
