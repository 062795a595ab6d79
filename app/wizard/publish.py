"""The wizard's Publish step: the kit made from the script (titles, description with chapters, a
Short, a community post), each part written again, chosen, edited and rated on its own; no
business logic."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from app.components import job_banners, plain
from app.draft_views import feedback_row, save_and_rerun
from pipelines.corpus import clock
from pipelines.drafting.content import Draft
from pipelines.drafting.description import DESCRIPTION_MAX, NOTHING_TO_PASTE, TITLE_MAX, description_text
from pipelines.drafting.kit import PART_NAMES, PARTS, choose_title, edit_description, edit_post, edit_short, \
    stale_parts
from pipelines.errors import ScriptwrightError
from pipelines.usable import has_script

PLACE = "new_video/publish"
Launch = Callable[[str, dict, str], None]


def _gaps(content: Draft, part: str, listed: set[str]) -> None:
    for problem in content.problems.get(f"publish.{part}") or []:
        if problem not in listed:  # a job banner above already lists it
            st.warning(plain(problem), icon=":material/warning:")


def _again(project: str, version: int, part: str, launch: Launch) -> None:
    if st.button(f"Write the {PART_NAMES[part]} again", key=f"nv_publish_{part}", icon=":material/refresh:"):
        launch("publish", {"project": project, "part": part, "base_version": version}, "publish")


def _save(project: str, version: int, edit: Callable[[], Draft], note: str) -> None:
    """Apply an edit and store it as a new version, or show why it was refused."""
    try:
        save_and_rerun(project, version, edit(), note, "publish")
    except ScriptwrightError as exc:
        st.error(str(exc))


def _titles(project: str, version: int, content: Draft, listed: set[str]) -> None:
    titles = content.publish["titles"]
    _gaps(content, "titles", listed)
    candidates = titles["candidates"]
    low, high = titles["range"]
    if not candidates:
        st.info("No usable title came back: write them again, or choose a stronger model on the Settings page.")
        return
    st.caption(f"Your {titles['past_titles']} past titles run {low}–{high} characters; closeness is by meaning to "
               f"the nearest of them (1 is the same title). YouTube allows {TITLE_MAX} characters.")
    st.dataframe(pd.DataFrame([{"style": t["style"], "title": t["text"], "characters": t["chars"],
                                "in your range": "yes" if t["in_range"] else "no", "closeness": t["closeness"],
                                "nearest of yours": t["nearest"] or ""} for t in candidates]),
                 hide_index=True, width="stretch")
    ids = [t["id"] for t in candidates]
    chosen = titles.get("chosen") or {}
    by_id = {t["id"]: t for t in candidates}
    pick = st.radio("Title", ids, index=ids.index(chosen["id"]) if chosen.get("id") in ids else 0, horizontal=True,
                    key=f"nv_title_pick_{version}", format_func=lambda t: by_id[t]["style"])
    start = chosen["text"] if chosen.get("id") == pick else by_id[pick]["text"]
    text = st.text_input("Edit it if you like", start, key=f"nv_title_text_{version}_{pick}", max_chars=TITLE_MAX)
    st.caption(f"{len(text)} of {TITLE_MAX} characters")
    if st.button("Use this title", key=f"nv_title_use_{version}"):
        _save(project, version, lambda: choose_title(content, pick, text), f"chose title {pick}")


def _description(project: str, version: int, content: Draft, listed: set[str]) -> None:
    description = content.publish["description"]
    _gaps(content, "description", listed)
    if description.get("chapters_note"):
        st.caption(plain(description["chapters_note"]))
    summary = st.text_area("Summary", description.get("summary") or "", key=f"nv_desc_summary_{version}",
                           placeholder="No usable summary came back: write two to four sentences for your viewers.")
    chapters = description.get("chapters") or []
    edited = None
    if chapters:
        table = pd.DataFrame([{"start": clock(c["start_s"]), "chapter": c["title"],
                               "seconds": round(c["duration_s"])} for c in chapters])
        edited = st.data_editor(table, hide_index=True, width="stretch", disabled=["start", "seconds"],
                                key=f"nv_desc_chapters_{version}")
        st.caption(f"Chapters timed from the script at {description['wpm']:.0f} words per minute: "
                   f"{clock(description['duration_s'])} in all.")
    if st.button("Save the description", key=f"nv_desc_save_{version}"):
        titles = None if edited is None else [str(t) for t in edited["chapter"]]
        _save(project, version, lambda: edit_description(content, summary, titles), "edited the description")
    text = description_text(description)
    if not text:
        st.info(NOTHING_TO_PASTE)
        return
    st.markdown(f"**description.txt** · {len(text) - 1:,} of {DESCRIPTION_MAX:,} characters")
    st.code(text, language=None, wrap_lines=True)
    st.download_button("description.txt", text.encode(), "description.txt", "text/plain",
                       key=f"nv_desc_download_{version}", on_click="ignore", icon=":material/download:")


def _short(project: str, version: int, content: Draft, listed: set[str]) -> None:
    short = content.publish["short"]
    _gaps(content, "short", listed)
    st.caption(f"About {short['seconds']:.0f} s of at most {short['max_seconds']} s at your pace "
               f"({short['words']} words).")
    hook = st.text_input("First line", short.get("hook") or "", key=f"nv_short_hook_{version}",
                         placeholder="No usable first line came back: write one that makes a viewer stay.")
    text = st.text_area("Short", short["text"], key=f"nv_short_text_{version}", height=160)
    if st.button("Save the Short", key=f"nv_short_save_{version}"):
        _save(project, version, lambda: edit_short(content, hook, text), "edited the Short")


def _post(project: str, version: int, content: Draft, listed: set[str]) -> None:
    post = content.publish["post"]
    _gaps(content, "post", listed)
    text = st.text_area("Community post", post.get("text") or "", key=f"nv_post_text_{version}", height=140,
                        placeholder="No usable post came back: write a few lines announcing the video.")
    if st.button("Save the post", key=f"nv_post_save_{version}"):
        _save(project, version, lambda: edit_post(content, text), "edited the post")


DRAW = {"titles": _titles, "description": _description, "short": _short, "post": _post}
HEADINGS = {"titles": ":material/title: Titles", "description": ":material/description: Description",
            "short": ":material/smartphone: Short", "post": ":material/campaign: Community post"}


def publish_tab(project: str, row: dict | None, launch: Launch) -> None:
    """The Publish step for the draft version `row` (None before anything is drafted)."""
    listed = job_banners(PLACE)
    content = row["content"] if row else Draft()
    ready = has_script(content)
    if st.button("Make the whole kit", key="nv_publish", disabled=not ready, icon=":material/rocket_launch:"):
        launch("publish", {"project": project, "part": "all", "base_version": row["version"]}, "publish")
    if not ready:
        st.info("Write the script first: the titles, description, Short and post are made from its sentences.")
        return
    kit = content.publish
    if not kit:
        st.info("Five titles in different styles, a description with chapters timed at your pace, a Short of at "
                "most a minute and a community post, each made from this script and saved as a new version.")
        return
    stale = stale_parts(content)
    if stale:
        st.warning(f"Made from an earlier script: {', '.join(PART_NAMES[p] for p in stale)}. Write them again to "
                   "match the script as it is now.", icon=":material/history:")
    for part in PARTS:
        st.markdown(f"#### {HEADINGS[part]}")
        if part in kit:
            DRAW[part](project, row["version"], content, listed)
            feedback_row(project, row["version"], "publish", part, f"fb_publish_{part}_{row['version']}")
        else:
            st.caption(f"No {PART_NAMES[part]} yet.")
        _again(project, row["version"], part, launch)
