"""Every page renders without exceptions, and the shell's own pages show real state."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.app.conftest import ENTRY, wait_for_jobs

PAGES = ["home", "creators", "voice", "new_video", "drafts", "prompt_lab", "evaluations", "jobs", "settings"]


@pytest.mark.parametrize("page", PAGES)
def test_page_renders_without_exceptions(app: AppTest, page: str) -> None:
    app.switch_page(f"app_pages/{page}.py")
    app.run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]
    assert app.title, "every page has a title"


def test_home_shows_the_demo_creators(app: AppTest) -> None:
    metrics = {m.label: m.value for m in app.metric}
    assert int(metrics["Creators"]) >= 2
    assert int(metrics["Videos"]) >= 12


def test_evaluations_without_runs_point_to_the_prompt_lab(app: AppTest) -> None:
    app.switch_page("app_pages/evaluations.py")
    app.run()
    assert "Prompt Lab" in app.info[0].value


def test_settings_shows_roles_and_only_whether_keys_are_set(sample_settings, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-planted-secret-123")
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.switch_page("app_pages/settings.py")
    at.run()
    frames = [df.value for df in at.dataframe]
    roles = frames[0]
    assert [r.split(" (")[0] for r in roles["role"]] == ["Writer", "Research", "Judge"]
    assert set(roles["set in"]) == {"default (embedded model)"}
    keys = frames[1].set_index("key")["set"]
    assert keys["OPENAI_API_KEY"] == "yes"
    everything = " ".join(f.to_string() for f in frames) + " ".join(str(m.value) for m in at.markdown)
    assert "sk-planted-secret-123" not in everything


def test_jobs_page_lists_jobs_and_details(app: AppTest, sample_settings) -> None:
    app.switch_page("app_pages/jobs.py")
    app.run()
    table = app.dataframe[0].value
    assert "ingest" in set(table["kind"])
    assert app.selectbox(key="job_pick").value in set(table["id"])


def test_a_job_whose_process_died_while_the_app_runs_shows_as_failed(app: AppTest, sample_settings) -> None:
    """A CLI job killed after the app started: the Jobs page marks it failed at once, not at the next start."""
    import socket
    import subprocess
    import sys

    from pipelines import jobs
    from pipelines.store.duckdb import connect

    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    job_id, _ = jobs.create(sample_settings, "ingest", {"sources": ["a-folder"], "creator": "K"})
    with connect(sample_settings.duckdb_path) as conn:
        conn.execute("UPDATE jobs SET status = 'running', started_at = now()::TIMESTAMP, heartbeat_at = "
                     "now()::TIMESTAMP, runner = ? WHERE id = ?", [f"{socket.gethostname()}:{dead.pid}", job_id])
    app.switch_page("app_pages/jobs.py")
    app.run()
    table = app.dataframe[0].value.set_index("id")
    assert table.loc[job_id, "status"] == "failed" and "Interrupted" in table.loc[job_id, "message"]
    assert jobs.get(sample_settings, job_id)["status"] == "failed"


def test_empty_workspace_is_seeded_with_the_demo_creators(settings) -> None:
    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.run()
    assert not at.exception
    found = wait_for_jobs(settings)
    assert any(j["kind"] == "load-sample" and j["status"] == "succeeded" for j in found)
    at.run()
    assert int({m.label: m.value for m in at.metric}["Creators"]) >= 2


def test_prompt_lab_browses_versions_and_diffs(app: AppTest) -> None:
    app.switch_page("app_pages/prompt_lab.py")
    app.run()
    table = app.dataframe[0].value.set_index("step")
    assert {"channel_summary", "style_guide", "story_library"} <= set(table.index)
    assert table.loc["channel_summary", "stable"] == "v1" and table.loc["channel_summary", "experimental"] == "v2"
    app.selectbox(key="lab_step").select("channel_summary").run()
    app.selectbox(key="lab_old").select("v1")
    app.selectbox(key="lab_new").select("v2").run()
    codes = [c.value for c in app.code]
    assert any(c.startswith("--- channel_summary/v1.md") for c in codes)
    app.selectbox(key="override_channel_summary").select("v2").run()
    assert app.session_state.prompt_overrides == {"channel_summary": "v2"}


def test_broken_prompts_are_reported_not_raised(sample_settings, tmp_path, monkeypatch) -> None:
    import shutil
    from pathlib import Path

    prompts = tmp_path / "prompts"
    shutil.copytree(Path(ENTRY).parents[1] / "prompts", prompts)
    (prompts / "channel_summary" / "v1.md").write_text("")
    monkeypatch.setenv("SCRIPTWRIGHT_PROMPTS_DIR", str(prompts))
    from pipelines.settings import get_settings

    get_settings.cache_clear()
    at = AppTest.from_file(ENTRY, default_timeout=60)
    at.run()
    assert not at.exception
    assert "v1.md" in at.warning[0].value and "missing front matter" in at.warning[0].value
    at.switch_page("app_pages/prompt_lab.py")
    at.run()
    assert not at.exception and "missing front matter" in at.error[0].value


def test_the_chosen_creator_stays_chosen_across_pages(app: AppTest) -> None:
    app.switch_page("app_pages/voice.py")
    app.run()
    box = app.selectbox(key="voice_creator")
    box.select_index(box.options.index("Rex Moreno")).run()
    for page, key in (("app_pages/creators.py", "creator_pick"), ("app_pages/new_video.py", "nv_creator"),
                      ("app_pages/assistant.py", "as_creator")):
        app.switch_page(page)
        app.run()
        assert not app.exception, app.exception
        assert app.selectbox(key=key).value == "Rex Moreno", page
