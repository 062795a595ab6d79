"""Every test gets its own data dir; DSPy settings are reset between tests; `script_lm` scripts the LMs.
Under pytest-xdist (`make test` runs two workers) each worker gets its share of the cores, and the
slowest files are dealt out first."""

from __future__ import annotations

import fcntl
import os
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

# The files that take longest, slowest first (measured in a clean serial run): under `--dist loadfile`
# the workers take files in collection order, so these start at once instead of ending the run alone.
SLOWEST_FILES = (
    "integration/test_cli.py", "e2e/test_wizard.py", "integration/test_evals.py", "integration/test_notebooks.py",
    "e2e/test_concurrency.py", "integration/test_crash_safety.py", "integration/test_llama_server.py",
    "e2e/test_first_hour.py", "integration/test_voice_validation.py", "integration/test_evidence_cli.py",
    "integration/test_creator_management.py", "e2e/test_workbench.py", "integration/test_voice_cli.py",
    "integration/test_ingest_corpus.py",
)


def _share_the_cores() -> None:
    """Each xdist worker, and the app servers and CLIs its tests start, gets cores ÷ workers threads:
    llama.cpp's threads busy-wait, so two workers on every core starve each other (measured 2.5-3.6×
    slower embedded-model tests)."""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    if workers > 1:
        share = str(max(1, (os.cpu_count() or 1) // workers))
        os.environ.setdefault("SCRIPTWRIGHT_LM_THREADS", share)
        os.environ.setdefault("OMP_NUM_THREADS", share)  # the embedder's torch threads


_share_the_cores()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        path = item.path.relative_to(REPO / "tests").as_posix()
        return SLOWEST_FILES.index(path) if path in SLOWEST_FILES else len(SLOWEST_FILES)

    items.sort(key=rank)  # stable: the rest keep their order


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
    """The demo corpus ingested once per test run into a template data dir, with its voice model
    trained (a test that changes the corpus trains its own). Under xdist the first worker to need it
    builds it in the run's shared temp folder while the others wait on a file lock."""
    from pipelines.demo import load_sample
    from pipelines.voice import scorer

    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent  # the run's folder, above each worker's own
    path, built = root / "sample-workspace" / "data", root / "sample-workspace" / "built"
    with (root / "sample-workspace.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not built.exists():
            shutil.rmtree(path, ignore_errors=True)  # what a worker that died mid-build left
            s = Settings(data_dir=path)
            s.ensure_dirs()
            load_sample(s)
            scorer.current_model(s)
            built.touch()
    return path


@pytest.fixture
def sample_settings(_sample_workspace: Path, data_dir: Path) -> Settings:
    """A private copy of the ingested demo workspace as this test's data dir."""
    shutil.copytree(_sample_workspace, data_dir, dirs_exist_ok=True)
    s = get_settings()
    s.ensure_dirs()
    return s
