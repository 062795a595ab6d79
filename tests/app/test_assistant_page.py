"""The Assistant page (AppTest): a conversation scoped to a creator and project, tool calls
shown, bad messages refused with st.error, the history back after a reload."""

import dspy
import pytest
from streamlit.testing.v1 import AppTest

from pipelines.assistant import chat
from pipelines.drafting import drafts
from pipelines.evidence import projects
from tests.app.conftest import ENTRY, wait_for_jobs
from tests.integration.test_assistant import HOOK, act


@pytest.fixture
def project(sample_settings) -> str:
    return projects.ensure_project(sample_settings, "pip-halloran", "Monty Hall", "Why switching doors wins")["id"]


@pytest.fixture(autouse=True)
def scripted(script_lm):
    lm = dspy.utils.DummyLM([act("search_corpus", query="primes"), act("save_hook", text=HOOK), act("finish"),
                             {"reply": "Saved your hook as draft v1."}], adapter=dspy.JSONAdapter())
    script_lm(lm)


def open_page(app: AppTest, project: str) -> AppTest:
    app.switch_page("app_pages/assistant.py")
    app.run()
    box = app.selectbox(key="as_creator")
    box.select_index(box.options.index("Pip Halloran")).run()
    app.selectbox(key="as_project").select(project).run()
    assert not app.exception, app.exception
    return app


def texts(app: AppTest) -> str:
    return " ".join(m.value.replace("\\", "") for m in app.markdown)


def test_a_turn_with_tools_then_the_history_after_a_reload(app: AppTest, sample_settings, project) -> None:
    open_page(app, project)
    assert "Hi Pip!" in texts(app) and "Monty Hall" in texts(app)
    app.chat_input[0].set_value("Save a hook about doors").run()
    wait_for_jobs(sample_settings)
    app.run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    assert "Save a hook about doors" in texts(app) and "Saved your hook as draft v1" in texts(app)
    labels = [e.label for e in app.expander]
    assert any(label.startswith(":material/build: search_corpus") for label in labels)
    assert any(label.startswith(":material/build: save_hook") for label in labels)
    assert any("Saved draft v1" in s.value for s in app.success)
    assert drafts.get(sample_settings, project)["content"].hook.text == HOOK

    again = AppTest.from_file(ENTRY, default_timeout=120)
    again.run()
    open_page(again, project)
    assert "Save a hook about doors" in texts(again) and "Saved your hook as draft v1" in texts(again)


def test_empty_and_overlong_messages_are_refused(app: AppTest, sample_settings, project) -> None:
    open_page(app, project)
    app.chat_input[0].set_value("x" * 20_000).run()
    assert any("20,000 characters" in e.value for e in app.error)
    assert app.text_area(key="as_refused").value == "x" * 20_000, "the refused message is not lost"
    app.chat_input[0].set_value("   ").run()
    assert any("Type a message first" in e.value for e in app.error)
    session = chat.latest_session(sample_settings, "pip-halloran", project)
    assert [m["role"] for m in chat.messages(sample_settings, session["id"])] == ["assistant"]


def test_a_reply_the_offline_model_wrote_carries_its_badge(app: AppTest, sample_settings, project) -> None:
    from pipelines.settings import EMBEDDED_LM
    from pipelines.store.duckdb import connect

    session = chat.latest_session(sample_settings, "pip-halloran", project)["id"]
    with connect(sample_settings.duckdb_path) as conn:
        conn.execute("INSERT INTO lm_calls (job_id, role, model, cache_hit) VALUES ('offline-turn', 'writer', ?, false),"
                     " ('real-turn', 'writer', 'openai/gpt-4.1-mini', false)", [EMBEDDED_LM])
    chat.add_message(sample_settings, session, 1, "assistant", "A reply from the small model.", job_id="offline-turn")
    chat.add_message(sample_settings, session, 2, "assistant", "A reply from a real model.", job_id="real-turn")
    open_page(app, project)
    badges = [m.value for m in app.markdown if "Offline placeholder model" in m.value]
    assert len(badges) == 1 and "badge" in badges[0]
