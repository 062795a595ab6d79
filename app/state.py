"""Shared app state: settings, start-up work done once per process, session defaults."""

from __future__ import annotations

import streamlit as st

from pipelines import jobs
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


def startup() -> dict:
    try:
        return _startup(str(settings().root))
    except ScriptwrightError as exc:
        st.error(str(exc))
        st.stop()


def init_session() -> None:
    """Every session key the pages use, initialised in one place."""
    defaults = {"active_jobs": [], "pipeline_tag": None, "prompt_overrides": {}, "voice_results": [], "nv_project": None,
                "as_session": None, "as_scope": None, "as_job": None, "draft_seen": {}}
    for key, value in defaults.items():
        st.session_state.setdefault(key, value)


def prompt_problems() -> list[str]:
    """Broken prompt files or tags, one line each (checked on every run: files can change)."""
    from pipelines.prompts import PromptService

    return [str(p) for p in PromptService(settings()).validate()]


def track_job(job_id: str) -> None:
    if job_id not in st.session_state.active_jobs:
        st.session_state.active_jobs.append(job_id)
