import pandas as pd
import plotly.express as px
import streamlit as st

from app import state
from app.components import AXES, CHOSEN_CREATOR, job_banners, link, pick_creator, snippet, start_job
from app.state import settings
from pipelines import corpus
from pipelines.corpus import clock
from pipelines.errors import ScriptwrightError
from pipelines.ingest.files import save_uploads
from pipelines.ingest.model import UNTITLED

st.title("Creators")
s = settings()

with st.expander("Add videos to a creator", expanded=not state.creators()):
    with st.form("ingest_form"):
        name = st.text_input("Creator name", placeholder="e.g. Pip Halloran")
        urls = st.text_area("Channel, playlist or video URLs, or folders on this machine (one per line)")
        uploads = st.file_uploader("…or caption files (.srt .vtt .json3 .txt .info.json .zip)", accept_multiple_files=True)
        c1, c2, c3 = st.columns(3)
        lang = c1.text_input("Subtitle language", value="en")
        comments = c2.number_input("Comments per video", min_value=0, max_value=1000, value=0)
        limit = c3.number_input("At most N videos per source (0 = all)", min_value=0, value=0)
        submitted = st.form_submit_button("Ingest")
    if submitted:
        try:
            if not name.strip():
                raise ScriptwrightError("Give the creator a name.")
            sources = [u.strip() for u in urls.splitlines() if u.strip()]
            if uploads:
                folder = s.downloads_dir / "uploads" / corpus.slugify(name or "creator")
                sources.append(str(folder))
                save_uploads(folder, [(f.name, f.getvalue()) for f in uploads])
            if not sources:
                raise ScriptwrightError("Paste at least one URL or upload at least one file.")
            st.session_state.creator_pending = corpus.slugify(name)  # picked once its first videos are stored
            start_job("ingest", {"creator": name.strip(), "sources": sources, "lang": lang,
                                 "comments": int(comments), "limit": int(limit) or None}, "creators")
        except ScriptwrightError as exc:
            st.error(str(exc))

job_banners("creators", limit=3)

listed = state.creators()
pending = st.session_state.get("creator_pending")
match = next((c["name"] for c in listed if pending and pending in (c["name"], c["slug"])), None)
if match:
    st.session_state[CHOSEN_CREATOR] = st.session_state.creator_pick = match
    del st.session_state["creator_pending"]
creator = pick_creator(listed, "creator_pick", "No creators yet.")
slug = creator["slug"]

m = st.columns(5)
m[0].metric("Videos", creator["videos"])
m[1].metric("Words", f"{creator['words']:,}")
m[2].metric("Hours", creator["hours"])
m[3].metric("Chunks", creator["chunks"])
m[4].metric("Comments", creator["comments"])

videos = pd.DataFrame(state.videos(creator["id"]))
# the charts are drawn only while their tab is open: plotly's first chart costs a page load's worth of browser time
tab_videos, tab_charts, tab_search, tab_transcript = st.tabs(["Videos", "Charts", "Search", "Transcript"],
                                                             key="creators_tab", on_change="rerun")

with tab_videos:
    needle = st.text_input("Filter by title", key="video_filter")
    shown = videos[videos["title"].str.contains(needle, case=False, na=False)] if needle and len(videos) else videos
    if len(shown):
        untitled = int(shown["title"].str.startswith(UNTITLED).sum())
        if untitled:
            st.info(f"{untitled} video(s) came without a title and show as “{UNTITLED} (id)”: click a title to "
                    "type the real one, then save.")
        columns = ["id", "title", "published_at", "duration_s", "n_words", "words_per_min", "chunks", "comments",
                   "language", "url"]
        edited = st.data_editor(
            shown[columns], key=f"titles_{slug}", hide_index=True, width="stretch",
            disabled=[c for c in columns if c != "title"],
            column_config={"id": None, "url": st.column_config.LinkColumn("link"), "title": "title (editable)",
                           "published_at": "published", "n_words": "words", "words_per_min": "words per minute",
                           "duration_s": st.column_config.NumberColumn("duration (s)", format="%.0f")},
        )
        changed = [(int(i), str(new)) for i, old, new in zip(shown["id"], shown["title"], edited["title"])
                   if str(new) != str(old)]
        if changed and st.button(f"Save {len(changed)} title(s)", key="save_titles", type="primary"):
            try:
                for video_id, title in changed:
                    corpus.retitle_video(s, slug, video_id, title)
                st.rerun()
            except ScriptwrightError as exc:
                st.error(str(exc))
    else:
        st.info("No videos match." if needle else "No videos yet.")

with tab_charts:
    if tab_charts.open and len(videos):
        dated = videos.dropna(subset=["published_at"])
        if len(dated):
            st.plotly_chart(px.scatter(dated, x="published_at", y="n_words", size="duration_s", hover_name="title",
                                       labels=AXES, title="Words per video over time"), width="stretch")
        st.plotly_chart(px.bar(videos.sort_values("words_per_min"), x="words_per_min", y="title", orientation="h",
                               labels=AXES, title="Speaking pace (words per minute)"), width="stretch")

with tab_search:
    query = st.text_input("Search this creator's videos", key="search_query")
    mode = st.radio("Mode", ["hybrid", "vector", "fts"], horizontal=True, key="search_mode")
    if query:
        try:
            hits = corpus.search(s, query, slug, k=10, mode=mode)
        except ScriptwrightError as exc:
            st.error(str(exc))
            hits = []
        if not hits:
            st.info("No passages found.")
        for rank, h in enumerate(hits, 1):
            where = link(f"{h['title']} @ {clock(h['start_s'])}", h["link"])
            st.markdown(f"**{rank}. {where}**")
            st.text(snippet(h["text"]))

with tab_transcript:
    if len(videos):
        vid = st.selectbox("Video", videos["id"].tolist(), key="transcript_video",
                           format_func=lambda i: videos.loc[videos["id"] == i, "title"].iloc[0])
        segs = corpus.video_segments(s, int(vid))
        st.dataframe(pd.DataFrame([{"at": clock(x["start_s"]), "text": x["text"]} for x in segs]),
                     hide_index=True, width="stretch", height=420)

with st.expander(f"Manage {creator['name']}"):
    new_name = st.text_input("Display name", value=creator["name"], key=f"rename_{slug}")
    if st.button("Rename", key="creator_rename"):
        try:
            st.session_state.creator_pending = corpus.rename_creator(s, slug, new_name)["slug"]
            st.rerun()
        except ScriptwrightError as exc:
            st.error(str(exc))
    st.markdown(f"Deleting removes {creator['videos']} videos, their transcripts and search index, and "
                f"{creator['name']}'s DNA, projects, drafts, evals and chats. It cannot be undone.")
    sure = st.checkbox(f"Yes, delete {creator['name']} and everything made from their videos", key=f"sure_{slug}")
    if st.button("Delete creator", key="creator_delete", type="primary", disabled=not sure):
        try:
            corpus.delete_creator(s, slug)
            st.rerun()
        except ScriptwrightError as exc:
            st.error(str(exc))
