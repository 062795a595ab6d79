"""The New video page's Publish step (AppTest) on a drafted project: the whole kit made as a job,
a title chosen and edited, a part written again and one edited (each a new version), stale parts
flagged after the script changes, a kit with gaps warned and never ticked, and a project with
no script told to write it first."""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from pipelines.drafting import drafts
from pipelines.usable import placeholder_in
from tests.app.conftest import ENTRY, wait_for_jobs
from tests.app.test_new_video_page import open_page, seed_script, stepper
from tests.integration.test_publish import KIT, TITLES, _drafted_workspace, answering, drafted  # noqa: F401

LABEL = ":material/campaign: Publish"
PUBLISH = f"**{LABEL}**"  # bold in the stepper when it has a mark


@pytest.fixture
def page(drafted) -> tuple[AppTest, object, str]:  # noqa: F811
    """The wizard open on the drafted project: (app, settings, project id)."""
    settings, project = drafted
    app = AppTest.from_file(ENTRY, default_timeout=120)
    app.run()
    open_page(app)
    app.selectbox(key="nv_project").set_value(project).run()
    assert not app.exception, app.exception
    return app, settings, project


def settle(app: AppTest, settings) -> None:
    wait_for_jobs(settings)
    app.run()
    assert not app.exception, app.exception
    assert not app.error, [e.value for e in app.error]


def shown(app: AppTest) -> str:
    """Every text the page shows a person, in one string."""
    widgets = [w.value for kind in ("text_area", "text_input") for w in app.get(kind)]
    return " ".join([*(m.value for m in app.markdown), *(c.value for c in app.caption), *(c.value for c in app.code),
                     *(str(w) for w in widgets), *(d.value.to_string() for d in app.dataframe)])


def kit_warnings(app: AppTest) -> list[str]:
    """The warnings the Publish step shows: its job's banner, a part's gaps, stale parts."""
    return [w.value for w in app.warning if w.value.startswith(("Publish kit", "Titles:", "Description:", "Short:",
                                                                  "Community post:", "Made from an earlier script"))]


def test_the_kit_is_made_chosen_written_again_and_edited_each_as_a_version(page, script_lm) -> None:
    app, settings, project = page
    answering(script_lm, KIT)
    assert LABEL in stepper(app) and PUBLISH not in stepper(app), "not made yet: no mark"
    assert any("Five titles in different styles" in i.value for i in app.info)
    app.button(key="nv_publish").click().run()
    settle(app, settings)

    row = drafts.get(settings, project)
    kit = row["content"].publish
    assert f"{PUBLISH} :material/check_circle:" in stepper(app)
    text = shown(app)
    for title in TITLES.values():
        assert title["title"] in text
    assert "\n0:00 " in text and "Join the maths club: https://pip.example/club" in text
    assert "You picked door one. Should you switch?" in text and "New video! Gran and I" in text
    assert f"{len(kit['titles']['candidates'][0]['text'])}" in text and "closeness" in text
    assert not placeholder_in(text) and not kit_warnings(app), kit_warnings(app)
    assert [b.label for b in app.get("download_button") if b.label == "description.txt"] == ["description.txt"]

    version = row["version"]
    app.radio(key=f"nv_title_pick_{version}").set_value("t1").run()
    app.text_input(key=f"nv_title_text_{version}_t1").input("Should You Always Switch? 100 Doors Say Yes").run()
    app.button(key=f"nv_title_use_{version}").click().run()
    chosen = drafts.get(settings, project)
    assert chosen["version"] == version + 1 and chosen["parent_version"] == version
    assert chosen["content"].publish["titles"]["chosen"] == {"id": "t1", "style": "question",
                                                                 "text": "Should You Always Switch? 100 Doors Say Yes"}

    answering(script_lm, {**KIT, "[[ ## what_it_covers ## ]]": {"post": "Another post, written again for the "
                                                                        "people who follow Pip and love a good "
                                                                        "puzzle about doors and goats."}})
    app.button(key="nv_publish_post").click().run()
    settle(app, settings)
    again = drafts.get(settings, project)
    assert again["version"] == version + 2 and again["content"].publish["post"]["text"].startswith("Another post")
    assert again["content"].publish["titles"] == chosen["content"].publish["titles"], "the other parts are kept"

    app.text_area(key=f"nv_post_text_{again['version']}").input("My own post: a hundred doors, one car.").run()
    app.button(key=f"nv_post_save_{again['version']}").click().run()
    edited = drafts.get(settings, project)
    assert edited["version"] == version + 3 and edited["content"].publish["post"]["text"] == \
        "My own post: a hundred doors, one car."

    content = drafts.edit_section(edited["content"], "s1", "A new first section: the script changed.")
    drafts.save_edit(settings, project, edited["version"], content, "edited s1")
    app.run()
    assert f"{PUBLISH} :material/warning:" in stepper(app)
    assert any("Made from an earlier script: titles, description, Short, community post" in w.value
               for w in app.warning)


def test_a_kit_with_gaps_is_warned_and_not_ticked(page, script_lm) -> None:
    app, settings, project = page
    meta = "The creator has decided to share a story of their life and how it has shaped them."
    answering(script_lm, {**{key: {"title": "Monty Hall"} for key in TITLES},
                          "[[ ## video_outline ## ]]": {"summary": "{summary}"},
                          "[[ ## short_passage ## ]]": {"hook_line": "Doors.", "script": "Doors. " * 300},
                          "[[ ## what_it_covers ## ]]": {"post": meta}})
    app.button(key="nv_publish").click().run()
    settle(app, settings)
    warnings = " ".join(kit_warnings(app))
    assert "Publish kit finished with gaps" in warnings and not app.success, "a kit with gaps is never a success"
    assert "Titles: 4 of 5 from dummy were left out" in warnings
    assert sum("Titles: 4 of 5 from dummy" in w for w in kit_warnings(app)) == 1, "the banner lists it, the step not again"
    assert "the summary from dummy was empty" in warnings and "Community post: the post from dummy" in warnings
    assert re.search(r"so the description (has no summary, only [a-z ,]+|is empty)\\?\. ", warnings), warnings
    assert f"{PUBLISH} :material/warning:" in stepper(app)
    version = drafts.get(settings, project)["version"]
    assert app.text_area(key=f"nv_post_text_{version}").value == ""
    assert app.text_input(key=f"nv_short_hook_{version}").value == ""
    assert not placeholder_in(shown(app))


def test_a_project_with_no_script_is_told_to_write_it_first(app: AppTest, sample_settings) -> None:
    project = seed_script(sample_settings, "", "")
    open_page(app)
    app.selectbox(key="nv_project").set_value(project).run()
    assert not app.exception, app.exception
    assert app.button(key="nv_publish").disabled
    assert any(i.value.startswith("Write the script first: the titles, description, Short and post")
               for i in app.info)
    assert LABEL in stepper(app) and PUBLISH not in stepper(app)
