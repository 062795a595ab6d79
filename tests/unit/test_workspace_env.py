"""The workspace's .env: written whole with mode 0600, read into the environment without overriding
it, replaced on a later read, and model choices turned into its entries."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from pipelines import providers, workspace_env
from pipelines.errors import ScriptwrightError
from pipelines.lm import embedded_model_path
from pipelines.settings import EMBEDDED_LM, get_settings, reload_settings


def test_written_private_and_read_back_with_awkward_values(tmp_path: Path) -> None:
    value = 'sk-a"b\\c$HOME #not a comment'
    path = workspace_env.write(tmp_path, {"OPENAI_API_KEY": value, "SCRIPTWRIGHT_LM": "openai/gpt-4.1-mini"})
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert workspace_env.read(tmp_path) == {"OPENAI_API_KEY": value, "SCRIPTWRIGHT_LM": "openai/gpt-4.1-mini"}
    workspace_env.write(tmp_path, {"OPENAI_API_KEY": None})  # removing one name keeps the others
    assert workspace_env.read(tmp_path) == {"SCRIPTWRIGHT_LM": "openai/gpt-4.1-mini"}
    assert not list(tmp_path.glob("*.partial"))


@pytest.mark.parametrize("updates,needle", [({"lower": "x"}, "not a variable name"),
                                            ({"OPENAI_API_KEY": "sk-1\nSCRIPTWRIGHT_LM=x"}, "line break")])
def test_a_bad_entry_is_refused_and_the_file_untouched(tmp_path: Path, updates, needle) -> None:
    workspace_env.write(tmp_path, {"SCRIPTWRIGHT_LM": "openai/gpt-4.1-mini"})
    before = workspace_env.env_path(tmp_path).read_bytes()
    with pytest.raises(ScriptwrightError, match=needle):
        workspace_env.write(tmp_path, updates)
    assert workspace_env.env_path(tmp_path).read_bytes() == before


def test_settings_read_the_file_and_the_environment_wins(data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    workspace_env.write(data_dir, {"SCRIPTWRIGHT_LM_WRITER": "openai/gpt-4.1-mini", "SCRIPTWRIGHT_LM_JUDGE": "x/y",
                                   "SCRIPTWRIGHT_DATA_DIR": "/elsewhere", "GEMINI_API_KEY": "g-123456"})
    monkeypatch.setenv("SCRIPTWRIGHT_LM_JUDGE", "anthropic/claude-sonnet-4-5")
    s = get_settings()
    assert s.lm_for("writer") == "openai/gpt-4.1-mini" and s.lm_for("judge") == "anthropic/claude-sonnet-4-5"
    assert s.root == data_dir.resolve() and os.environ["GEMINI_API_KEY"] == "g-123456"
    assert workspace_env.origin("GEMINI_API_KEY") == "workspace .env"
    assert workspace_env.origin("SCRIPTWRIGHT_LM_JUDGE") == "environment"
    assert workspace_env.overridden(data_dir) == ["SCRIPTWRIGHT_LM_JUDGE"]
    workspace_env.write(data_dir, {"SCRIPTWRIGHT_LM_WRITER": None, "GEMINI_API_KEY": "g-654321"})
    s = reload_settings()  # a later read replaces what an earlier one put in, and drops what is gone
    assert s.lm_for("writer") == EMBEDDED_LM and os.environ["GEMINI_API_KEY"] == "g-654321"
    workspace_env.forget()
    assert "GEMINI_API_KEY" not in os.environ and os.environ["SCRIPTWRIGHT_LM_JUDGE"] == "anthropic/claude-sonnet-4-5"


def test_choices_become_entries() -> None:
    assert providers.choice_updates("writer", "anthropic", "claude-sonnet-4-5", key=" sk-ant-1 ") == {
        "SCRIPTWRIGHT_LM_WRITER": "anthropic/claude-sonnet-4-5", "SCRIPTWRIGHT_LM_WRITER_API_BASE": None,
        "ANTHROPIC_API_KEY": "sk-ant-1"}
    assert providers.choice_updates("judge", "ollama", "ollama_chat/llama3.1") == {
        "SCRIPTWRIGHT_LM_JUDGE": "ollama_chat/llama3.1", "SCRIPTWRIGHT_LM_JUDGE_API_BASE": "http://127.0.0.1:11434"}
    every = providers.choice_updates("all", "gguf", str(embedded_model_path()))
    assert every["SCRIPTWRIGHT_LM"] == f"local/{embedded_model_path()}" and every["SCRIPTWRIGHT_LM_API_BASE"] is None
    assert every["SCRIPTWRIGHT_LM_WRITER"] is None and every["SCRIPTWRIGHT_LM_JUDGE_API_BASE"] is None
    assert providers.preset_of("openai/qwen", "http://127.0.0.1:8080/v1") == "server"
    assert providers.preset_of("gemini/gemini-2.5-flash", None) == "gemini"
    assert providers.preset_of(EMBEDDED_LM, None) == "embedded"


def test_a_gguf_that_is_not_one_is_refused_before_saving(tmp_path: Path) -> None:
    (tmp_path / "notes.gguf").write_text("not a model")
    with pytest.raises(ScriptwrightError, match="notes.gguf"):
        providers.choice_updates("writer", "gguf", str(tmp_path / "notes.gguf"))
