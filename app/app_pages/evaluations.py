import pandas as pd
import plotly.express as px
import streamlit as st

from app.components import plain, snippet
from app.state import settings
from pipelines import evals
from pipelines.errors import ScriptwrightError

st.title("Evaluations")
s = settings()
runs = evals.list_runs(s)
if not runs:
    st.info("No evaluation runs yet: start one in the Prompt Lab or with `scriptwright eval run`.")
    st.stop()


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


programs = sorted({r["program"] for r in runs}, key=lambda p: p != "script")
program = st.selectbox("Program", programs, key="ev_program") if len(programs) > 1 else programs[0]
details = {r["id"]: evals.get_run(s, r["id"]) for r in [r for r in runs if r["program"] == program][:20]}
# each program's metric names its own parts (script: voice, coverage…; hook: setup, length…): the numeric ones
parts = ["score", *dict.fromkeys(k for d in details.values() for x in d["results"]
                                 for k, v in x["subscores"].items() if k != "score" and is_number(v))]
matrix = pd.DataFrame([{"run": run_id, "variant": d["variant"], "split": d["split"], "examples": len(d["results"]),
                        **{p: pd.Series([x["subscores"].get(p) for x in d["results"]], dtype="float").mean()
                           for p in parts},
                        "LM calls": d["lm_calls"], "cached": d["cached_calls"], "cost $": d["cost_usd"],
                        "eval set": d["eval_set_id"]} for run_id, d in details.items()])
st.subheader("Variants × metrics")
st.dataframe(matrix.round(3), hide_index=True, width="stretch")
scores = pd.DataFrame([{"run": f"{d['variant']} ({run_id[:6]})", "score": x["score"]}
                       for run_id, d in details.items() for x in d["results"]])
st.plotly_chart(px.box(scores, x="run", y="score", points="all", title="Score distribution per run"), width="stretch")

st.subheader("Compare two runs")
ids = list(details)
c1, c2 = st.columns(2)
run_a = c1.selectbox("A", ids, index=min(1, len(ids) - 1), key="ev_a",
                     format_func=lambda i: f"{details[i]['variant']} · {i}")
run_b = c2.selectbox("B", ids, index=0, key="ev_b", format_func=lambda i: f"{details[i]['variant']} · {i}")
try:
    c = evals.compare_runs(s, run_a, run_b)
    m = st.columns(4)
    m[0].metric("Mean difference (B − A)", f"{c['mean_diff']:+.3f}")
    m[1].metric("95% CI", f"{c['ci_low']:+.3f} … {c['ci_high']:+.3f}")
    m[2].metric("Win / tie / loss", f"{c['win']} / {c['tie']} / {c['loss']}")
    m[3].metric("P(B better)", f"{c['p_b_better']:.2f}")
    a_results = {x["example_id"]: x for x in details[run_a]["results"]}
    b_results = {x["example_id"]: x for x in details[run_b]["results"]}
    eval_set = evals.get_eval_set(s, details[run_a]["eval_set_id"])
    refs = {e["id"]: e for e in eval_set["examples"]}
    example = st.selectbox("Example", sorted(set(a_results) & set(b_results)), key="ev_example",
                           format_func=lambda i: (refs[i].get("title") or refs[i].get("message", i)) if i in refs else i)
    cols = st.columns(3)
    for col, label, result in ((cols[0], "A", a_results[example]), (cols[1], "B", b_results[example])):
        col.markdown(f"**{label}** · score {result['score']:.3f}")
        col.caption(", ".join(f"{k} {v:.2f}" for k, v in result["subscores"].items() if isinstance(v, float)))
        col.markdown(plain(result["output"] or result["error"] or ""))
    task = refs.get(example, {})
    if program == "assistant":
        cols[2].markdown("**The task**")
        cols[2].markdown(plain(task.get("message", "")))
        cols[2].caption(f"expects {', '.join(task.get('expected_tools', []))}; outcome checked: {task.get('check')}")
    elif task.get("segments"):  # outline: the real video's parts, in order
        cols[2].markdown("**The real video's segments**")
        for n, segment in enumerate(task["segments"], 1):
            cols[2].markdown(f"{n}. {plain(snippet(' '.join(segment), 200))}")
    else:
        cols[2].markdown("**The real video**" if program in ("hook", "title") else "**The real transcript**")
        cols[2].markdown(plain(task.get("reference", "")))
except ScriptwrightError as exc:
    st.error(str(exc))
