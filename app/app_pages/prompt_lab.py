import streamlit as st

from app import state
from app.components import job_banners, pick_creator, start_job
from app.state import settings
from pipelines import evals
from pipelines.compiled import list_compiled
from pipelines.errors import ScriptwrightError
from pipelines.programs import registry
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

st.subheader("Evaluate and compile on a creator's own transcripts")
creators = state.creators()
creator = pick_creator(creators, "lab_creator", "No creators yet: ingest a channel first.")
job_banners("prompt_lab")
program = st.selectbox("Program", list(registry.programs()), key="lab_program",
                       help="script: the script writer on the creator's real videos; assistant: tasks with expected "
                            "tool use and checkable outcomes, built from the creator's corpus; title, hook, outline: "
                            "each measured against the real video's title, opening or structure.")
try:
    eval_set = evals.build_eval_set(settings(), creator["slug"], program)
except ScriptwrightError as exc:
    st.info(str(exc))
    st.stop()
if program == "assistant":
    st.caption(f"Eval set {eval_set['id']}: {len(eval_set['examples'])} tasks, run in the scratch project "
               "'Assistant evaluation'.")
    st.dataframe([{"task": t["id"], "message": t["message"][:80], "expected tools": ", ".join(t["expected_tools"]),
                   "outcome checked": t["check"]} for t in eval_set["examples"]], hide_index=True, width="stretch")
    chosen = st.multiselect("Variants", [*tag_names, *[f"prompt:{v}" for v in service.versions("assistant")]],
                            default=tag_names[:1], key="lab_assistant_variants")
    if st.button("Run the evaluation", key="lab_assistant_eval", disabled=not chosen):
        for variant in chosen:
            start_job("eval-run", {"program": "assistant", "creator": creator["slug"], "variant": variant},
                      "prompt_lab", rerun=False)
        st.rerun()
    st.stop()
if program == "script" and st.button("Add wizard feedback to the train split", key="lab_add_feedback",
             help="Sections the creator rated or rewrote in the wizard become training examples: the draft's inputs, "
                  "the creator's own text as the reference. Dev and test stay the creator's real videos."):
    try:
        added = evals.add_feedback_examples(settings(), creator["slug"])
        st.success(f"Added {added['added']} example{'' if added['added'] == 1 else 's'} from wizard feedback"
                   + (f" ({added['skipped']} skipped: a thumbs down on a section never rewritten)"
                      if added["skipped"] else "")
                   + f". The train split now has {added['train']} examples, {added['from_feedback']} from feedback.")
        eval_set = evals.get_eval_set(settings(), added["eval_set"])
    except ScriptwrightError as exc:
        st.error(str(exc))
EXAMPLE_IS = {"script": "its opening passage with its key points", "title": "its key points and opening, the label its "
              "real title", "hook": "its title and key points, the label its real first 30 seconds",
              "outline": "its title and central sentences, the label its segments in order"}
st.caption(f"Eval set {eval_set['id']}: split by video — {evals.split_summary(eval_set)}; a video's example is "
           f"{EXAMPLE_IS[program]}.")
compiled = list_compiled(settings(), program, creator["slug"])
variant_options = [*tag_names, *[f"prompt:{v}" for v in service.versions(registry.program(program).name)],
                   *[f"compiled:v{c['version']}" for c in compiled]]
left, right = st.columns(2)
with left:
    chosen = st.multiselect("Variants", variant_options, default=variant_options[:2], key="lab_variants")
    split = st.selectbox("Split", ["test", "dev", "train"], key="lab_split")
    if st.button("Run the evaluation", key="lab_eval", disabled=not chosen):
        for variant in chosen:
            start_job("eval-run", {"program": program, "creator": creator["slug"], "variant": variant,
                                   "split": split}, "prompt_lab", rerun=False)
        st.rerun()
with right:
    optimizer = st.selectbox("Optimizer", evals.OPTIMIZERS, key="lab_optimizer")
    budget = st.number_input("Budget", 1, 50, value=4, key="lab_budget")
    try:
        evals.check_trainset(eval_set, optimizer)
        too_few = None
    except ScriptwrightError as exc:
        too_few = str(exc)
        st.warning(too_few)
    estimate = evals.estimate_cost(settings(), evals.optimize_calls(eval_set, optimizer, int(budget)), 1500,
                                   settings().lm_max_tokens)
    st.caption(f"About {estimate['calls']} calls to {estimate['model']}: "
               + ("cost unknown" if estimate["usd"] is None else f"${estimate['usd']:.4f}") + f" ({estimate['note']})")
    if st.button("Compile", key="lab_compile", disabled=too_few is not None):
        start_job("optimize", {"program": program, "creator": creator["slug"], "optimizer": optimizer,
                               "budget": int(budget), "tag": st.session_state.pipeline_tag}, "prompt_lab")
if compiled:
    st.dataframe([{k: c[k] for k in ("version", "optimizer", "dev_score", "lm", "created_at", "path")} for c in compiled],
                 hide_index=True, width="stretch")

st.subheader("Promote a prompt version or a compiled program to a tag")
compilable_steps = registry.compilable_steps()
st.caption("A tag can point " + ", ".join(compilable_steps) + " at a compiled program: `compiled:latest` or `compiled:vN`. "
           "Runs on that tag then use each creator's own compiled program (`vN` is each creator's version N), the "
           "wizard's script step too; a creator with none gets the default prompt version, and the record says so.")
cols = st.columns(4)
p_tag = cols[0].text_input("Tag", value="stable", key="promote_tag")
p_step = cols[1].selectbox("Step", service.steps(), key="promote_step")
p_options = service.versions(p_step)
if p_step in compilable_steps:
    p_options += ["compiled:latest", *[f"compiled:v{c['version']}"
                                       for c in list_compiled(settings(), compilable_steps[p_step], creator["slug"])]]
p_version = cols[2].selectbox("Version", p_options, key="promote_version")
if cols[3].button("Promote", key="promote"):
    try:
        service.promote(p_tag.strip(), p_step, p_version)
        st.success(f"{p_tag}: {p_step} → {p_version} (pipeline-tags.yaml updated and validated)")
    except ScriptwrightError as exc:
        st.error(str(exc))
