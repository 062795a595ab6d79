"""Drawing a draft version (used by the New video wizard and the Drafts page); no business logic."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.components import plain
from app.state import settings
from pipelines.corpus import clock
from pipelines.drafting import drafts
from pipelines.drafting.checks import apply_fix
from pipelines.drafting.content import Draft, Section
from pipelines.drafting.export import export_version, missing_note, source_key, source_markdown, timeline
from pipelines.errors import ScriptwrightError
from pipelines.usable import written

SEVERITY_COLOURS = {"high": "red", "warn": "orange", "info": "blue"}


def save_and_rerun(project: str, base: int, content: Draft, note: str, step: str = "edit") -> None:
    """Store an edit of `base` as a new version and show it."""
    version = drafts.save_edit(settings(), project, base, content, note, step)
    st.session_state.draft_seen[project] = version
    st.toast(f"Saved as v{version}")
    st.rerun()


def _spoken(section: Section) -> str:
    return " ".join(s.text for s in section.sentences)


def _hook_box(version: int) -> str:
    return f"hook_text_{version}"


def _section_box(section_id: str, version: int) -> str:
    return f"sec_{section_id}_{version}"


def _typed(key: str) -> None:
    st.session_state.draft_typed.add(key)


def _differs(key: str, text: str) -> bool:
    """Whether the creator typed into a text box and it holds other words than `text` (a value the
    browser reports for a box nobody touched does not count)."""
    typed = st.session_state.get(key)
    return key in st.session_state.draft_typed and typed is not None and typed.split() != text.split()


def unsaved_edits(row: dict) -> bool:
    """Whether this session has typed into the hook or a section of this version without saving it."""
    content, version = row["content"], row["version"]
    if content.hook is not None and _differs(_hook_box(version), content.hook.text):
        return True
    return any(_differs(_section_box(sec.id, version), _spoken(sec)) for sec in content.sections)


def feedback_row(project: str, version: int, target_type: str, target_id: str, key: str) -> None:
    """Thumbs and a comment on the draft, its hook or a section."""
    cols = st.columns([1, 4])
    rating = cols[0].feedback("thumbs", key=f"{key}_thumbs")
    comment = cols[1].text_input("Comment", key=f"{key}_comment", label_visibility="collapsed",
                                 placeholder="What works or not (optional)")
    if rating is not None and st.button("Send feedback", key=f"{key}_send"):
        drafts.add_feedback(settings(), project, version, target_type, target_id, 1 if rating == 1 else -1, comment)
        st.toast("Feedback saved: it becomes an evaluation example in the Prompt Lab.")


def script_view(project: str, row: dict, editable: bool) -> None:
    """The hook and sections with timestamps and footnoted citations; each part editable as a new version."""
    content, version = row["content"], row["version"]
    starts = dict(timeline(content))
    if content.hook:
        st.markdown(f"#### Hook [{clock(starts.get('Hook', 0))}]")
        if editable:
            text = st.text_area("Hook", content.hook.text, key=_hook_box(version), label_visibility="collapsed",
                                on_change=_typed, args=(_hook_box(version),))
            if st.button("Save hook", key=f"hook_save_{version}") and text.strip() != content.hook.text:
                save_and_rerun(project, version, drafts.edit_hook(content, text), "edited the hook")
            feedback_row(project, version, "hook", "hook", f"fb_hook_{version}")
        else:
            st.markdown(plain(content.hook.text))
    numbers: dict[str, int] = {}
    for section in content.sections:
        st.markdown(f"#### {plain(section.title)} [{clock(starts.get(section.title, 0))}]")
        marks = []
        for sentence in section.sentences:
            refs = [numbers.setdefault(source_key(c), len(numbers) + 1) for c in sentence.cites]
            marks.append(plain(sentence.text) + "".join(f" [{n}]" for n in dict.fromkeys(refs)))
        if editable:
            text = st.text_area(section.title, _spoken(section),
                                key=_section_box(section.id, version), label_visibility="collapsed", height=140,
                                on_change=_typed, args=(_section_box(section.id, version),))
            if not written(section):
                st.caption(":orange[Empty: the model wrote nothing here. Write it and save, or write the script "
                           "again.]")
            else:
                st.caption("Cited: " + (" ".join(marks) if any(s.cites for s in section.sentences)
                                        else "no sources"))
            if st.button("Save section", key=f"sec_save_{section.id}_{version}"):
                try:
                    save_and_rerun(project, version, drafts.edit_section(content, section.id, text),
                                   f"edited {section.title}")
                except ScriptwrightError as exc:
                    st.error(str(exc))
            feedback_row(project, version, "section", section.id, f"fb_{section.id}_{version}")
        else:
            st.markdown(" ".join(marks) if written(section) else ":orange[Empty: no text yet.]")
    first: dict[str, dict] = {}
    for cite in (c for s in content.sections for x in s.sentences for c in x.cites):
        first.setdefault(source_key(cite), cite)
    if numbers:  # numbered per source, as the export's footnotes are
        st.markdown("**Sources**")
        for key, n in numbers.items():
            st.markdown(f"{n}. {source_markdown(first[key])}")


def checks_view(project: str, row: dict) -> None:
    """Findings by check, each pointing at its sentence, with a fix that saves a new version."""
    checks = row["content"].checks
    if not checks:
        st.info("The checks have not been run on this version.")
        return
    voice = checks.get("voice") or {}
    m = st.columns(4)
    m[0].metric("High", checks["counts"]["high"])
    m[1].metric("Warnings", checks["counts"]["warn"])
    simple = checks["simplification"]
    m[2].metric("Reading grade", f"{simple['reading_grade']:.1f}", help=f"target {simple['target_grade']:.0f}")
    m[3].metric("Voice fidelity", f"{voice['fidelity']:.2f}" if voice.get("fidelity") is not None else "n/a",
                help=voice.get("message") or "0..1: this creator rather than anyone else; 0.5 is the pass line, "
                                              "where 90% of their own unseen passages pass")
    if voice.get("profile_z") is not None:
        st.caption(f"Profile z {voice['profile_z']:.2f}: 0 is as typical as the creator's own held-out videos, "
                   "2+ is unusual for them.")
    findings = checks["coherence"] + simple["findings"] + checks["safety"]
    if simple.get("jargon"):
        st.dataframe(pd.DataFrame(simple["jargon"]), hide_index=True)
    for i, f in enumerate(findings):
        colour = SEVERITY_COLOURS.get(f["severity"], "gray")
        st.markdown(f":{colour}[**{f['severity']}**] {f['check']} · {plain(f['kind'])} — {plain(f['message'])}")
        if f.get("text"):
            st.caption(f["text"])
        if f.get("fix") and st.button(f"Apply: “{f['fix']['find'][:40]}” → “{f['fix']['replace'][:40]}”",
                                      key=f"fix_{row['version']}_{i}"):
            try:
                save_and_rerun(project, row["version"], apply_fix(row["content"], f), f"fix: {f['kind']}", "fix")
            except ScriptwrightError as exc:
                st.error(str(exc))


def export_buttons(project: str, version: int) -> None:
    """Write the exports and offer each for download; a script with no sentence is refused, and
    the sections left out for having no text are named."""
    try:
        paths = export_version(settings(), project, version)
    except ScriptwrightError as exc:
        st.error(str(exc))
        return
    note = missing_note(drafts.get(settings(), project, version)["content"])
    if note:
        st.warning(plain(note), icon=":material/warning:")
    cols = st.columns(3)
    for col, (kind, mime, label) in zip(cols, (("markdown", "text/markdown", "Markdown script"),
                                               ("teleprompter", "text/plain", "Teleprompter text"),
                                               ("bundle", "application/json", "JSON bundle"))):
        col.download_button(label, paths[kind].read_bytes(), paths[kind].name, mime, key=f"dl_{kind}_{version}",
                            on_click="ignore")
