import streamlit as st

from app.components import placeholder
from app.state import settings
from pipelines.errors import ScriptwrightError
from pipelines.prompts import PromptService

st.title("Prompt Lab")
service = PromptService(settings())

problems = service.validate()
if problems:
    st.error("Some prompts are broken; the steps they belong to will not run until this is fixed:\n\n"
             + "\n".join(f"- `{p}`" for p in problems))

try:
    tags = service.tags()
except ScriptwrightError as exc:
    st.error(str(exc))
    st.stop()

st.subheader("Steps, versions and tags")
st.dataframe(
    [{"step": step, "versions": ", ".join(service.versions(step)),
      **{tag: mapping.get(step, f"({settings().default_prompt_version})") for tag, mapping in tags.items()}}
     for step in service.steps()],
    hide_index=True, width="stretch",
)

st.subheader("Use in this session")
st.caption("Runs you start from the app use this tag, and these per-step overrides win over it.")
tag_names = list(tags)
default_tag = st.session_state.pipeline_tag or settings().pipeline_tag
st.session_state.pipeline_tag = st.selectbox("Pipeline tag", tag_names, key="lab_tag",
                                             index=tag_names.index(default_tag) if default_tag in tag_names else 0)
for step in service.steps():
    options = ["(from the tag)", *service.versions(step)]
    picked = st.selectbox(f"Override for {step}", options, key=f"override_{step}")
    if picked == options[0]:
        st.session_state.prompt_overrides.pop(step, None)
    else:
        st.session_state.prompt_overrides[step] = picked

st.subheader("Read and compare")
step = st.selectbox("Step", service.steps(), key="lab_step")
versions = service.versions(step)
if versions:
    col_a, col_b = st.columns(2)
    old = col_a.selectbox("Version", versions, key="lab_old")
    new = col_b.selectbox("Compare with", versions, index=len(versions) - 1, key="lab_new")
    try:
        prompt = service.load(step, old)
        st.markdown(f"**{prompt.description}**  \nsha256 `{prompt.sha256}` · inputs: {', '.join(prompt.inputs)}"
                    f" · outputs: {', '.join(prompt.outputs)}")
        if prompt.notes:
            st.caption(prompt.notes)
        st.code(prompt.instructions, language="markdown")
        if new != old:
            st.code(service.diff(step, old, new) or "(identical)", language="diff")
    except ScriptwrightError as exc:
        st.error(str(exc))

placeholder("Compiling and evaluating programs", "Prompt Lab (issue 10)", [
    "compile programs against a creator's own transcripts with DSPy optimizers",
    "compare versions on eval sets with confidence intervals, then promote the winner to a tag",
])
