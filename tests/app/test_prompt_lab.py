"""Prompt Lab and Evaluations pages (AppTest): launch eval runs from the page, read the
variants × metrics matrix and the paired comparison, promote a prompt version to a tag."""

import shutil

import dspy
import pytest
from streamlit.testing.v1 import AppTest

from pipelines import lm as lm_module
from pipelines.settings import get_settings
from tests.app.conftest import ENTRY, wait_for_jobs
from tests.conftest import REPO
from tests.integration.test_evals import PASSAGE


@pytest.fixture
def lab(sample_settings, tmp_path, monkeypatch) -> AppTest:
    prompts = tmp_path / "prompts"
    shutil.copytree(REPO / "prompts", prompts, ignore=shutil.ignore_patterns("compiled"))
    monkeypatch.setenv("SCRIPTWRIGHT_PROMPTS_DIR", str(prompts))
    get_settings.cache_clear()
    lm = dspy.utils.DummyLM({"[[ ## title ## ]]": PASSAGE}, adapter=dspy.JSONAdapter())
    monkeypatch.setattr(lm_module, "lm_for_role", lambda settings, role: lm)
    at = AppTest.from_file(ENTRY, default_timeout=120)
    at.switch_page("app_pages/prompt_lab.py")
    at.run()
    box = at.selectbox(key="lab_creator")
    box.select_index(box.options.index("Pip Halloran")).run()
    return at


def test_run_variants_then_read_them_on_evaluations(lab: AppTest) -> None:
    assert any("split by video" in c.value for c in lab.caption)
    assert lab.multiselect(key="lab_variants").value == ["stable", "experimental"]
    lab.button(key="lab_eval").click().run()
    wait_for_jobs(get_settings())
    lab.switch_page("app_pages/evaluations.py")
    lab.run()
    assert not lab.exception, lab.exception
    matrix = lab.dataframe[0].value
    assert sorted(matrix["variant"]) == ["experimental", "stable"] and set(matrix["examples"]) == {1}
    labels = [m.label for m in lab.metric]
    assert "95% CI" in labels and "Win / tie / loss" in labels


def test_promote_writes_the_tags_file(lab: AppTest) -> None:
    lab.selectbox(key="promote_step").set_value("script_writer").run()
    lab.selectbox(key="promote_version").set_value("v2").run()
    lab.button(key="promote").click().run()
    assert "script_writer → v2" in lab.success[0].value
    tags = (get_settings().prompts_root / "pipeline-tags.yaml").read_text()
    assert "  script_writer: v2" in tags.split("experimental:")[0]
