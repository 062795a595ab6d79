"""Small drawing helpers shared by pages (no business logic)."""

from __future__ import annotations

import streamlit as st

from app.state import settings
from pipelines import jobs


def _draw_final(job: dict) -> None:
    if job["status"] == "succeeded":
        st.success(f"{job['kind']} finished: {job.get('message') or 'done'}")
    elif job["status"] == "cancelled":
        st.warning(f"{job['kind']} was cancelled.")
    else:
        st.error(job["error"] or f"{job['kind']} failed.")
    failed = [i for i in job["items"] if i["status"] == "failed"]
    if failed:
        with st.expander(f"{len(failed)} item(s) failed", expanded=job["status"] != "failed"):
            for item in failed:
                st.markdown(f"- {plain(item['detail'])}")


@st.fragment(run_every=1.0)
def _live(job_id: str) -> None:
    job = jobs.get(settings(), job_id)
    if job["status"] in jobs.FINAL:
        st.rerun()
    st.progress(job["progress"], text=f"{job['kind']} · {job['status']} · {job['message'] or ''}")


def job_panel(job_id: str) -> None:
    """A progress bar fed by the job table while a job runs, its outcome once it ends."""
    job = jobs.get(settings(), job_id)
    if job["status"] in jobs.FINAL:
        _draw_final(job)
    else:
        _live(job_id)


CHOSEN_CREATOR = "chosen_creator"  # the creator picked last, on any page


def pick_creator(creators: list[dict], key: str, empty_message: str) -> dict:
    """A creator chosen by name; the page stops with a note when there are none."""
    if not creators:
        st.info(empty_message)
        st.stop()
    by_name = {c["name"]: c for c in creators}
    chosen = st.session_state.get(CHOSEN_CREATOR)
    if chosen in by_name and st.session_state.get(key) not in by_name:
        # a page's widgets forget their state when another page is shown: the creator chosen there stays chosen
        st.session_state[key] = chosen
    name = st.selectbox("Creator", list(by_name), key=key,
                        on_change=lambda: st.session_state.update({CHOSEN_CREATOR: st.session_state[key]}))
    st.session_state[CHOSEN_CREATOR] = name
    return by_name[name]


# Column names as a person reads them, for chart axes and hover labels.
AXES = {"n_words": "words", "published_at": "published", "duration_s": "duration (seconds)",
        "words_per_min": "words per minute", "title": "video", "median_sentence_len": "median sentence (words)",
        "question_rate": "questions per 1,000 words", "wpm": "words per minute"}


def snippet(text: str, limit: int = 600) -> str:
    """A passage of at most `limit` characters that ends on a word, with … when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] + " …"


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()<>#+-.!|~$"})


def plain(text: str) -> str:
    """Untrusted text (sources, comments, model output) for st.markdown: every markup character escaped."""
    return str(text).translate(_MARKDOWN)


def link(label: str, url: str | None) -> str:
    """A markdown link with an escaped label (just the label when there is no http(s) URL)."""
    if url and url.startswith(("http://", "https://")):
        return f"[{plain(label)}]({url.replace(')', '%29').replace(' ', '%20')})"
    return plain(label)
