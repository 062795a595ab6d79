"""Prompt Lab and Evaluations pages (AppTest): launch eval runs from the page, read the
variants × metrics matrix and the paired comparison, promote a prompt version or a compiled
program to a tag, add wizard feedback to the train split."""

import shutil

import dspy
import pytest
from streamlit.testing.v1 import AppTest

from pipelines import jobs
from pipelines.settings import get_settings
from tests.app.conftest import ENTRY, wait_for_jobs
from tests.conftest import REPO
from tests.integration.test_evals import PASSAGE


@pytest.fixture
def lab(sample_settings, tmp_path, monkeypatch, script_lm) -> AppTest:
    prompts = tmp_path / "prompts"
    shutil.copytree(REPO / "prompts", prompts, ignore=shutil.ignore_patterns("compiled"))
    monkeypatch.setenv("SCRIPTWRIGHT_PROMPTS_DIR", str(prompts))
    get_settings.cache_clear()
    lm = dspy.utils.DummyLM({"[[ ## title ## ]]": PASSAGE}, adapter=dspy.JSONAdapter())
    script_lm(lm)
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


def test_wizard_feedback_joins_the_train_split_from_the_page(lab: AppTest) -> None:
    from tests.integration.test_evals import rated_draft

    rated_draft(get_settings())
    lab.button(key="lab_add_feedback").click().run()
    assert not lab.exception, lab.exception
    assert lab.success[0].value == ("Added 2 examples from wizard feedback (1 skipped: a thumbs down on a section "
                                    "never rewritten). The train split now has 7 examples, 2 from feedback.")
    assert any("train 5 videos + 2 from feedback, dev 1 video, test 1 video" in c.value for c in lab.caption)


def test_promote_a_compiled_program_to_a_tag(lab: AppTest) -> None:
    job = jobs.submit_and_run(get_settings(), "optimize", {"creator": "pip-halloran", "optimizer": "bootstrap",
                                                          "budget": 1})
    assert job["status"] == "succeeded", job["error"]
    lab.run()
    lab.selectbox(key="promote_step").set_value("script_writer").run()
    assert lab.selectbox(key="promote_version").options == ["v1", "v2", "compiled:latest", "compiled:v1"]
    lab.text_input(key="promote_tag").set_value("experimental").run()
    lab.selectbox(key="promote_version").set_value("compiled:v1").run()
    lab.button(key="promote").click().run()
    assert "script_writer → compiled:v1" in lab.success[0].value
    tags = (get_settings().prompts_root / "pipeline-tags.yaml").read_text()
    assert "  script_writer: compiled:v1" in tags.split("experimental:")[1].split("tuned:")[0]
    lab.selectbox(key="promote_step").set_value("hook_rubric").run()
    assert not [o for o in lab.selectbox(key="promote_version").options if o.startswith("compiled:")]


def test_the_assistant_is_evaluated_from_the_page(lab: AppTest, script_lm) -> None:
    from tests.integration.test_assistant import act

    lm = dspy.utils.DummyLM({"[[ ## tools ## ]]": act("finish"), "[[ ## trajectory ## ]]": {"reply": "Done."}},
                            adapter=dspy.JSONAdapter())
    script_lm(lm)
    lab.selectbox(key="lab_program").set_value("assistant").run()
    tasks = lab.dataframe[1].value
    assert "find-past-video" in set(tasks["task"]) and "search_corpus" in set(tasks["expected tools"])
    lab.button(key="lab_assistant_eval").click().run()
    wait_for_jobs(get_settings())
    lab.switch_page("app_pages/evaluations.py")
    lab.run()
    assert not lab.exception, lab.exception
    assert any("assistant" in str(row) for row in lab.dataframe[0].value.to_dict("records"))


def test_the_program_chosen_is_the_one_evaluated_and_compiled(lab: AppTest, script_lm) -> None:
    """Choosing a program used to show its eval set but run and compile the script writer."""
    hook = {"hook": "Okay, so here's a bridge that nearly killed its builders. Why did they keep going?"}
    lm = dspy.utils.DummyLM({"[[ ## style ## ]]": hook}, adapter=dspy.JSONAdapter())
    script_lm(lm)
    lab.selectbox(key="lab_program").set_value("hook").run()
    assert any("its real first 30 seconds" in c.value for c in lab.caption)
    lab.multiselect(key="lab_variants").set_value(["stable"]).run()
    lab.button(key="lab_eval").click().run()
    wait_for_jobs(get_settings())
    lab.button(key="lab_compile").click().run()
    done = wait_for_jobs(get_settings())
    ran = {(j["kind"], j["params"].get("program"), j["status"]) for j in done if j["kind"] in ("eval-run", "optimize")}
    assert ran == {("eval-run", "hook", "succeeded"), ("optimize", "hook", "succeeded")}, done
    lab.run()
    assert not lab.exception, lab.exception
    assert lab.dataframe[-1].value["version"].tolist() == [1], "the page lists the compiled hook program"

    lab.switch_page("app_pages/evaluations.py")  # a hook run is read there too (it raised KeyError: 'hook')
    lab.run()
    assert not lab.exception, lab.exception
    matrix = lab.dataframe[0].value
    assert {"score", "setup", "length"} <= set(matrix.columns) and matrix["variant"].tolist() == ["stable"]
    assert any(m.value == "**The real video**" for m in lab.markdown)
