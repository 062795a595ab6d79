"""Secrets: with provider keys planted in the environment and a real provider model string
configured, ingest, a whole draft, an eval run, export, the CLI and every app page leave the
keys in no DuckDB row, no LanceDB row, no file under the data dir and no rendered page.

The LM is the real `lm_for_role` → `LedgerLM` path (ledger, DSPy disk cache) for
`openai/gpt-4.1-mini`; only the transport is replaced: DummyLM's engine answers each call.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import dspy
import lancedb
import pytest
from dspy.clients.engines.dummy_engine import DummyEngine
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from pipelines import cli, jobs
from pipelines import lm as lm_module
from pipelines.drafting.export import export_version
from pipelines.settings import Settings, get_settings
from pipelines.store.duckdb import connect
from tests.app.conftest import ENTRY
from tests.conftest import SAMPLE
from tests.integration.test_drafting import ANSWERS as DRAFT_ANSWERS
from tests.integration.test_drafting import IDEA, SOURCE
from tests.integration.test_evals import PASSAGE

MODEL = "openai/gpt-4.1-mini"
KEYS = {"OPENAI_API_KEY": "sk-planted-openai-3f9c2e7a41b8d6059e1c",
        "ANTHROPIC_API_KEY": "sk-ant-planted-b72d19e4c6a0f385"}
PAGES = ["home", "creators", "voice", "new_video", "drafts", "prompt_lab", "evaluations", "jobs", "settings"]
# the draft steps' answers, the eval set's script writer (keyed by its title field), doctor's ping
ANSWERS = {**DRAFT_ANSWERS, "[[ ## title ## ]]": PASSAGE,
           "[[ ## question ## ]]": {"colour": "blue", "confidence": 0.9}}


def leaks(blob: str | bytes) -> list[str]:
    """The planted key names whose values occur in blob (as text or UTF-8 bytes)."""
    if isinstance(blob, str):
        return [name for name, value in KEYS.items() if value in blob]
    return [name for name, value in KEYS.items() if value.encode() in blob]


@pytest.fixture
def planted(sample_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """The demo workspace with keys and a provider model in the environment, and its LM answered locally."""
    for name, value in KEYS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("SCRIPTWRIGHT_LM", MODEL)
    dummy = dspy.utils.DummyLM(ANSWERS, adapter=dspy.JSONAdapter())

    class AnsweredLocally(lm_module.LedgerLM):
        def __init__(self, model: str, *, engine: Any = None, timeout: float | None = None, **kwargs: Any) -> None:
            # litellm and its client settings give way to DummyLM's engine; the rest of the path is real
            super().__init__(model, engine=DummyEngine(dummy), **kwargs)

    monkeypatch.setattr(lm_module, "LedgerLM", AnsweredLocally)
    get_settings.cache_clear()
    s = get_settings()
    assert s.lm_for("writer") == MODEL and s.root == sample_settings.root
    return s


def run(settings: Settings, kind: str, **params: Any) -> dict[str, Any]:
    job = jobs.submit_and_run(settings, kind, params)
    assert job["status"] == "succeeded", job["error"]
    return job


def duckdb_text(settings: Settings) -> dict[str, str]:
    """Every DuckDB table's rows, all columns as text."""
    out = {}
    with connect(settings.duckdb_path) as conn:
        tables = [r[0] for r in conn.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()]
        for table in tables:
            rows = conn.execute(f'SELECT * FROM "{table}"').fetchall()
            out[table] = "\n".join("|".join(str(v) for v in row) for row in rows)
    return out


def lancedb_text(settings: Settings) -> dict[str, str]:
    """Every LanceDB table's rows, every column but the vectors as text."""
    db = lancedb.connect(str(settings.lancedb_dir))
    out = {}
    for name in db.table_names():
        data = db.open_table(name).to_arrow()
        data = data.drop_columns([c for c in data.column_names if c == "vector"])
        out[name] = "\n".join(str(row) for row in data.to_pylist())
    return out


def page_protos(at: AppTest) -> bytes:
    """Every element the page rendered, serialised (markdown, tables' Arrow data, JSON, charts, widgets)."""
    found: list[bytes] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            found.append(proto.SerializeToString())
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return b"\n".join(found)


def render(at: AppTest, page: str, **picks: str) -> bytes:
    """Open a page (choosing selectbox values by key) and return what it rendered."""
    at.switch_page(f"app_pages/{page}.py")
    at.run()
    for key, value in picks.items():
        at.selectbox(key=key).set_value(value).run()
    assert not at.exception, (page, at.exception)
    return page_protos(at)


def test_planted_keys_appear_nowhere(planted: Settings, tmp_path: Path) -> None:
    folder = tmp_path / "captions"
    folder.mkdir()
    for f in sorted((SAMPLE / "pip-and-the-primes").glob("*.srt"))[:2]:
        shutil.copy(f, folder)
    ingested = run(planted, "ingest", creator="Key Holder", sources=[str(folder)])
    assert ingested["result"]["added"] == 2
    drafted = run(planted, "draft", creator="pip-halloran", idea=IDEA, sources=[str(SOURCE)], target_minutes=3)
    project = drafted["result"]["project"]
    evaluated = run(planted, "eval-run", creator="pip-halloran", variant="stable", split="test")
    assert evaluated["result"]["n"] >= 1 and evaluated["result"]["errors"] == 0
    exports = export_version(planted, project)
    doctor = CliRunner().invoke(cli.app, ["doctor"])
    assert doctor.exit_code == 0, doctor.output
    assert "OPENAI_API_KEY, ANTHROPIC_API_KEY" in doctor.output and MODEL in doctor.output
    assert not leaks(doctor.output), "doctor printed a key"

    tables = duckdb_text(planted)
    assert MODEL in tables["lm_calls"] and MODEL in tables["drafts"], "the scan reads the rows the runs wrote"
    assert {"creators", "videos", "jobs", "drafts", "eval_runs", "lm_calls", "sources"} <= set(tables)
    assert {t: leaks(text) for t, text in tables.items() if leaks(text)} == {}

    vectors = lancedb_text(planted)
    assert {"chunks", "source_chunks"} <= set(vectors) and project in vectors["source_chunks"]
    assert {t: leaks(text) for t, text in vectors.items() if leaks(text)} == {}

    files = [p for p in planted.root.rglob("*") if p.is_file()]
    assert exports["markdown"] in files and any(p.is_relative_to(planted.dspy_cache_dir) for p in files)
    assert IDEA.encode() in exports["bundle"].read_bytes()
    assert {str(p.relative_to(planted.root)): leaks(p.read_bytes()) for p in files if leaks(p.read_bytes())} == {}

    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.run()
    rendered = {page: render(at, page) for page in PAGES}
    rendered["new_video (draft)"] = render(at, "new_video", nv_creator="Pip Halloran", nv_project=project)
    rendered["jobs (draft job)"] = render(at, "jobs", job_pick=drafted["id"])
    settings_page = rendered["settings"]
    assert b"OPENAI_API_KEY" in settings_page and b"ANTHROPIC_API_KEY" in settings_page
    assert MODEL.encode() in settings_page and b"yes" in settings_page
    assert IDEA.encode() in rendered["new_video (draft)"] and b"draft" in rendered["jobs (draft job)"]
    assert {page: leaks(blob) for page, blob in rendered.items() if leaks(blob)} == {}


def test_the_scans_find_a_key_wherever_one_is(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The scanners above are not blind: a key written to each place is reported there."""
    from pipelines import corpus
    from pipelines.store.vectors import VectorStore

    key = KEYS["OPENAI_API_KEY"]
    creator = corpus.ensure_creator(settings, f"Leaky {key}")
    VectorStore(settings.lancedb_dir).add([{"id": "x", "creator_id": creator["id"], "video_id": 1, "start_s": 0.0,
                                            "text": f"said {key}", "vector": [0.0] * 384}])
    (settings.exports_dir / "note.md").write_text(f"key: {key}\n")
    assert leaks(duckdb_text(settings)["creators"]) == ["OPENAI_API_KEY"]
    assert leaks(lancedb_text(settings)["chunks"]) == ["OPENAI_API_KEY"]
    assert leaks((settings.exports_dir / "note.md").read_bytes()) == ["OPENAI_API_KEY"]
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.run()
    assert leaks(render(at, "home")) == ["OPENAI_API_KEY"]  # the creators table, as Arrow bytes


def test_a_key_pasted_on_the_settings_page_is_only_in_the_workspace_env(sample_settings: Settings) -> None:
    """The Settings page is where a key enters: it lands in <data dir>/.env (0600) and in no row, no
    other file, no CLI output and no page."""
    from pipelines import workspace_env

    key = KEYS["OPENAI_API_KEY"]
    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.run()
    at.switch_page("app_pages/settings.py").run()
    at.selectbox(key="set_role").set_value("writer").run()
    at.selectbox(key="set_preset_writer").set_value("openai").run()
    at.text_input(key="set_model_openai_writer").set_value("gpt-4.1-mini")
    at.text_input(key="set_key").set_value(key)
    at.button[0].click().run()
    assert not at.exception and "now uses openai/gpt-4.1-mini" in at.success[0].value
    env = workspace_env.env_path(sample_settings.root)
    assert leaks(env.read_bytes()) == ["OPENAI_API_KEY"] and env.stat().st_mode & 0o077 == 0

    doctor = CliRunner().invoke(cli.app, ["doctor"])
    assert doctor.exit_code == 0 and "OPENAI_API_KEY" in doctor.output and not leaks(doctor.output)
    rendered = {page: render(at, page) for page in PAGES}
    assert b"openai/gpt-4.1-mini" in rendered["settings"]
    assert {page: leaks(blob) for page, blob in rendered.items() if leaks(blob)} == {}
    assert {t: leaks(text) for t, text in duckdb_text(sample_settings).items() if leaks(text)} == {}
    assert {t: leaks(text) for t, text in lancedb_text(sample_settings).items() if leaks(text)} == {}
    files = [p for p in sample_settings.root.rglob("*") if p.is_file() and p != env]
    assert files and [str(p) for p in files if leaks(p.read_bytes())] == []
