"""The Voice page: build the DNA from the page, then read it (AppTest)."""

import dspy
import pytest
from streamlit.testing.v1 import AppTest

from pipelines import jobs
from tests.app.conftest import wait_for_jobs
from tests.integration.test_dna import GUIDE, STORIES


@pytest.fixture
def scripted_writer(monkeypatch):
    from pipelines import lm as lm_module

    monkeypatch.setattr(lm_module, "lm_for_role",
                        lambda settings, role: dspy.utils.DummyLM([GUIDE, STORIES] * 6, adapter=dspy.JSONAdapter()))


def pick(app: AppTest, name: str) -> None:
    box = app.selectbox(key="voice_creator")
    box.select_index(box.options.index(name)).run()


def test_voice_page_without_dna_offers_to_build_it(app: AppTest, sample_settings, scripted_writer) -> None:
    app.switch_page("app_pages/voice.py")
    app.run()
    pick(app, "Pip Halloran")
    assert "No Creator DNA for Pip Halloran" in app.info[0].value
    app.button(key="dna_build").click().run()
    wait_for_jobs(sample_settings)
    app.run()
    assert not app.exception
    assert app.selectbox(key="dna_version").value == 1


def test_voice_page_shows_the_dna(app: AppTest, sample_settings, scripted_writer) -> None:
    for name in ("Pip Halloran", "Rex Moreno"):
        assert jobs.submit_and_run(sample_settings, "dna-build", {"creator": name})["status"] == "succeeded"
    app.switch_page("app_pages/voice.py")
    app.run()
    pick(app, "Pip Halloran")
    assert not app.exception, app.exception
    text = " ".join(m.value for m in app.markdown)
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
