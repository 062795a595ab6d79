"""Assistant: a conversation over the workbench, scoped to a creator and a project."""

from __future__ import annotations

import json

import streamlit as st

from app import state
from app.components import link, pick_creator, plain
from app.state import settings
from pipelines import jobs
from pipelines.assistant import agent, chat
from pipelines.assistant.chat import MAX_MESSAGE_CHARS
from pipelines.errors import ScriptwrightError
from pipelines.evidence import projects
from pipelines.provenance import PLACEHOLDER_NOTE, placeholder_jobs

NO_PROJECT = "(no project)"

st.title("Assistant")
s = settings()
creator = pick_creator(state.creators(), "as_creator",
                       "No creators yet. Ingest a channel on the Creators page first.")
mine = [p["id"] for p in projects.list_projects(s, creator["slug"])]
left, right = st.columns([3, 1])
chosen = left.selectbox("Project", [NO_PROJECT] + mine, key="as_project",
                        index=1 if mine and st.session_state.get("nv_project") in mine else 0)
project = None if chosen == NO_PROJECT else chosen
scope = (creator["slug"], project)
if right.button("New conversation", use_container_width=True):
    st.session_state.as_session = chat.start_session(s, creator["slug"], project)["id"]
    st.session_state.as_scope = scope
if st.session_state.as_scope != scope or not st.session_state.as_session:
    st.session_state.as_session = chat.latest_session(s, creator["slug"], project)["id"]
    st.session_state.as_scope = scope
session_id = st.session_state.as_session


def draw_tool(m: dict) -> None:
    """A tool call: name and outcome on the expander, inputs and outputs (with links) inside."""
    icon = ":material/warning:" if m["status"] == "error" else ":material/build:"
    with st.expander(f"{icon} {m['tool_name']}: {plain(m['content'][:90])}", expanded=m["status"] == "error"):
        st.markdown(plain(m["content"]))
        st.caption("Inputs")
        st.code(json.dumps(m["tool_args"] or {}, indent=2, ensure_ascii=False), language="json")
        result = (m["tool_result"] or {}).get("result") or {}
        for p in result.get("passages") or []:
            where = f"{p.get('title') or ''} {p.get('at') or ''}".strip()
            st.markdown(f"- {link(where or 'source', p.get('link') or p.get('uri'))}: {plain(p['text'][:240])}")
        for e in result.get("evidence") or []:
            st.markdown(f"- {link(e.get('title') or 'source', e.get('uri'))}")
        if result:
            st.caption("Outputs")
            st.json(result, expanded=False)
        if (m["tool_result"] or {}).get("wrote"):
            st.success(f"Saved {m['tool_result']['wrote']} (a new version; earlier ones are kept).")


def draw(items: list[dict]) -> None:
    offline = placeholder_jobs(s, [m["job_id"] for m in items if m["role"] == "assistant"])
    for m in items:
        if m["role"] == "user":
            with st.chat_message("user"):
                st.markdown(plain(m["content"]))
        elif m["role"] == "tool":
            with st.chat_message("assistant", avatar=":material/build:"):
                draw_tool(m)
        elif m["role"] == "error":
            with st.chat_message("assistant", avatar=":material/warning:"):
                st.error(plain(m["content"]))
        else:
            with st.chat_message("assistant"):
                st.markdown(plain(m["content"]))
                if m["job_id"] in offline:
                    st.badge("Offline placeholder model", icon=":material/science:", color="orange",
                             help=PLACEHOLDER_NOTE)


@st.fragment(run_every=1.0)
def live_turn(job_id: str, after: int) -> None:
    """The running turn: its tool calls as they land and the job's progress; a full redraw when it ends."""
    job = jobs.get(s, job_id)
    if job["status"] in jobs.FINAL:
        st.session_state.as_job = None
        st.rerun()
    draw([m for m in chat.messages(s, session_id, after) if m["role"] != "user"])
    st.progress(job["progress"], text=f"Assistant · {job['message'] or 'thinking'}")


history = chat.messages(s, session_id)
running = st.session_state.as_job
if running:
    asked = max((m["id"] for m in history if m["role"] == "user"), default=0)
    draw([m for m in history if m["id"] <= asked])
    live_turn(running, asked)
else:
    draw(history)

text = st.chat_input(f"Ask about {creator['name']}'s videos, hooks, claims, sections…", disabled=bool(running),
                     max_chars=None)
if text is not None:
    try:
        _, job_id = agent.send(s, session_id, text, st.session_state.pipeline_tag, st.session_state.prompt_overrides)
    except ScriptwrightError as exc:
        st.error(str(exc))
        if text.strip():  # the chat box empties on send: keep the refused words where they can be copied
            st.text_area("Your message, not sent: shorten it and send it again", text, height=150, key="as_refused")
    else:
        jobs.start_in_thread(s, job_id)
        st.session_state.as_job = job_id
        st.rerun()
st.caption(f"Messages up to {MAX_MESSAGE_CHARS:,} characters. Conversation {session_id}; "
           "anything the assistant saves is a new draft version.")
