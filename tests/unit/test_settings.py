from pathlib import Path

import pytest

from pipelines.errors import ScriptwrightError
from pipelines.lm import lm_summary
from pipelines.settings import EMBEDDED_LM, Settings, get_settings


def test_paths_derive_from_the_data_dir(data_dir: Path) -> None:
    s = get_settings()
    assert s.root == data_dir.resolve()
    assert s.duckdb_path.parent == s.root
    assert s.lancedb_dir.parent == s.root
    assert s.dspy_cache_dir.is_relative_to(s.root)


def test_env_prefix_and_dotenv(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("SCRIPTWRIGHT_PIPELINE_TAG=experimental\nSCRIPTWRIGHT_LM_JUDGE=openai/gpt-4.1-mini\n")
    s = Settings()
    assert s.pipeline_tag == "experimental"
    assert s.lm_for("judge") == "openai/gpt-4.1-mini"


def test_role_falls_back_to_the_shared_lm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SCRIPTWRIGHT_LM", "ollama_chat/llama3.1")
    monkeypatch.setenv("SCRIPTWRIGHT_LM_WRITER", "anthropic/claude-sonnet-4")
    s = Settings()
    assert lm_summary(s) == {"writer": "anthropic/claude-sonnet-4", "research": "ollama_chat/llama3.1",
                             "judge": "ollama_chat/llama3.1"}


def test_default_is_the_embedded_model() -> None:
    assert set(lm_summary(Settings()).values()) == {EMBEDDED_LM}


def test_unknown_role_is_a_user_error() -> None:
    with pytest.raises(ScriptwrightError, match="Unknown LM role"):
        Settings().lm_for("narrator")


def test_keys_in_use_reports_presence_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-planted-000")
    keys = Settings().keys_in_use()
    assert keys["OPENAI_API_KEY"] is True
    assert "sk-test-planted-000" not in repr(keys)


def test_offline_flags_are_set() -> None:
    import os

    assert os.environ["HF_HUB_OFFLINE"] == "1"
    assert os.environ["LITELLM_LOCAL_MODEL_COST_MAP"] == "True"
