"""The New video page's evidence steps (AppTest): validate an idea, research served
articles, check claims and cluster the audience, each as a job launched from the page."""

import re

import dspy
import pytest
from streamlit.testing.v1 import AppTest

from pipelines import jobs
from pipelines.evidence import projects
from tests.app.conftest import wait_for_jobs
from tests.evidence_site import FALSE_CLAIM, NOBEL_QUOTE, TRUE_CLAIM, serve
from tests.integration.test_evidence import NOTES
from tests.integration.test_idea import VERDICT

pytestmark = pytest.mark.usefixtures("no_proxies")

EVERY = ["E1", "E2", "E3", "E4"]
ANSWERS = {
    "Closest past videos": VERDICT,
    "[P1]": NOTES,
    TRUE_CLAIM: {"verdict": "supported", "cites": EVERY, "quote": NOBEL_QUOTE, "confidence": 0.9},
    FALSE_CLAIM: {"verdict": "contradicted", "cites": EVERY, "quote": NOBEL_QUOTE, "confidence": 0.8},
}


@pytest.fixture(autouse=True)
def scripted(script_lm):
    lm = dspy.utils.DummyLM(ANSWERS, adapter=dspy.JSONAdapter())
    script_lm(lm)


def open_page(app: AppTest, creator: str = "Pip Halloran") -> AppTest:
    app.switch_page("app_pages/new_video.py")
    app.run()
    box = app.selectbox(key="nv_creator")
    box.select_index(box.options.index(creator)).run()
    return app


def settle(app: AppTest, settings) -> None:
    wait_for_jobs(settings)
    app.run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]


def test_from_idea_to_checked_claims(app: AppTest, sample_settings, httpserver) -> None:
    open_page(app)
    assert "Start with an idea" in app.info[0].value
    app.text_input[0].input("Monty Hall with a hundred doors")
    app.button[0].click().run()
    settle(app, sample_settings)
    assert app.selectbox(key="nv_project").value == "monty-hall-with-a-hundred-doors"
    text = " ".join(m.value for m in app.markdown)
    assert "sharpen it" in text and "Monty Hall with 100 doors" in text
    assert any(m.label == "Comments about this idea" for m in app.metric)

    urls = serve(httpserver)
    app.text_area(key="nv_urls").input("\n".join(urls))
    next(b for b in app.button if b.label == "Add sources and write notes").click().run()
    settle(app, sample_settings)
    text = " ".join(m.value for m in app.markdown)
    assert "Karl von Frisch decoded the waggle dance" in text and "[\\[P" in text
    assert any("withheld from the model" in w.value for w in app.warning)
    assert "**Sources (3)**" in text

    app.radio(key="nv_verify_mode").set_value("claims I list (one per line)")
    app.text_area(key="nv_verify_text").input(f"{TRUE_CLAIM}\n{FALSE_CLAIM}")
    next(b for b in app.button if b.label == "Check claims").click().run()
    settle(app, sample_settings)
    text = " ".join(m.value for m in app.markdown)
    assert ":green[**supported**]" in text and ":red[**contradicted**]" in text
    assert projects.result(sample_settings, "monty-hall-with-a-hundred-doors", "verification")["version"] == 1


def test_audience_clusters_and_escapes_comment_markup(app: AppTest, sample_settings) -> None:
    project = projects.ensure_project(sample_settings, "pip-halloran", "The Monty Hall problem")
    open_page(app)
    app.selectbox(key="nv_project").set_value(project["id"]).run()
    app.button(key="nv_audience").click().run()
    settle(app, sample_settings)
    report = projects.result(sample_settings, project["id"], "audience")["content"]
    assert report["total"] > 0
    labels = [e.label for e in app.expander]
    assert sum(1 for lab in labels if "comments" in lab) == len(report["clusters"])
    assert not any("<script" in m.value for m in app.markdown)


def test_an_empty_idea_is_refused_with_a_message(app: AppTest) -> None:
    open_page(app)
    app.button[0].click().run()
    assert "Describe the video" in app.error[0].value


def test_the_drafting_steps_each_save_a_version_and_keep_edits(app: AppTest, sample_settings, script_lm) -> None:
    from pipelines.drafting import drafts
    from tests.integration.test_drafting import ANSWERS as DRAFT_ANSWERS
    from tests.integration.test_drafting import SOURCE

    lm = dspy.utils.DummyLM(DRAFT_ANSWERS, adapter=dspy.JSONAdapter())
    script_lm(lm)
    project = projects.ensure_project(sample_settings, "pip-halloran", "Monty Hall with a hundred doors")["id"]
    assert jobs.submit_and_run(sample_settings, "research", {"project": project,
                                                             "sources": [str(SOURCE)]})["status"] == "succeeded"
    open_page(app)
    app.selectbox(key="nv_project").set_value(project).run()
    app.button(key="nv_outline").click().run()
    settle(app, sample_settings)
    assert any("Framework:" in m.value for m in app.markdown)

    app.button(key="nv_hooks").click().run()
    settle(app, sample_settings)
    app.text_area(key=f"nv_hook_text_{app.radio(key='nv_hook_pick').value}").input("My own hook, my way.")
    app.button(key="nv_hook_use").click().run()
    assert drafts.get(sample_settings, project)["content"].hook.text == "My own hook, my way."

    app.button(key="nv_script").click().run()
    settle(app, sample_settings)
    version = drafts.get(sample_settings, project)["version"]
    app.text_area(key=f"sec_s1_{version}").input("A line I wrote myself.")
    app.button(key=f"sec_save_s1_{version}").click().run()
    edited = drafts.get(sample_settings, project)
    assert edited["step"] == "edit" and edited["content"].sections[0].sentences[0].text == "A line I wrote myself."

    app.button(key="nv_outline").click().run()  # re-run an earlier step: the edit survives, in its version and the new
    settle(app, sample_settings)
    rerun = drafts.get(sample_settings, project)
    assert rerun["step"] == "outline" and rerun["parent_version"] == edited["version"]
    assert rerun["content"].sections[0].sentences[0].text == "A line I wrote myself."

    app.button(key="nv_checks").click().run()
    settle(app, sample_settings)
    assert any(m.label == "Reading grade" for m in app.metric)
    steps = [v["step"] for v in drafts.versions(sample_settings, project)]
    assert steps == ["checks", "outline", "edit", "script", "hook", "hooks", "outline"]

    app.switch_page("app_pages/drafts.py")
    app.run()
    assert not app.exception and app.selectbox(key="dr_project").value == project
    assert len(app.dataframe[0].value) == 7


def test_an_edit_survives_a_version_saved_meanwhile_in_another_tab(app: AppTest, sample_settings) -> None:
    from pipelines.drafting import drafts
    from tests.e2e.test_concurrency import seed_draft

    project = seed_draft(sample_settings)
    open_page(app)
    app.selectbox(key="nv_project").set_value(project).run()
    app.text_area(key="sec_s2_1").input("My rewrite of part 2.").run()
    base = drafts.get(sample_settings, project, 1)["content"]
    drafts.save_edit(sample_settings, project, 1, drafts.edit_section(base, "s1", "Another tab's line."),
                     "edited Part 1")  # another session saves v2 while this one still has v1 with an unsaved edit
    app.button(key="sec_save_s2_1").click().run()

    assert not app.exception and not app.error
    assert [v["version"] for v in drafts.versions(sample_settings, project)] == [3, 2, 1]
    mine = drafts.get(sample_settings, project, 3)
    assert mine["parent_version"] == 1
    assert mine["content"].sections[1].sentences[0].text == "My rewrite of part 2."
    assert drafts.get(sample_settings, project, 2)["content"].sections[0].sentences[0].text == \
        "Another tab's line."
    assert any("Draft v3" in c.value for c in app.caption), "after saving, the page shows the version it made"


def test_a_version_saved_elsewhere_shows_when_nothing_is_being_edited(app: AppTest, sample_settings) -> None:
    from pipelines.drafting import drafts
    from tests.e2e.test_concurrency import seed_draft

    project = seed_draft(sample_settings)
    open_page(app)
    app.selectbox(key="nv_project").set_value(project).run()
    base = drafts.get(sample_settings, project, 1)["content"]
    drafts.save_edit(sample_settings, project, 1, drafts.edit_section(base, "s1", "Another tab's line."),
                     "edited Part 1")
    app.run()
    assert not app.warning and any("Draft v2" in c.value for c in app.caption)


def test_a_version_from_a_job_this_session_started_is_shown_over_unsaved_text(app: AppTest, sample_settings) -> None:
    from pipelines.drafting import drafts
    from tests.e2e.test_concurrency import seed_draft

    project = seed_draft(sample_settings)
    open_page(app)
    app.selectbox(key="nv_project").set_value(project).run()
    app.text_area(key="sec_s2_1").input("Typed but not saved.").run()
    job_id, _ = jobs.create(sample_settings, "draft-checks", {"project": project})
    app.session_state["active_jobs"] = [job_id]  # as if this session had pressed "Run the checks"
    drafts.save_version(sample_settings, project, drafts.get(sample_settings, project, 1)["content"], "checks",
                        parent=1, note="checks generated", job_id=job_id)
    app.run()
    assert not app.warning and any("Draft v2 · checks" in c.value for c in app.caption)


# ---------------------------------------------------------------- nothing empty is "Done"

def stepper(app: AppTest) -> str:
    return next(m.value for m in app.markdown if "  →  " in m.value)


def seed_script(settings, *texts: str) -> str:
    """The seeded two-part draft, saved again with these section texts ('' for a section with no sentence)."""
    from pipelines.drafting import drafts
    from tests.e2e.test_concurrency import seed_draft

    project = seed_draft(settings)
    content = drafts.get(settings, project)["content"]
    for section, text in zip(content.sections, texts):
        section.sentences = [{"text": text, "cites": []}] if text else []
    drafts.save_edit(settings, project, 1, content, "seeded texts")
    return project


def test_an_empty_script_is_never_marked_done_and_is_not_exported(app: AppTest, sample_settings) -> None:
    project = seed_script(sample_settings, "", "")
    open_page(app)
    app.selectbox(key="nv_project").set_value(project).run()
    assert not app.exception, app.exception
    line = stepper(app)
    assert "**:material/edit_note: Script** :material/warning:" in line
    assert "Checks**" not in line and "Export**" not in line, line
    assert "check_circle" not in line.split("Script")[1]
    assert any("2 of 2 sections came back empty" in w.value for w in app.warning)
    assert sum("Empty: the model wrote nothing here" in c.value for c in app.caption) == 2
    assert app.button(key="nv_checks").disabled
    assert [e.value for e in app.error] == ["Nothing to export: the script has no sentences yet. Write the script "
                                            "(or its sections) first, then export."]
    assert not app.get("download_button")


def test_a_partly_written_script_exports_what_is_written(app: AppTest, sample_settings) -> None:
    project = seed_script(sample_settings, "Switching wins two times out of three.", "")
    open_page(app)
    app.selectbox(key="nv_project").set_value(project).run()
    assert not app.exception and not app.error, [e.value for e in app.error]
    line = stepper(app)
    assert "**:material/edit_note: Script** :material/warning:" in line
    assert "**:material/ios_share: Export** :material/warning:" in line
    assert any("1 of 2 sections have no text yet and are left out: Part 2" in w.value for w in app.warning)
    assert len(app.get("download_button")) == 3 and not app.button(key="nv_checks").disabled


def test_a_job_with_gaps_ends_in_a_warning_and_the_step_is_not_ticked(app: AppTest, sample_settings,
                                                                     script_lm) -> None:
    from tests.integration.test_drafting import ANSWERS as DRAFT_ANSWERS
    from tests.integration.test_drafting import SECTION, SOURCE

    answers = {"The tempting answer\nGoal": SECTION, **DRAFT_ANSWERS, "[[ ## previous ## ]]": {"sentences": []},
               "Closest past videos": {"verdict": "make it", "reasons": ["make it", "skip it"], "angles": []}}
    lm = dspy.utils.DummyLM(answers, adapter=dspy.JSONAdapter())
    script_lm(lm)
    project = projects.ensure_project(sample_settings, "pip-halloran", "Monty Hall with a hundred doors")["id"]
    assert jobs.submit_and_run(sample_settings, "research", {"project": project,
                                                             "sources": [str(SOURCE)]})["status"] == "succeeded"
    assert jobs.submit_and_run(sample_settings, "draft-outline", {"project": project})["status"] == "succeeded"
    open_page(app)
    app.selectbox(key="nv_project").set_value(project).run()
    app.button(key="nv_script").click().run()
    settle(app, sample_settings)
    warnings = " ".join(w.value for w in app.warning)
    assert "finished with gaps" in warnings and "4 of 5 sections came back empty from dummy" in warnings
    assert sum("4 of 5 sections came back empty" in w.value for w in app.warning) == 1, "said once, not in banner and step"
    assert not any("finished" in s.value for s in app.success), "a job with gaps is never a success"
    assert "**:material/edit_note: Script** :material/warning:" in stepper(app)

    app.text_input[0].input("Monty Hall with a hundred doors")
    app.button[0].click().run()  # the idea check, whose reasons only repeat the options
    settle(app, sample_settings)
    assert "**:material/lightbulb: Idea** :material/warning:" in stepper(app)
    assert any("came with no usable reason" in w.value for w in app.warning)


def test_the_whole_video_in_one_job_with_its_estimate_cost_and_the_offline_badge(app: AppTest, sample_settings,
                                                                                  script_lm) -> None:
    """#20 items 4 and 6: the estimate before, the ledger's figure after, and what the offline model wrote said
    on the page (with a link to Settings) — here and on the Drafts page."""
    from pipelines.drafting import drafts
    from pipelines.settings import EMBEDDED_LM
    from pipelines.store.duckdb import connect
    from tests.integration.test_drafting import ANSWERS as DRAFT_ANSWERS

    lm = dspy.utils.DummyLM(DRAFT_ANSWERS, adapter=dspy.JSONAdapter())
    lm.model = EMBEDDED_LM  # answers scripted, recorded as the embedded model's
    script_lm(lm)
    project = projects.ensure_project(sample_settings, "pip-halloran", "Monty Hall with a hundred doors")["id"]
    open_page(app)
    app.selectbox(key="nv_project").set_value(project).run()
    shown = " ".join(c.value for c in app.caption)
    assert "Estimate: at most" in shown and "free (local models)" in shown
    assert "Every role uses the offline placeholder model" in shown  # before anything is written
    assert any(p.label == "Set a real model in Settings" for p in app.get("page_link"))

    app.button(key="nv_whole").click().run()
    settle(app, sample_settings)
    steps = [v["step"] for v in drafts.versions(sample_settings, project)]
    assert steps == ["checks", "script", "hooks", "outline"]
    assert drafts.get(sample_settings, project)["content"].models == {
        "outline": EMBEDDED_LM, "hooks": EMBEDDED_LM, "script": EMBEDDED_LM}
    assert "Whole draft finished" in " ".join(m.value for m in [*app.success, *app.warning])
    job = next(j for j in jobs.list_jobs(sample_settings) if j["kind"] == "draft")
    with connect(sample_settings.duckdb_path) as conn:  # DummyLM keeps no ledger: one call as a real LM records it
        conn.execute("INSERT INTO lm_calls (job_id, role, model, prompt_tokens, completion_tokens, cost_usd, cache_hit)"
                     " VALUES (?, 'writer', ?, 700, 40, 0.0, false)", [job["id"], EMBEDDED_LM])
    app.run()
    shown = " ".join(c.value for c in app.caption)
    assert "Spent: 1 model call, 700 prompt + 40 answer tokens, free (local models)." in shown
    assert "Written by the offline placeholder model (local/smollm2): outline, hooks, script." in shown

    app.switch_page("app_pages/drafts.py")
    app.run()
    assert any("Written by the offline placeholder model" in c.value for c in app.caption)


def test_an_outline_without_a_framework_is_shown(app: AppTest, sample_settings) -> None:
    from pipelines.drafting import drafts

    project = seed_script(sample_settings, "Switching wins two times out of three.", "")
    content = drafts.get(sample_settings, project)["content"]
    content.framework = None
    drafts.save_edit(sample_settings, project, 2, content, "outline written by hand")
    open_page(app)
    app.selectbox(key="nv_project").set_value(project).run()
    assert not app.exception, app.exception
    assert any("No educational framework is recorded" in c.value for c in app.caption)


def test_passages_of_one_source_share_its_number_as_in_the_export(app: AppTest, sample_settings) -> None:
    from pipelines.drafting import drafts

    project = seed_script(sample_settings, "", "")
    content = drafts.get(sample_settings, project)["content"]
    notes = {"title": "Door notes", "uri": "/tmp/ws/downloads/door-notes.md"}
    web = {"title": "Monty Hall problem", "uri": "https://example.org/monty"}
    content.sections[0].sentences = [
        {"text": "The host always opens a goat door.", "cites": [{**notes, "chunk_id": "n-0"}]},
        {"text": "So switching wins two times out of three.", "cites": [{**notes, "chunk_id": "n-3"}, {**web, "chunk_id": "w-1"}]},
    ]
    drafts.save_edit(sample_settings, project, 2, content, "cited")
    open_page(app)
    app.selectbox(key="nv_project").set_value(project).run()
    assert not app.exception, app.exception
    cited = next(c.value for c in app.caption if c.value.startswith("Cited: "))
    assert re.findall(r" \[(\d)\]", cited) == ["1", "1", "2"], cited  # two passages of the notes: one number
    shown = [m.value for m in app.markdown]
    assert "1. Door notes (file door-notes.md)" in shown and "2. [Monty Hall problem](https://example.org/monty)" in shown
