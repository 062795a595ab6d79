"""Shared app state: settings, start-up work done once per process, session defaults."""

from __future__ import annotations

import streamlit as st
from streamlit.errors import StreamlitAuthError, StreamlitSecretNotFoundError

from pipelines import corpus, jobs
from pipelines.demo import sample_needed
from pipelines.errors import ScriptwrightError
from pipelines.settings import Settings, get_settings


def settings() -> Settings:
    return get_settings()


@st.cache_resource(show_spinner=False)
def _startup(data_dir: str) -> dict:
    """Once per process and data dir: recover crashed jobs, seed an empty workspace."""
    s = settings()
    s.ensure_dirs()
    recovered = jobs.recover_stale(s)
    seed_job = None
    if sample_needed(s):
        seed_job, created = jobs.create(s, "load-sample", {}, idempotency_key="load-sample")
        if created:
            jobs.start_in_thread(s, seed_job)
    return {"recovered": recovered, "seed_job": seed_job}


@st.cache_data(show_spinner=False, max_entries=16)
def _creators(root: str, version: str) -> list[dict]:
    return corpus.list_creators(settings())


@st.cache_data(show_spinner=False, max_entries=64)
def _videos(root: str, version: str, creator_id: int) -> list[dict]:
    return corpus.list_videos(settings(), creator_id)


def creators() -> list[dict]:
    """Every creator with corpus totals, read again only after the corpus changed (in any process)."""
    s = settings()
    return _creators(str(s.root), corpus.version(s))


def videos(creator_id: int) -> list[dict]:
    """A creator's videos with their totals, read again only after the corpus changed (in any process)."""
    s = settings()
    return _videos(str(s.root), corpus.version(s), creator_id)


def sign_in_configured() -> bool:
    """Whether Streamlit's OIDC sign-in is set up ([auth] in .streamlit/secrets.toml)."""
    try:
        return "auth" in st.secrets
    except StreamlitSecretNotFoundError:
        return False


def _sign_in() -> None:
    try:
        st.login()
    except StreamlitAuthError as exc:
        st.session_state.sign_in_error = str(exc)


def sign_in_gate() -> None:
    """With sign-in configured, only signed-in, allowed accounts get past this; without it, nothing changes."""
    if not sign_in_configured():
        return
    if not st.user.is_logged_in:
        st.title("Scriptwright")
        st.write("This workbench asks you to sign in first.")
        st.button("Sign in", type="primary", on_click=_sign_in)
        if st.session_state.get("sign_in_error"):
            st.error(f"Sign-in is configured but could not start: {st.session_state.sign_in_error}")
        st.stop()
    email = st.user.get("email")
    if not settings().may_enter(email):
        st.error(f"{email or 'This account'} may not use this workbench. Its owner can add you to "
                 "SCRIPTWRIGHT_ALLOWED_USERS.")
        st.button("Sign out", on_click=st.logout)
        st.stop()
    with st.sidebar:
        st.caption(f"Signed in as {email or st.user.get('name') or 'you'}")
        st.button("Sign out", key="sign_out", on_click=st.logout)


def startup() -> dict:
    try:
        return _startup(str(settings().root))
    except ScriptwrightError as exc:
        st.error(str(exc))
        st.stop()


def init_session() -> None:
    """Every session key the pages use, initialised in one place."""
    defaults = {"active_jobs": [], "job_places": {}, "pipeline_tag": None, "prompt_overrides": {}, "voice_results": [], "nv_project": None,
                "as_session": None, "as_scope": None, "as_job": None, "draft_seen": {},
                "draft_typed": set(), "jobs_ended": set(), "running_at_start": set()}
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


def note_running_jobs() -> None:
    """At the start of a run, which of this session's jobs are still running (those not yet seen ended):
    a job among them that has ended by the time its banner is drawn ended after the page read its data."""
    from pipelines import jobs

    unseen = [j for j in st.session_state.active_jobs if j not in st.session_state.jobs_ended]
    running = {j for j in unseen if jobs.get(settings(), j)["status"] not in jobs.FINAL}
    st.session_state.jobs_ended.update(set(unseen) - running)  # ended before this run: never asked about again
    st.session_state.running_at_start = running


def prompt_problems() -> list[str]:
    """Broken prompt files or tags, one line each (checked on every run: files can change)."""
    from pipelines.prompts import PromptService

    return [str(p) for p in PromptService(settings()).validate()]


def track_job(job_id: str, place: str) -> None:
    """Remember a job this session started and the page (or page/step) whose banner shows it."""
    if job_id not in st.session_state.active_jobs:
        st.session_state.active_jobs.append(job_id)
    st.session_state.job_places[job_id] = place
