"""The Creators page: explore a corpus, search it, read a transcript, ingest from the form."""

import shutil

from streamlit.testing.v1 import AppTest

from pipelines import corpus
from tests.app.conftest import wait_for_jobs
from tests.conftest import SAMPLE


def pick(app: AppTest, name: str) -> None:
    box = app.selectbox(key="creator_pick")
    box.select_index(box.options.index(name)).run()


def open_creators(app: AppTest) -> AppTest:
    app.switch_page("app_pages/creators.py")
    app.run()
    assert not app.exception, app.exception
    return app


def test_explore_a_creator(app: AppTest) -> None:
    open_creators(app)
    pick(app, "Pip Halloran")
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Videos"] == "7"
    videos = app.dataframe[0].value
    assert "The Monty Hall Problem" in " ".join(videos["title"]) or len(videos) == 7
    assert (videos["words_per_min"] > 100).all()


def test_filter_search_and_transcript(app: AppTest) -> None:
    open_creators(app)
    pick(app, "Pip Halloran")
    app.text_input(key="video_filter").input("logarithm").run()
    assert len(app.dataframe[0].value) == 1
    app.text_input(key="search_query").input("grandmother abacus").run()
    hits = [m.value for m in app.markdown if m.value.startswith("**1. ")]
    assert hits, "search shows ranked passages"
    assert not any("score 0." in m.value for m in app.markdown), "no raw fusion scores"
    assert all(t.value.endswith(("…", ".", "?", "!")) or len(t.value) < 600 for t in app.text), "snippets end on a word"
    app.selectbox(key="transcript_video").select_index(0).run()
    transcript = app.dataframe[-1].value
    assert len(transcript) > 10 and transcript["at"].iloc[0] == "0:00"


def test_ingest_form_runs_a_job_and_adds_the_creator(app: AppTest, sample_settings, tmp_path) -> None:
    folder = tmp_path / "captions"
    folder.mkdir()
    for f in sorted((SAMPLE / "rex-builds-history").glob("*.srt"))[:2]:
        shutil.copy(f, folder)
    open_creators(app)
    app.text_input[0].input("Form Tester")
    app.text_area[0].input(str(folder))
    app.button[0].click().run()
    assert not app.error, [e.value for e in app.error]
    wait_for_jobs(sample_settings)
    app.run()
    assert corpus.get_creator(sample_settings, "Form Tester")
    assert any("Ingest finished" in s.value for s in app.success)
    assert {m.label: m.value for m in app.metric}["Videos"] == "2"


def test_ingest_form_without_a_name_shows_an_error(app: AppTest) -> None:
    open_creators(app)
    app.text_area[0].input("/tmp")
    app.button[0].click().run()
    assert app.error[0].value == "Give the creator a name."


def test_failed_ingest_is_shown_with_the_file(app: AppTest, sample_settings, tmp_path) -> None:
    bad = tmp_path / "empty.srt"
    bad.write_text("")
    open_creators(app)
    app.text_input[0].input("Broken Files")
    app.text_area[0].input(str(bad))
    app.button[0].click().run()
    wait_for_jobs(sample_settings)
    app.run()
    assert any("empty.srt" in e.value for e in app.error)


def test_rename_and_delete_a_creator_from_the_page(app: AppTest, sample_settings) -> None:
    open_creators(app)
    pick(app, "Rex Moreno")
    app.text_input(key="rename_rex-moreno").input("Rex M.")
    app.button(key="creator_rename").click().run()
    assert not app.exception and corpus.get_creator(sample_settings, "rex-moreno")["name"] == "Rex M."
    assert app.selectbox(key="creator_pick").value == "Rex M."
    assert app.button(key="creator_delete").disabled, "deleting needs the confirmation box first"
    app.checkbox(key="sure_rex-moreno").check().run()
    app.button(key="creator_delete").click().run()
    assert not app.exception
    assert "rex-moreno" not in {c["slug"] for c in corpus.list_creators(sample_settings)}
    assert "Rex M." not in app.selectbox(key="creator_pick").options


def test_charts_are_drawn_only_while_their_tab_is_open(app: AppTest) -> None:
    open_creators(app)
    pick(app, "Pip Halloran")
    assert not app.get("plotly_chart"), "a hidden Charts tab costs the browser nothing"
    app.session_state["creators_tab"] = "Charts"
    app.run()
    assert len(app.get("plotly_chart")) == 2 and not app.exception


def test_creator_lists_are_read_again_only_after_the_corpus_changes(app: AppTest, sample_settings, monkeypatch) -> None:
    open_creators(app)
    reads = []
    listed = corpus.list_creators
    monkeypatch.setattr(corpus, "list_creators", lambda s: reads.append(1) or listed(s))
    app.run()
    app.run()
    assert reads == [], "an unchanged corpus is not read again"
    corpus.rename_creator(sample_settings, "pip-halloran", "Pip H.")  # any process's write renews the corpus version
    app.run()
    assert reads == [1] and "Pip H." in app.selectbox(key="creator_pick").options
