"""Small drawing helpers shared by pages (no business logic)."""

from __future__ import annotations

import streamlit as st

from app.state import settings, track_job
from pipelines import costs, jobs


# What each job does, as a person reads it in a banner.
JOB_TITLES = {"ingest": "Ingest", "load-sample": "Loading the demo creators", "dna-build": "Creator DNA",
              "voice-train": "Training the voice model", "voice-validate": "Validating the voice scorer",
              "idea-validate": "Idea check", "research": "Research notes", "verify": "Fact check",
              "audience": "Audience questions", "draft-outline": "Outline", "draft-hooks": "Hooks",
              "draft-script": "Script", "draft-checks": "Checks", "draft": "Whole draft", "publish": "Publish kit",
              "eval-run": "Evaluation",
              "optimize": "Compiling the prompt", "chat-turn": "Assistant", "demo": "Demo"}


def placeholder_note(line: str, key: str) -> None:
    """The offline model's badge, what it wrote and a link to Settings (nothing when `line` is empty)."""
    if not line:
        return
    with st.container(border=True, key=f"placeholder_{key}"):
        st.badge("Offline placeholder model", icon=":material/science:", color="orange")
        st.caption(line)
        st.page_link("app_pages/settings.py", label="Set a real model in Settings", icon=":material/settings:")


def job_title(kind: str) -> str:
    return JOB_TITLES.get(kind, kind)


def _draw_final(job: dict) -> set[str]:
    """The job's outcome; returns the problems it listed (a partial job's gaps)."""
    title = job_title(job["kind"])
    listed: set[str] = set()
    if jobs.is_partial(job):  # what was made is saved, but parts are missing: never a success banner
        listed = set(job["result"]["problems"])
        st.warning(f"{title} finished with gaps:\n" + "\n".join(f"- {plain(p)}" for p in job["result"]["problems"]),
                   icon=":material/warning:")
    elif job["status"] == "succeeded":
        st.success(f"{title} finished: {job.get('message') or 'done'}")
    elif job["status"] == "cancelled":
        st.warning(f"{title} was cancelled.")
    else:
        st.error(job["error"] or f"{title} failed.")
    spent = costs.spent(settings(), job["id"]) if job["status"] == "succeeded" else None
    if spent and spent["calls"]:  # what the job's model calls cost, from the ledger
        st.caption(costs.spent_text(spent))
    failed = [i for i in job["items"] if i["status"] == "failed"]
    if failed:
        with st.expander(f"{len(failed)} item(s) failed", expanded=job["status"] != "failed"):
            for item in failed:
                st.markdown(f"- {plain(item['detail'])}")
    return listed


@st.fragment(run_every=1.0)
def _live(job_id: str) -> None:
    job = jobs.get(settings(), job_id)
    if job["status"] in jobs.FINAL:
        st.session_state.jobs_ended.add(job_id)
        st.rerun()
    st.progress(job["progress"], text=f"{job_title(job['kind'])} · {job['status']} · {job['message'] or ''}")


@st.fragment(run_every=1.0)
def _redraw_soon(job_id: str) -> None:
    """Drawn with the run that saw the job end; its first tick, after that run, draws the whole page again."""
    ticked = st.session_state.setdefault("redraw_ticks", set())
    if job_id in ticked:
        ticked.discard(job_id)
        st.session_state.jobs_ended.add(job_id)
        st.rerun()
    ticked.add(job_id)
    st.caption(f"{job_title(jobs.get(settings(), job_id)['kind'])} finished: showing its result…")


def job_panel(job_id: str, dismiss_key: str | None = None) -> set[str]:
    """A progress bar fed by the job table while a job runs, its outcome once it ends (with a Dismiss
    button when `dismiss_key` is given). Returns the gaps the outcome listed."""
    job = jobs.get(settings(), job_id)
    if job["status"] not in jobs.FINAL:
        _live(job_id)
        return set()
    if job_id in st.session_state.running_at_start and job_id not in st.session_state.jobs_ended:
        # it ended during this run, after the page read what it shows: the page is drawn again once this run
        # is over (an immediate rerun would drop the click this run may be handling)
        _redraw_soon(job_id)
        return set()
    st.session_state.jobs_ended.add(job_id)
    listed = _draw_final(job)
    if dismiss_key and st.button("Dismiss", key=dismiss_key, type="tertiary"):
        st.session_state.job_places.pop(job_id, None)
        st.rerun()
    return listed


def start_job(kind: str, params: dict, place: str, idempotency_key: str | None = None, rerun: bool = True) -> str:
    """Create a job, run it in this process's worker thread and show it on `place` (a page, or page/step);
    by default the page reruns so its progress shows at once."""
    s = settings()
    job_id, created = jobs.create(s, kind, params, idempotency_key=idempotency_key)
    if created:
        jobs.start_in_thread(s, job_id)
    track_job(job_id, place)
    if rerun:
        st.rerun()
    return job_id


def job_banners(place: str, limit: int = 2) -> set[str]:
    """The latest jobs this session started from `place`: live progress, then the outcome until dismissed.
    Returns the gaps their outcomes listed, so the step below need not list them again."""
    mine = [j for j in st.session_state.active_jobs if st.session_state.job_places.get(j) == place]
    listed: set[str] = set()
    for job_id in mine[-limit:]:
        listed |= job_panel(job_id, dismiss_key=f"dismiss_{job_id}")
    return listed


CHOSEN_CREATOR = "chosen_creator"  # the creator picked last, on any page
CHOSEN_PROJECT = "chosen_project"  # the project picked last, in the wizard or on the Drafts page


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
