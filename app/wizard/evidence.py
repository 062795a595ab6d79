"""The wizard's evidence steps, one function per tab: the idea's verdict, research notes with citations,
the fact check and the audience's questions. Drawing only."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from app.components import link, plain
from app.wizard.context import VERDICT_COLOURS, Wizard, launch
from pipelines.errors import ScriptwrightError
from pipelines.evidence.search import web_search
from pipelines.evidence.sources import list_sources
from pipelines.ingest.files import save_uploads

def idea(w: Wizard) -> None:
    """The idea's verdict: fit with past videos, demand in the comments, competition, sharper angles."""
    res = w.version_of("idea", "nv_idea_version")
    if not res:
        st.info("Not validated yet: press Validate idea above.")
    else:
        c = res["content"]
        st.markdown(f"### :{VERDICT_COLOURS.get(c['verdict'], 'gray')}[{c['verdict']}]")
        st.caption(f"v{res['version']} · {res['lm']} · {str(res['created_at'])[:16]}")
        w.gaps(c.get("problems"))
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


def research(w: Wizard) -> None:
    """Sources in (URLs, files, pasted text), notes out, every point citing its passage."""
    s, project_id = w.settings, w.project_id
    w.banners("research")
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
    res = w.version_of("research", "nv_research_version")
    if res:
        notes = res["content"]
        w.gaps(notes.get("problems"))
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


def verify(w: Wizard) -> None:
    """Claims checked against the sources: a verdict, a confidence and the quote behind each."""
    project_id = w.project_id
    w.banners("verification")
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
    res = w.version_of("verification", "nv_verify_version")
    if res:
        report = res["content"]
        w.gaps(report.get("problems"))
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


def audience(w: Wizard) -> None:
    """The creator's comments clustered, with the ones related to this idea starred."""
    creator, project_id, project = w.creator, w.project_id, w.project
    w.banners("audience")
    if st.button("Cluster my audience's comments", key="nv_audience"):
        launch("audience", {"creator": creator["slug"], "idea": project["idea"], "project": project_id}, "audience")
    res = w.version_of("audience", "nv_audience_version")
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
