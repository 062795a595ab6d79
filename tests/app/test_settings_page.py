"""The Settings page configures models per role: a choice is written to the workspace's .env (mode
0600), read back by the settings every process uses, and a pasted key goes nowhere else."""

from __future__ import annotations

import os
import stat

import pytest
from streamlit.testing.v1 import AppTest

from pipelines import workspace_env
from pipelines.settings import EMBEDDED_LM, get_settings
from tests.app.conftest import ENTRY

KEY = "sk-pasted-in-settings-5e1d0c9b7a"


@pytest.fixture
def page(sample_settings) -> AppTest:
    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.switch_page("app_pages/settings.py")
    at.run()
    assert not at.exception, at.exception
    return at


def choose(at: AppTest, role: str, preset: str, model: str | None = None, base: str | None = None,
           key: str | None = None) -> AppTest:
    at.selectbox(key="set_role").set_value(role).run()
    at.selectbox(key=f"set_preset_{role}").set_value(preset).run()
    if model is not None:
        at.text_input(key=f"set_model_{preset}_{role}").set_value(model)
    if base is not None:
        at.text_input(key=f"set_base_{preset}_{role}").set_value(base)
    if key is not None:
        at.text_input(key="set_key").set_value(key)
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


def rendered(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in (at.markdown, at.caption, at.success, at.error, at.warning)
                    for e in kind) + " ".join(df.value.to_string() for df in at.dataframe)


def test_a_provider_and_key_for_one_role_go_to_the_workspace_env_only(page: AppTest, sample_settings) -> None:
    assert "OPENAI_API_KEY" not in os.environ
    choose(page, "writer", "openai", model="gpt-4.1-mini", key=KEY)
    assert "writer now uses openai/gpt-4.1-mini" in page.success[0].value
    env = workspace_env.env_path(sample_settings.root)
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert workspace_env.read(sample_settings.root) == {"SCRIPTWRIGHT_LM_WRITER": "openai/gpt-4.1-mini",
                                                        "OPENAI_API_KEY": KEY}
    s = get_settings()  # every process reads the file with its settings
    assert s.lm_for("writer") == "openai/gpt-4.1-mini" and s.lm_for("judge") == EMBEDDED_LM
    assert os.environ["OPENAI_API_KEY"] == KEY and s.keys_in_use()["OPENAI_API_KEY"]
    assert KEY not in rendered(page) and page.text_input(key="set_key").value == ""
    roles = page.dataframe[0].value.set_index("model")
    assert roles.loc["openai/gpt-4.1-mini", "set in"] == "workspace .env"
    keys = page.dataframe[1].value.set_index("key")
    assert keys.loc["OPENAI_API_KEY", "set in"] == "workspace .env"
    files = [p for p in sample_settings.root.rglob("*") if p.is_file() and p != env]
    assert not [p for p in files if KEY.encode() in p.read_bytes()], "the key was written outside .env"


def test_every_role_at_a_server_clears_the_roles_own_choices(page: AppTest, sample_settings) -> None:
    choose(page, "judge", "openai", model="gpt-4.1-mini")
    choose(page, "all", "server", model="qwen2.5-7b", base="http://127.0.0.1:8080/v1/")
    assert workspace_env.read(sample_settings.root) == {"SCRIPTWRIGHT_LM": "openai/qwen2.5-7b",
                                                        "SCRIPTWRIGHT_LM_API_BASE": "http://127.0.0.1:8080/v1"}
    s = get_settings()
    assert {s.lm_for(r) for r in ("writer", "research", "judge")} == {"openai/qwen2.5-7b"}
    assert s.api_base_for("judge") == "http://127.0.0.1:8080/v1"
    choose(page, "all", "embedded")  # and back to the offline model: the server address goes with it
    assert workspace_env.read(sample_settings.root) == {"SCRIPTWRIGHT_LM": EMBEDDED_LM}
    assert get_settings().api_base_for("writer") is None


@pytest.mark.parametrize("preset,model,base,needle", [
    ("gguf", "/nowhere/model.gguf", None, "/nowhere/model.gguf"),
    ("server", "m", "localhost:8080", "is not a server address"),
    ("openai", "", None, "Name the model"),
])
def test_a_bad_choice_is_one_line_and_saves_nothing(page: AppTest, sample_settings, preset, model, base,
                                                    needle) -> None:
    choose(page, "writer", preset, model=model, base=base)
    assert needle in page.error[0].value and "\n" not in page.error[0].value
    assert not workspace_env.env_path(sample_settings.root).exists()
    assert get_settings().lm_for("writer") == EMBEDDED_LM


def test_the_environment_wins_and_the_page_says_so(page: AppTest, sample_settings, monkeypatch) -> None:
    monkeypatch.setenv("SCRIPTWRIGHT_LM_JUDGE", "anthropic/claude-sonnet-4-5")
    choose(page, "judge", "openai", model="gpt-4.1-mini")
    assert get_settings().lm_for("judge") == "anthropic/claude-sonnet-4-5"
    assert any("SCRIPTWRIGHT_LM_JUDGE is set in the environment" in w.value for w in page.warning)


def test_test_button_asks_the_role_s_model_and_shows_time_and_tokens(page: AppTest) -> None:
    page.button(key="set_test_judge").click().run()
    assert not page.exception, page.exception
    [shown] = page.success
    assert shown.value.startswith(f"Judge: {EMBEDDED_LM} answered colour=") and "answer tokens" in shown.value


def test_test_button_shows_a_failing_model_as_one_line(page: AppTest, sample_settings, monkeypatch) -> None:
    monkeypatch.setenv("SCRIPTWRIGHT_LM_RETRIES", "0")
    choose(page, "research", "server", model="m", base="http://127.0.0.1:9/v1")  # nothing listens on port 9
    page.button(key="set_test_research").click().run()
    [shown] = page.error
    assert shown.value.startswith("Research: ") and "127.0.0.1:9" in shown.value and "\n" not in shown.value
