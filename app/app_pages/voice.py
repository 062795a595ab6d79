import pandas as pd
import plotly.express as px
import streamlit as st

from app import state
from app.components import AXES, job_banners, link, pick_creator, plain, start_job
from app.state import settings
from pipelines import jobs
from pipelines.corpus import clock
from pipelines.errors import ScriptwrightError
from pipelines.voice import dna

st.title("Voice")
s = settings()


@st.fragment(run_every=2.0)
def follow_dna(slug: str, drawn: tuple[int, str] | None) -> None:
    """While a DNA build started here runs, redraw the page as soon as it saves a part."""
    if dna.revision(s, slug) != drawn:
        st.rerun()


creators = state.creators()
creator = pick_creator(creators, "voice_creator", "No creators yet. Ingest a channel on the Creators page first.")
snapshots = dna.list_snapshots(s, creator["slug"])

tab_dna, tab_score = st.tabs(["Creator DNA", "Score a script"], key="voice_tab")  # stays open across reruns

with tab_dna:
    left, right = st.columns([3, 1])
    with right:
        force = st.checkbox("Rebuild even if unchanged", key="dna_force")
        if st.button("Build Creator DNA", key="dna_build"):
            start_job("dna-build", {"creator": creator["slug"], "force": force, "tag": st.session_state.pipeline_tag,
                                    "prompts": st.session_state.prompt_overrides}, "voice/dna")
    with left:
        job_banners("voice/dna")
    if any(st.session_state.job_places.get(j) == "voice/dna" and jobs.get(s, j)["status"] not in jobs.FINAL
           for j in st.session_state.active_jobs):
        follow_dna(creator["slug"], dna.revision(s, creator["slug"]))

    if not snapshots:
        left.info(f"No Creator DNA for {creator['name']} yet: build it to see how they talk, teach and pace.")
    else:
        versions = [x["version"] for x in snapshots]
        # keyed by creator and newest version: another creator, or a version just built, opens on the newest
        version = left.selectbox("DNA version", versions, key=f"dna_version_{creator['slug']}_{versions[0]}",
                                 format_func=lambda v: f"v{v} · " + str(next(x["created_at"] for x in snapshots
                                                                              if x["version"] == v))[:16])
        snap = dna.snapshot(s, creator["slug"], version)
        guide = snap["style_guide"]
        state = dna.guide_state(s, snap)
        written = state["status"] == "written"
        if state["status"] == "writing":
            left.info("Writing the style guide… The measurements and signature phrases below are already in use.")
        elif state["status"] == "failed":
            left.error(state["error"])
        elif not written:
            left.info("The style guide and stories are not written yet; the measurements and signature phrases "
                      "below are already in use for drafting and the assistant.")
        if state["status"] in ("measured", "failed") and version == versions[0]:
            label = "Write the style guide again" if state["status"] == "failed" else "Write the style guide"
            if left.button(label, key="dna_guide"):
                start_job("dna-build", {"creator": creator["slug"], "part": "guide",
                                        "tag": st.session_state.pipeline_tag,
                                        "prompts": st.session_state.prompt_overrides}, "voice/dna")

        tab_glance, tab_guide, tab_phrases, tab_stories, tab_diff = st.tabs(
            ["At a glance", "Style guide", "Signature phrases", "Stories", "Compare versions"],
            key="voice_dna_part", on_change="rerun")  # a hidden tab's chart is not drawn (see Creators)

        with tab_glance:
            st.caption(f"From {snap['n_videos']} videos · corpus {snap['corpus_hash'][:10]} · style guide "
                       + (f"written by {snap['lm']}" if written else dna.GUIDE_NOT_WRITTEN[state["status"]]))
            others = []
            for c in creators:
                other = dna.latest(s, c["slug"])
                if other:
                    others.append({"creator": c["name"], **{k: (other["features"].get(k) or {}).get("median")
                                                            for k, _, _ in dna.MEASUREMENTS}})
            frame = pd.DataFrame(others)
            chart_cols = st.columns(2)
            for col, (key, label) in zip(chart_cols, [("wpm", "Speaking pace (words/min)"),
                                                      ("median_sentence_len", "Median sentence length (words)")]):
                if key in frame and frame[key].notna().any():
                    col.plotly_chart(px.bar(frame, x="creator", y=key, title=label, labels={key: label},
                                            color=frame["creator"].eq(creator["name"]).map({True: "this creator",
                                                                                           False: "others"})),
                                     width="stretch")
            per_video = pd.DataFrame([{"video": vid, **{k: v for k, v in f.items() if isinstance(v, (int, float))}}
                                      for vid, f in snap["video_features"].items()])
            if "wpm" in per_video and "median_sentence_len" in per_video:
                st.plotly_chart(px.scatter(per_video, x="median_sentence_len", y="question_rate", size="n_words",
                                           labels=AXES, hover_name="video",
                                           title="Per video: sentence length vs questions per 1,000 words"),
                                width="stretch")
            st.markdown("**Measured**")
            st.text(guide["measurements"])

        with tab_guide:
            if written:
                st.markdown(f"**Summary** — {guide.get('summary') or ''}")
            st.markdown("**Where this creator differs from others (measured)**")
            for rule in guide.get("measured_rules", []):
                st.markdown(f"- {rule}")
            if written:
                cols = st.columns(2)
                for col, key, title in ((cols[0], "do", "Do"), (cols[1], "dont", "Don't")):
                    col.markdown(f"**{title}**")
                    for r in guide.get(key, []):
                        col.markdown(f"- {r['rule']}  \n  _“{r['example']}”_")
            else:
                st.caption(f"Summary and do/don't rules: {dna.GUIDE_NOT_WRITTEN[state['status']]}")

        with tab_phrases:
            phrases = snap["signature_phrases"]
            if phrases and tab_phrases.open:
                st.plotly_chart(px.bar(pd.DataFrame(phrases[:15]).iloc[::-1], x="z", y="phrase", orientation="h",
                                       hover_data=["count", "videos", "background"],
                                       title="Signature phrases (weighted log-odds vs other creators)"), width="stretch")
            for p in phrases:
                with st.expander(f"“{p['phrase']}” · said {p['count']}× in {p['videos']} videos"):
                    for e in p["examples"]:
                        st.markdown(link(f"{e['title']} @ {clock(e['start_s'])}", e.get("link")))
                        st.text(e["context"])

        with tab_stories:
            if not written:
                st.info("Stories and analogies are collected with the style guide, which is not written yet.")
            elif not snap["stories"]:
                st.info("No recurring stories were found in this build (the embedded model finds few; a real LM finds more).")
            for story in snap["stories"]:
                where = f"{story['title']} @ {clock(story['start_s'])}" if story.get("title") else "not located"
                st.markdown(f"- **{plain(story['kind'])}**: {plain(story['summary'])} — {link(where, story.get('link'))}")

        with tab_diff:
            if len(versions) < 2:
                st.info("Only one DNA version so far.")
            else:
                c1, c2 = st.columns(2)
                old = c1.selectbox("From", versions[1:], key="diff_old")
                new = c2.selectbox("To", versions, key="diff_new")
                try:
                    d = dna.diff(dna.snapshot(s, creator["slug"], old), dna.snapshot(s, creator["slug"], new))
                    st.dataframe(pd.DataFrame(d["measurements"]), hide_index=True)
                    st.markdown(f"Phrases added: {', '.join(d['phrases_added']) or 'none'}  \n"
                                f"Phrases removed: {', '.join(d['phrases_removed']) or 'none'}")
                    st.code(d["style_guide_diff"] or "(style guide unchanged)", language="diff")
                except ScriptwrightError as exc:
                    st.error(str(exc))

with tab_score:
    from pipelines.voice import scorer

    job_banners("voice/score")
    name = creator["name"]
    st.caption(f"Fidelity 0–1: how much a text sounds like {name} rather than like anyone else — compared with "
               "the workspace's other creators and a background of many real voices. 0.5 is the pass line, where "
               f"90% of {name}'s own unseen passages pass; 0.9 is as typical as their usual passage.")
    card = scorer.scorer_card(s, creator=creator["slug"])
    figures = (card or {}).get("open_set")
    if figures:
        c = st.columns(4)
        c[0].metric("Voices never seen that pass", f"{100 * figures['far_at_90']:.0f}% of videos",
                    help="False accepts at the pass line: videos of creators in neither the training set nor the "
                         "background that score as this creator, while 90% of their own held-out videos do.")
        c[1].metric("…of 300-word passages", f"{100 * figures['window_far_at_90']:.0f}%")
        c[2].metric("Separation (AUC)", f"{figures['video_auc']:.3f}",
                    help="ROC AUC of fidelity, own held-out videos vs never-seen voices (1.0 = perfect).")
        c[3].metric("Tested on", f"{figures['n_own_videos']} own · {figures['n_unseen_videos']} other videos")
        if card.get("accuracy") is not None:
            st.caption(f"Among this workspace's creators the scorer names the right one for "
                       f"{100 * card['accuracy']:.0f}% of held-out videos ({100 * card['window_accuracy']:.0f}% of "
                       "300-word passages).")
        for w in card.get("warnings") or []:
            st.warning(w)
    else:
        st.warning("The scorer has not been validated on this workspace yet, so its scores carry no accuracy figure.")
    if st.button("Validate the scorer (held-out videos and voices it never saw)", key="voice_validate"):
        start_job("voice-validate", {"folds": 5}, "voice/score")

    ready = scorer.current_model(s, train_if_missing=False) is not None
    if not ready:
        st.info("The voice model has not been trained on this workspace's videos as they are now. Training takes "
                "a minute or so and runs in the background.")
        if st.button("Train the voice model", key="voice_train"):
            corpus_state = scorer.corpus_key(s, scorer.training_documents(s))
            start_job("voice-train", {}, "voice/score", idempotency_key=f"voice-train-{corpus_state}")

    script = st.text_area("Paste a script", key="voice_text", height=200)
    uploads = st.file_uploader("…or score a batch of files (.txt, .md)", accept_multiple_files=True, key="voice_files")
    if st.button("Score", key="voice_score", disabled=not ready):
        texts = [("pasted script", script)] if script.strip() else []
        texts += [(f.name, f.getvalue().decode("utf-8", errors="replace")) for f in uploads or []]
        try:
            if not texts:
                raise ScriptwrightError("Paste a script or upload files to score.")
            st.session_state.voice_results = scorer.score_texts(s, creator["slug"], texts)
        except ScriptwrightError as exc:
            st.error(str(exc))
    results = [r for r in st.session_state.voice_results if r["creator"] == creator["slug"]]
    names = {c["slug"]: c["name"] for c in creators}
    if len(results) > 1:
        table = pd.DataFrame([{"file": r["name"], "fidelity": r["fidelity"], "sounds like them": r["sounds_like"],
                               "closest creator": names.get(r["best_match"], r["best_match"]), "words": r["n_words"],
                               "note": r["message"]} for r in results])
        st.dataframe(table, hide_index=True, width="stretch")
        st.download_button("Download CSV", table.to_csv(index=False), "voice-scores.csv", "text/csv",
                           key="voice_csv", on_click="ignore")
    for r in results:
        st.markdown(f"#### {r['name']}")
        if r["message"]:
            st.warning(r["message"])
            continue
        verdict = f"Sounds like {name}" if r["sounds_like"] else f"Does not sound like {name}"
        (st.success if r["sounds_like"] else st.warning)(f"{verdict}: fidelity {r['fidelity']:.2f} (pass line "
                                                          f"{r['threshold']:.2f}).")
        m = st.columns(3)
        m[0].metric("Fidelity", f"{r['fidelity']:.2f}")
        m[1].metric("Function-word profile", f"{r['profile_z']:+.1f} sd",
                    help=f"How far its use of small words (the, you, so, just…) is from {name}'s usual passage, in "
                         f"standard deviations of {name}'s own videos: 0 is typical, 2 or more is unusual for them.")
        if r["best_match"]:
            m[2].metric("Closest of your creators", names.get(r["best_match"], r["best_match"]))
        st.markdown(f"**Sounds least like {name}**")
        for sent in r["off_voice_sentences"]:
            st.markdown(f"> :red-background[{plain(sent['text'])}]")
        st.markdown("**What pulls it away**")
        for pull in r["pulls_away"]:
            st.markdown(f"- {plain(pull['explanation'])}")
        if not r["pulls_away"]:
            st.markdown("- Nothing stands out.")
