"""What the offline model wrote is named: per part of a draft (also for drafts saved before parts
recorded their model), in the Markdown and JSON exports, and for a workspace still on it."""

from __future__ import annotations

import json

from pipelines.drafting.content import Draft
from pipelines.drafting.export import to_bundle, to_markdown
from pipelines.provenance import (draft_writers, is_placeholder, placeholder_line, placeholder_parts, record_writer,
                                  setup_line)
from pipelines.settings import EMBEDDED_LM, Settings
from tests.unit.test_export import META, _draft


def test_each_step_records_the_model_of_its_writing_role() -> None:
    content = Draft()
    record_writer(content, "outline", {"research": EMBEDDED_LM})
    record_writer(content, "hooks", {"research": EMBEDDED_LM, "writer": "openai/gpt-4.1-mini", "judge": "x/y"})
    record_writer(content, "checks", {"judge": "x/y"})  # writes no text
    assert content.models == {"outline": EMBEDDED_LM, "hooks": "openai/gpt-4.1-mini"}
    assert placeholder_parts(content) == ["outline"]


def test_an_old_draft_falls_back_to_its_versions_models_and_kit_parts_carry_their_own() -> None:
    draft = _draft().model_copy(update={"publish": {"titles": {"lm": "openai/gpt-4.1-mini"},
                                                    "short": {"lm": EMBEDDED_LM}}})
    assert draft_writers(draft, {"writer": EMBEDDED_LM, "research": "openai/gpt-4.1-mini"}) == {
        "outline": "openai/gpt-4.1-mini", "hooks": EMBEDDED_LM, "script": EMBEDDED_LM,
        "titles": "openai/gpt-4.1-mini", "short": EMBEDDED_LM}
    assert placeholder_parts(draft, {"writer": "openai/gpt-4.1-mini"}) == ["short"]


def test_a_model_at_a_server_is_not_the_embedded_one() -> None:
    assert is_placeholder(EMBEDDED_LM) and is_placeholder(f"{EMBEDDED_LM} at nowhere")
    assert not is_placeholder("openai/smollm2") and not is_placeholder(None)


def test_exports_say_what_the_offline_model_wrote_and_nothing_when_it_wrote_nothing() -> None:
    offline = to_markdown(_draft(), META)  # META: the writer was the embedded model
    assert "> Written by the offline placeholder model (local/smollm2): hooks, script." in offline
    real = to_markdown(_draft(), {**META, "lm": {"writer": "openai/gpt-4.1-mini"}})
    assert "placeholder" not in real
    bundle = json.loads(to_bundle(_draft(), META, {}))
    assert bundle["meta"]["placeholder_parts"] == ["hooks", "script"]
    assert placeholder_line([]) == ""


def test_a_workspace_on_the_offline_model_is_told_before_it_drafts() -> None:
    assert setup_line(Settings()).startswith("Every role uses the offline placeholder model")
    assert setup_line(Settings(lm="openai/gpt-4.1-mini", lm_judge=EMBEDDED_LM)).startswith("The judge role uses")
    assert setup_line(Settings(lm="openai/gpt-4.1-mini")) == ""
