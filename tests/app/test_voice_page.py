"""The Voice page: the measured DNA the demo creators are seeded with, the style guide written (and
written again after a failure) from the page, then read (AppTest)."""

import dspy
import pytest
from streamlit.testing.v1 import AppTest

from pipelines import jobs
from pipelines.voice import dna
from tests.app.conftest import wait_for_jobs
from tests.conftest import ScriptLM
from tests.integration.test_dna import GUIDE, JUNK_GUIDES, STORIES


def answer_writer(script_lm: ScriptLM, answers: list[dict]) -> None:
    script_lm(lambda settings, role: dspy.utils.DummyLM(answers, adapter=dspy.JSONAdapter()))


@pytest.fixture
def scripted_writer(script_lm):
    answer_writer(script_lm, [GUIDE, STORIES] * 6)


def pick(app: AppTest, name: str) -> None:
    box = app.selectbox(key="voice_creator")
    box.select_index(box.options.index(name)).run()


def version_shown(app: AppTest) -> int:
    (box,) = [b for b in app.selectbox if b.label == "DNA version"]
    return box.value


def markdown(app: AppTest) -> str:
    return " ".join(m.value for m in app.markdown)


def test_seeded_dna_is_shown_measured_and_its_guide_written_from_the_page(app: AppTest, sample_settings,
                                                                         scripted_writer) -> None:
    app.switch_page("app_pages/voice.py")
    app.run()
    pick(app, "Pip Halloran")
    assert version_shown(app) == 1
    assert any("not written yet" in i.value for i in app.info)
    assert "Questions: more than other creators" in markdown(app) and "speaking pace" in app.text[0].value
    assert any("sneaky part" in e.label for e in app.expander)
    assert "Ask the viewer questions" not in markdown(app)
    assert app.button(key="dna_guide").label == "Write the style guide"
    app.button(key="dna_guide").click().run()
    wait_for_jobs(sample_settings)
    app.run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert "Ask the viewer questions" in markdown(app) and "Gran's abacus" in markdown(app)
    assert not [b for b in app.button if b.key == "dna_guide"], "nothing left to write"
    assert dna.latest(sample_settings, "pip-halloran")["version"] == 1


def test_a_failed_guide_shows_its_error_next_to_the_measurements_and_can_be_written_again(
        app: AppTest, sample_settings, script_lm) -> None:
    answer_writer(script_lm, [JUNK_GUIDES[0][0]])
    failed = jobs.submit_and_run(sample_settings, "dna-build", {"creator": "Pip Halloran", "force": True})
    assert failed["status"] == "failed"
    app.switch_page("app_pages/voice.py")
    app.run()
    pick(app, "Pip Halloran")
    assert version_shown(app) == 2
    assert any("its summary is not a sentence" in e.value and "--part guide" in e.value for e in app.error)
    assert "Questions: more than other creators" in markdown(app), "the measured sections are shown"
    assert any("sneaky part" in e.label for e in app.expander)
    retry = app.button(key="dna_guide")
    assert retry.label == "Write the style guide again"

    answer_writer(script_lm, [GUIDE, STORIES])
    retry.click().run()
    done = wait_for_jobs(sample_settings)
    assert [j["params"].get("part") for j in done if j["kind"] == "dna-build"][0] == "guide"
    app.run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert "Ask the viewer questions" in markdown(app)
    assert [s["version"] for s in dna.list_snapshots(sample_settings, "pip-halloran")] == [2, 1]


def test_a_guide_being_written_shows_the_measurements_meanwhile(app: AppTest, sample_settings) -> None:
    from pipelines import corpus
    from pipelines.store.duckdb import execute

    writing, _ = jobs.create(sample_settings, "dna-build", {"creator": "rex-moreno", "part": "guide"})
    execute(sample_settings.duckdb_path, "UPDATE jobs SET status = 'running' WHERE id = ?", [writing])
    execute(sample_settings.duckdb_path, "UPDATE dna_snapshots SET guide_status = 'writing', guide_job_id = ?"
                                         " WHERE creator_id = ?",
            [writing, corpus.get_creator(sample_settings, "rex-moreno")["id"]])
    app.switch_page("app_pages/voice.py")
    app.run()
    pick(app, "Rex Moreno")
    assert any(i.value.startswith("Writing the style guide…") for i in app.info)
    assert "than other creators" in markdown(app)
    assert not [b for b in app.button if b.key == "dna_guide"], "no second writer while one is at work"


def test_voice_page_shows_the_dna(app: AppTest, sample_settings, scripted_writer) -> None:
    for name in ("Pip Halloran", "Rex Moreno"):
        assert jobs.submit_and_run(sample_settings, "dna-build", {"creator": name})["status"] == "succeeded"
    app.switch_page("app_pages/voice.py")
    app.run()
    pick(app, "Pip Halloran")
    assert not app.exception, app.exception
    text = markdown(app)
    assert "Questions: more than other creators" in text
    assert "Ask the viewer questions" in text and "Gran's abacus" in text
    assert any("sneaky part" in e.label for e in app.expander)
    assert "speaking pace" in app.text[0].value


REX_STYLE = ("What's up, builders! Today you're going inside a cell, and no joke, this is wild. Enzymes are tiny "
             "machines. You heat them up, they go faster. Heat them too much? Boom. They fall apart! It's like a crew "
             "on a job site working double time until the scaffolding collapses. Crazy, right? So you want the sweet "
             "spot. Not too cold, not too hot. Just right. Every enzyme has its own favorite temperature. Build it "
             "better. Peace.")


def test_score_a_pasted_script_with_the_scorer_card(app: AppTest, sample_settings) -> None:
    assert jobs.submit_and_run(sample_settings, "voice-validate", {"folds": 3})["status"] == "succeeded"
    app.switch_page("app_pages/voice.py")
    app.run()
    pick(app, "Dr. Amara Okafor")
    metrics = {m.label: m.value for m in app.metric}
    # the open-set card: how often voices the scorer never saw pass as this creator
    assert metrics["Voices never seen that pass"].endswith("% of videos")
    assert "own" in metrics["Tested on"] and "other videos" in metrics["Tested on"]
    assert any("0.5 is the pass line" in c.value for c in app.caption)
    assert any("names the right one" in c.value for c in app.caption)  # closed set, 3 creators
    app.text_area(key="voice_text").input(REX_STYLE)
    app.button(key="voice_score").click().run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    metrics = {m.label: m.value for m in app.metric}
    assert float(metrics["Fidelity"]) < 0.5
    assert any("Does not sound like Dr. Amara Okafor" in w.value for w in app.warning)
    assert metrics["Closest of your creators"] == "Rex Moreno"
    assert any(":red-background[" in m.value for m in app.markdown), "off-voice sentences are highlighted"
    assert any("usually does" in m.value for m in app.markdown), "what pulls it away, in words"


def test_scoring_too_little_text_says_so(app: AppTest) -> None:
    app.switch_page("app_pages/voice.py")
    app.run()
    app.text_area(key="voice_text").input("Welcome back to the lab. Short text.")
    app.button(key="voice_score").click().run()
    assert any("Too short to judge" in w.value for w in app.warning)


def test_a_stale_model_is_trained_by_a_job_not_behind_a_spinner(app: AppTest, sample_settings) -> None:
    from pipelines.voice import scorer

    for path in (sample_settings.root / "models").glob("voice-*.joblib"):
        path.unlink()
    scorer._models.clear()
    app.switch_page("app_pages/voice.py")
    app.run()
    assert any("has not been trained" in i.value for i in app.info)
    assert app.button(key="voice_score").disabled
    app.button(key="voice_train").click().run()
    done = wait_for_jobs(sample_settings, timeout=300)
    assert any(j["kind"] == "voice-train" and j["status"] == "succeeded" for j in done)
    app.run()
    assert not app.button(key="voice_score").disabled
    assert not any("has not been trained" in i.value for i in app.info)
