import pandas as pd
import plotly.express as px
import streamlit as st

from app import state
from app.components import CHOSEN_PROJECT, job_banners, link, pick_creator, placeholder_note, plain, start_job
from app.draft_views import checks_view, export_buttons, feedback_row, save_and_rerun, script_view, unsaved_edits
from app.publish_view import publish_tab
from app.state import settings
from pipelines.drafting import drafts
from pipelines.drafting.kit import kit_state
from pipelines.drafting.steps import AUDIENCE_LEVELS, choose_hook
from pipelines.costs import estimate_line
from pipelines.errors import ScriptwrightError
from pipelines.evidence import projects
from pipelines.provenance import is_placeholder, placeholder_line, placeholder_parts, setup_line
from pipelines.evidence.search import web_search
from pipelines.evidence.sources import list_sources
from pipelines.ingest.files import save_uploads
from pipelines.usable import DONE, PARTIAL, draft_states, empty_sections_message, has_script, result_state

STEPS = [("idea", ":material/lightbulb: Idea"), ("research", ":material/menu_book: Research"),
         ("verification", ":material/fact_check: Verify"), ("audience", ":material/forum: Audience")]
DRAFT_STEPS = [("outline", ":material/account_tree: Outline"), ("hooks", ":material/phishing: Hooks"),
               ("sections", ":material/edit_note: Script"), ("checks", ":material/rule: Checks"),
               ("publish", ":material/campaign: Publish"), ("export", ":material/ios_share: Export")]
RESULT_NAMES = {"idea": "idea verdict", "research": "research notes", "verification": "fact check",
                "audience": "audience questions"}
VERDICT_COLOURS = {"make it": "green", "sharpen it": "orange", "skip it": "red", "supported": "green",
                   "contradicted": "red", "not enough evidence": "orange"}
STATE_ICONS = {DONE: ":material/check_circle:", PARTIAL: ":material/warning:"}

st.title("New video")
s = settings()
creator = pick_creator(state.creators(), "nv_creator", "No creators yet. Ingest a channel on the Creators page first.")


def gaps(problems: list[str | None] | None) -> None:
    """What a step's model left missing, and what to do, above what it made."""
    for problem in filter(None, problems or []):
        st.warning(plain(problem), icon=":material/warning:")


def launch(kind: str, params: dict, step: str) -> None:
    """Start a step's job; its progress and outcome show in that step's tab (and rerun the page at once)."""
    start_job(kind, {**params, "tag": st.session_state.pipeline_tag, "prompts": st.session_state.prompt_overrides},
              f"new_video/{step}")


mine = projects.list_projects(s, creator["slug"])
NEW = "+ A new idea"  # ASCII: headless Chromium has no glyph for a fullwidth plus
choices = [NEW] + [p["id"] for p in mine]
if st.session_state.get("nv_pending") in choices:
    st.session_state.nv_project = st.session_state.pop("nv_pending")
if st.session_state.nv_project not in choices:
    chosen = st.session_state.get(CHOSEN_PROJECT)  # the project picked last, here or on the Drafts page
    st.session_state.nv_project = chosen if chosen in choices else choices[1] if len(choices) > 1 else NEW
titles = {p["id"]: p["working_title"] for p in mine}
project_id = st.selectbox("Project", choices, key="nv_project", format_func=lambda p: titles.get(p, p))
if project_id != NEW:
    st.session_state[CHOSEN_PROJECT] = project_id

with st.form("nv_idea_form"):
    default = "" if project_id == NEW else next(p["idea"] for p in mine if p["id"] == project_id)
    idea = st.text_input("Working title or idea", value=default, placeholder="e.g. Why the Monty Hall answer is 2/3")
    if st.form_submit_button("Validate idea"):
        try:
            if not idea.strip():
                raise ScriptwrightError("Describe the video in a few words first.")
            found = projects.ensure_project(s, creator["slug"], idea)
            st.session_state.nv_pending = found["id"]
            launch("idea-validate", {"creator": creator["slug"], "idea": idea.strip(), "title": idea.strip()}, "idea")
        except ScriptwrightError as exc:
            st.error(str(exc))

job_banners("new_video/idea")

if project_id == NEW:
    placeholder_note(setup_line(s), "nv_setup")
    st.info("Start with an idea: Scriptwright compares it with your past videos, your audience's comments and "
            "(when a search provider is configured) competing videos, then gives an honest verdict.")
    st.stop()

project = projects.get_project(s, project_id)
done = {kind: projects.result(s, project_id, kind) for kind, _ in STEPS}
current = drafts.find(s, project_id)
seen = st.session_state.draft_seen.get(project_id)
if current and seen and seen < current["version"] and current.get("job_id") not in st.session_state.active_jobs:
    editing = drafts.find(s, project_id, seen)
    if editing and unsaved_edits(editing):  # another tab or process saved meanwhile: keep what this session typed
        st.warning(f"v{current['version']} was saved while you were editing v{seen}. Saving keeps your edit as a "
                   f"new version based on v{seen}; compare the two on the Drafts page.")
        current = editing
if current:
    st.session_state.draft_seen[project_id] = current["version"]
draft = current["content"] if current else {}
states = {**{kind: result_state(done[kind]["content"] if done[kind] else None) for kind, _ in STEPS},
          **draft_states(draft), "publish": kit_state(draft)}
st.markdown("  →  ".join(f"**{label}** {STATE_ICONS[states[kind]]}" if states[kind] in STATE_ICONS else label
                         for kind, label in STEPS + DRAFT_STEPS))
if current:
    st.caption(f"Draft v{current['version']} · {current['step']} · {current['note'] or ''} · tag "
               f"{current['pipeline_tag'] or 'stable'} — every change is a new version (see Drafts)")
offline = [RESULT_NAMES[kind] for kind, _ in STEPS if done[kind] and is_placeholder(done[kind]["lm"])]
offline += placeholder_parts(draft, current["lm"] if current else None)
placeholder_note(placeholder_line(offline) or setup_line(s), "nv")
(tab_idea, tab_research, tab_verify, tab_audience, tab_outline, tab_hooks, tab_script, tab_checks, tab_publish,
 tab_export) = st.tabs([label for _, label in STEPS + DRAFT_STEPS], key="nv_step", on_change="rerun")


def version_of(kind: str, key: str) -> dict | None:
    versions = [v["version"] for v in projects.result_versions(s, project_id, kind)]
    if len(versions) > 1:
        chosen = st.selectbox("Version", versions, key=key)
        return projects.result(s, project_id, kind, chosen)
    return done[kind]


with tab_idea:
    res = version_of("idea", "nv_idea_version")
    if not res:
        st.info("Not validated yet: press Validate idea above.")
    else:
        c = res["content"]
        st.markdown(f"### :{VERDICT_COLOURS.get(c['verdict'], 'gray')}[{c['verdict']}]")
        st.caption(f"v{res['version']} · {res['lm']} · {str(res['created_at'])[:16]}")
        gaps(c.get("problems"))
        for reason in c["reasons"]:
            st.markdown(f"- {plain(reason)}")
        if c["angles"]:
            st.markdown("**Sharper angles**")
            for angle in c["angles"]:
                st.markdown(f"- {plain(angle)}")
        left, right = st.columns(2)
        with left:
            st.markdown(f"**Fit with past videos:** {c['fit']['verdict']}")
            if c["fit"]["videos"]:
                fit = pd.DataFrame(c["fit"]["videos"])
                st.plotly_chart(px.bar(fit.iloc[::-1], x="similarity", y="title", orientation="h", range_x=[0, 1],
                                       title="Closest past videos (cosine similarity)"), width="stretch")
        with right:
            d = c["demand"]
            st.metric("Comments about this idea", d["matching"], help=f"of {d['comments']} comments")
            st.metric("…asking or requesting it", d["asking"])
            for q in d["quotes"]:
                st.markdown(f"> {plain(q['text'])}  \n> — {link(q['video_title'] or 'video', q['link'])}")
        comp = c["competition"]
        st.markdown("**Competition**")
        if comp["configured"]:
            st.dataframe(pd.DataFrame(comp["videos"]), hide_index=True, width="stretch",
                         column_config={"url": st.column_config.LinkColumn("url")})
        else:
            st.caption(comp["note"])
        if c["knowledge_gaps"]:
            st.markdown("**Audience questions you have never answered in a video**")
            st.dataframe(pd.DataFrame(c["knowledge_gaps"])[["label", "count", "quote"]], hide_index=True,
                         width="stretch")

with tab_research:
    job_banners("new_video/research")
    with st.form("nv_research_form"):
        urls = st.text_area("Source URLs (one per line)", key="nv_urls")
        uploads = st.file_uploader("…or files (.html .pdf .txt .md)", accept_multiple_files=True, key="nv_uploads")
        pasted = st.text_area("…or paste text", key="nv_pasted")
        web_on = web_search(s) is not None
        web = st.checkbox("Also search the web", disabled=not web_on, key="nv_web",
                          help=None if web_on else "Set SCRIPTWRIGHT_WEB_SEARCH to a SearxNG URL to enable.")
        use_corpus = st.checkbox("Also use passages from my own videos", value=True, key="nv_corpus")
        go = st.form_submit_button("Add sources and write notes")
    if go:
        specs = [u.strip() for u in urls.splitlines() if u.strip()]
        if uploads:
            folder = s.downloads_dir / "sources" / project_id
            specs += [str(p) for p in save_uploads(folder, [(f.name, f.getvalue()) for f in uploads])]
        launch("research", {"project": project_id, "sources": specs, "texts": [pasted] if pasted.strip() else [],
                            "web": web, "corpus": use_corpus}, "research")
    stored = list_sources(s, project_id)
    if stored:
        st.markdown(f"**Sources ({len(stored)})**")
        st.dataframe(pd.DataFrame([{"title": x["title"], "link": x["uri"], "kind": x["kind"], "words": x["n_words"],
                                    "chunks": x["chunks"], "flagged": "yes" if x["flags"] else ""} for x in stored]),
                     hide_index=True, width="stretch", column_config={"link": st.column_config.LinkColumn("link")})
    res = version_of("research", "nv_research_version")
    if res:
        notes = res["content"]
        gaps(notes.get("problems"))
        for f in notes["flags"]:
            st.warning(f"Instruction-like text in {plain(f['source'])} was treated as data and withheld from the "
                       f"model: “{plain(f['excerpt'])}”")

        def cites(item: dict) -> str:
            return " ".join(link(f"[P{c['n']}]", c["uri"]) for c in item["cites"])

        for title, key in (("Key points", "key_points"), ("Numbers", "numbers")):
            if notes[key]:
                st.markdown(f"**{title}**")
                for n in notes[key]:
                    st.markdown(f"- {plain(n['text'])} {cites(n)}")
        if notes["definitions"]:
            st.markdown("**Definitions**")
            for d in notes["definitions"]:
                st.markdown(f"- **{plain(d['term'])}**: {plain(d['meaning'])} {cites(d)}")
        if notes["open_questions"]:
            st.markdown("**Open questions**")
            for q in notes["open_questions"]:
                st.markdown(f"- {plain(q)}")
        if notes["dropped_uncited"]:
            st.caption(f"{len(notes['dropped_uncited'])} point(s) were dropped because they cited no source passage.")
        with st.expander("Passages the notes were written from"):
            for p in notes["passages"]:
                st.markdown(f"**[P{p['n']}]** {link(p['title'] or p['uri'], p['uri'])}")
                st.text(p["text"])
    elif not stored:
        st.info("Add sources (web pages, PDFs, your own notes) and Scriptwright writes notes in which every point "
                "cites the passage it came from.")

with tab_verify:
    job_banners("new_video/verification")
    with st.form("nv_verify_form"):
        mode = st.radio("Check", ["the latest research notes", "claims I list (one per line)",
                                  "a draft (claims are extracted)"], key="nv_verify_mode")
        text = st.text_area("Claims or draft", key="nv_verify_text")
        check = st.form_submit_button("Check claims")
    if check:
        try:
            if mode != "the latest research notes" and not text.strip():
                raise ScriptwrightError("Paste the claims or the draft to check.")
            params = {"project": project_id}
            if mode.startswith("claims"):
                params["claims"] = [line.strip() for line in text.splitlines() if line.strip()]
            elif mode.startswith("a draft"):
                params["text"] = text
            launch("verify", params, "verification")
        except ScriptwrightError as exc:
            st.error(str(exc))
    res = version_of("verification", "nv_verify_version")
    if res:
        report = res["content"]
        gaps(report.get("problems"))
        counts = pd.DataFrame([{"verdict": k, "claims": v} for k, v in report["counts"].items()])
        st.plotly_chart(px.bar(counts, x="verdict", y="claims", color="verdict",
                               color_discrete_map={"supported": "green", "contradicted": "red",
                                                   "not enough evidence": "orange"}), width="stretch")
        for c in report["claims"]:
            colour = VERDICT_COLOURS[c["verdict"]]
            st.markdown(f":{colour}[**{c['verdict']}**] · confidence {c['confidence']:.2f} — {plain(c['claim'])}")
            if c["quote"]:
                source = c["evidence"][0]
                st.markdown(f"> {plain(c['quote'])}  \n> — {link(source['title'] or source['uri'], source['uri'])}")
            st.caption(c["reason"])

with tab_audience:
    job_banners("new_video/audience")
    if st.button("Cluster my audience's comments", key="nv_audience"):
        launch("audience", {"creator": creator["slug"], "idea": project["idea"], "project": project_id}, "audience")
    res = version_of("audience", "nv_audience_version")
    if res:
        report = res["content"]
        if not report["total"]:
            st.info(report.get("note") or "No comments.")
        else:
            kinds = pd.DataFrame([{"kind": k, "comments": v} for k, v in report["by_kind"].items()])
            st.plotly_chart(px.pie(kinds, names="kind", values="comments", title=f"{report['total']} comments"),
                            width="stretch")
            for c in report["clusters"]:
                star = " ★ related to this idea" if c["id"] in report.get("related", []) else ""
                with st.expander(f"{c['kind']} · {c['label']} · {c['count']} comments{star}"):
                    for q in c["quotes"]:
                        st.markdown(f"> {plain(q['text'])}  \n> — {link(q['video_title'] or 'video', q['link'])}"
                                    f" · {q['likes'] or 0} likes")
            if report.get("gaps"):
                st.markdown("**Questions you have never answered in a video**")
                st.dataframe(pd.DataFrame(report["gaps"])[["label", "count", "quote", "best_video_title"]],
                             hide_index=True, width="stretch", column_config={"best_video_title": "closest video"})
            if report.get("confusions"):
                st.markdown("**What still confused viewers after a video**")
                st.dataframe(pd.DataFrame(report["confusions"])[["label", "count", "quote", "video_title"]],
                             hide_index=True, width="stretch", column_config={"video_title": "left under"})
    else:
        st.info("Cluster your comments into questions, confusions, requests and praise, and see which relate to "
                "this idea.")


def draft_step(kind: str, extra: dict | None = None) -> None:
    launch(f"draft-{kind}", {"project": project_id, "base_version": current["version"] if current else None,
                             **(extra or {})}, kind)


with tab_outline:
    job_banners("new_video/outline")
    cols = st.columns(3)
    minutes = cols[0].number_input("Target length (minutes, 0 = your typical video)", 0.0, 60.0,
                                   value=0.0, step=0.5, key="nv_minutes")
    level = cols[1].selectbox("Audience level", AUDIENCE_LEVELS, index=AUDIENCE_LEVELS.index(
        draft.get("audience_level", "general")), key="nv_level")
    if cols[2].button("Write the outline", key="nv_outline"):
        draft_step("outline", {"target_minutes": minutes or None, "audience_level": level})
    if cols[2].button("Draft the whole video", key="nv_whole", icon=":material/fast_forward:",
                      help="Outline, hooks (the best one chosen), script and checks in one job."):
        launch("draft", {"project": project_id, "base_version": current["version"] if current else None,
                         "target_minutes": minutes or None, "audience_level": level}, "outline")
    cols[2].caption(estimate_line(s, research=False))
    if draft.get("outline"):
        gaps((draft.get("problems") or {}).get("outline"))
        fw = draft["framework"]
        st.markdown(f"**Framework: {plain(fw['name'])}** — {plain(fw['why'])}")
        table = pd.DataFrame([{"title": o["title"], "goal": o["goal"], "beats": "; ".join(o["beats"]),
                               "minutes": round(o["duration_s"] / 60, 1)} for o in draft["outline"]])
        edited = st.data_editor(table, hide_index=True, width="stretch", disabled=["minutes"], key="nv_outline_edit")
        if st.button("Save outline edits", key="nv_outline_save"):
            save_and_rerun(project_id, current["version"], drafts.edit_outline(draft, edited.to_dict("records")),
                           "edited the outline")
    else:
        st.info("The outline picks an educational framework for this idea and sizes each section from your "
                "speaking pace.")

with tab_hooks:
    job_banners("new_video/hooks")
    if st.button("Write hooks", key="nv_hooks", disabled=not draft.get("outline")):
        draft_step("hooks")
    if draft.get("outline"):
        gaps((draft.get("problems") or {}).get("hooks"))
    if draft.get("hooks"):
        table = pd.DataFrame([{"style": h["style"], "score": h["score"], "voice": h["voice"],
                               **h["rubric"], "hook": h["text"]} for h in draft["hooks"]])
        st.dataframe(table, hide_index=True, width="stretch")
        ids = [h["id"] for h in draft["hooks"]]
        chosen_id = (draft.get("hook") or {}).get("id")
        styles = {h["id"]: h["style"] for h in draft["hooks"]}
        pick = st.radio("Use", ids, index=ids.index(chosen_id) if chosen_id in ids else 0, horizontal=True,
                        key="nv_hook_pick", format_func=lambda h: styles.get(h, h))
        picked = next(h for h in draft["hooks"] if h["id"] == pick)
        text = st.text_area("Edit it if you like", picked["text"], key=f"nv_hook_text_{pick}")
        if picked.get("voice_note"):
            st.caption(picked["voice_note"])
        if st.button("Use this hook", key="nv_hook_use"):
            save_and_rerun(project_id, current["version"], choose_hook(draft, pick, text), f"chose hook {pick}",
                           "hook")
    else:
        st.info("Hooks come in four styles (question, surprising fact, story, stakes), each scored for your voice "
                "and on a judge's rubric." if draft.get("outline") else "Write the outline first.")

with tab_script:
    job_banners("new_video/script")
    if st.button("Write the script", key="nv_script", disabled=not draft.get("outline")):
        draft_step("script")
    if draft.get("sections"):
        gaps([empty_sections_message(draft, (current["lm"] or {}).get("writer"))])
        script_view(project_id, current, editable=True)
        st.markdown("**The whole draft**")
        feedback_row(project_id, current["version"], "draft", "draft", f"fb_draft_{current['version']}")
    else:
        st.info("The script is written section by section in your voice, with citations kept on the sentences "
                "that use them." if draft.get("outline") else "Write the outline first.")

with tab_checks:
    job_banners("new_video/checks")
    if st.button("Run the checks", key="nv_checks", disabled=not has_script(draft)):
        draft_step("checks")
    if current and has_script(draft):
        checks_view(project_id, current)
    else:
        st.info("Write the script first: the checks need its sentences.")

with tab_publish:
    publish_tab(project_id, current, launch)

with tab_export:
    if current and draft.get("sections"):
        export_buttons(project_id, current["version"])
    else:
        st.info("Write the script first.")
