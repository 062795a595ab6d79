"""Every test gets its own data dir; DSPy settings are reset between tests; `script_lm` scripts the LMs."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import dspy
import pytest

from pipelines import workspace_env
from pipelines.lm import ScriptedLMs, scripted_lms
from pipelines.settings import Settings, get_settings

REPO = Path(__file__).resolve().parent.parent
SHARED_CORPORA = REPO.parent / "shared" / "corpora"
SAMPLE = REPO / "data" / "sample"
PROXY_VARS = ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")
ScriptLM = Callable[[ScriptedLMs], ScriptedLMs]  # the `script_lm` fixture, for helpers that take it


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point SCRIPTWRIGHT_DATA_DIR at a fresh folder and drop any cached settings."""
    path = tmp_path / "data"
    monkeypatch.setenv("SCRIPTWRIGHT_DATA_DIR", str(path))
    monkeypatch.setenv("SCRIPTWRIGHT_COMPILED_DIR", str(tmp_path / "compiled"))
    for name in ("SCRIPTWRIGHT_LM", "SCRIPTWRIGHT_LM_WRITER", "SCRIPTWRIGHT_LM_RESEARCH", "SCRIPTWRIGHT_LM_JUDGE",
                 "SCRIPTWRIGHT_PIPELINE_TAG", "SCRIPTWRIGHT_VIDEO_SEARCH", "SCRIPTWRIGHT_WEB_SEARCH",
                 "SCRIPTWRIGHT_ALLOW_REMOTE", "SCRIPTWRIGHT_ALLOWED_USERS", "SCRIPTWRIGHT_LM_API_BASE",
                 "SCRIPTWRIGHT_LM_WRITER_API_BASE", "SCRIPTWRIGHT_LM_RESEARCH_API_BASE",
                 "SCRIPTWRIGHT_LM_JUDGE_API_BASE", "SCRIPTWRIGHT_MAX_COST_USD"):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    yield path
    workspace_env.forget()
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def reset_dspy():
    yield
    dspy.configure(lm=None, adapter=None)


@pytest.fixture
def script_lm() -> Iterator[ScriptLM]:
    """`script_lm(lm)`, `script_lm({"writer": lm})` or `script_lm(fn)`: what `lm_for_role` answers with, in
    every thread, until the test ends (see `scripted_lms`); a later call replaces the earlier. Returns its argument."""
    with ExitStack() as stack:
        yield lambda lms: stack.enter_context(scripted_lms(lms))


@pytest.fixture
def no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """Loopback requests must never go through a proxy from the environment."""
    for name in PROXY_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


@pytest.fixture
def settings(data_dir: Path) -> Settings:
    s = get_settings()
    s.ensure_dirs()
    return s


@pytest.fixture(scope="session")
def _sample_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo corpus ingested once per session into a template data dir, with its voice model
    trained (a test that changes the corpus trains its own)."""
    from pipelines.demo import load_sample
    from pipelines.voice import scorer

    path = tmp_path_factory.mktemp("sample-workspace") / "data"
    s = Settings(data_dir=path)
    s.ensure_dirs()
    load_sample(s)
    scorer.current_model(s)
    return path


@pytest.fixture
def sample_settings(_sample_workspace: Path, data_dir: Path) -> Settings:
    """A private copy of the ingested demo workspace as this test's data dir."""
    shutil.copytree(_sample_workspace, data_dir, dirs_exist_ok=True)
    s = get_settings()
    s.ensure_dirs()
    return s
