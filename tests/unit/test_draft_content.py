"""The typed draft: stored content loads and saves back unchanged, old versions load, corrupt ones say so."""

from __future__ import annotations

import json

import pytest

from pipelines.drafting.content import Draft
from pipelines.errors import ScriptwrightError

CITE = {"chunk_id": "src1-0", "title": "NASA: Mars facts", "uri": "https://science.nasa.gov/mars/"}
# A version as the steps store it today: outline, hooks, script, checks and the publish kit.
STORED = {
    "idea": "Why is Mars red?", "creator": "astro", "creator_name": "Astro Explained", "audience_level": "general",
    "target_words": 600, "wpm": 152.5,
    "framework": {"id": "question_answer", "name": "Question and answer", "why": "A single question to answer."},
    "outline": [{"id": "s1", "title": "Rust", "goal": "Explain iron oxide", "beats": ["iron", "oxygen"],
                 "words": 120, "duration_s": 47.2}],
    "hooks": [{"id": "h1", "style": "question", "text": "Why is a whole planet rusty?",
               "rubric": {"curiosity": 4, "clarity": 5, "promise": 3}, "critique": "Clear.", "voice": 0.61,
               "voice_note": "Sounds like Astro.", "score": 0.72}],
    "hook": {"id": "h1", "style": "question", "text": "Why is a whole planet rusty?"},
    "sections": [{"id": "s1", "title": "Rust", "duration_s": 3.9,
                  "sentences": [{"text": "Mars is covered in iron oxide.", "cites": [CITE]},
                                {"text": "That is rust.", "cites": []}]}],
    "checks": {"coherence": [], "safety": [], "counts": {"high": 0, "warn": 1, "info": 0},
               "simplification": {"reading_grade": 6.1, "target_grade": 8, "findings": [], "jargon": []},
               "voice": {"fidelity": None, "message": "No voice profile yet."}},
    "problems": {"outline": [], "hooks": [], "script": ["Script: 1 of 2 sections came back empty."]},
    "models": {"outline": "ollama_chat/qwen2.5:7b", "hooks": "ollama_chat/qwen2.5:7b"},
    "publish": {"post": {"text": "New video!", "title": "Why is Mars red?", "lm": "m", "script_sha256": "ab12"}},
}


def test_a_stored_draft_loads_and_saves_back_unchanged_keeping_keys_it_does_not_model() -> None:
    content = json.loads(json.dumps(STORED))
    content["sections"][0]["sentences"][0]["emphasis"] = "strong"
    content["future_part"] = {"kept": True}
    draft = Draft.model_validate(content)
    assert draft.hook.text == "Why is a whole planet rusty?"
    assert draft.sections[0].sentences[0].cites[0]["uri"] == CITE["uri"]
    assert draft.hooks[0].rubric["clarity"] == 5 and draft.outline[0].beats == ["iron", "oxygen"]
    assert draft.model_dump(mode="json") == content
    assert draft.stored() == content


def test_a_draft_saved_before_later_keys_loads_and_saves_in_its_own_shape() -> None:
    old = {"idea": "Why is Mars red?", "creator": "astro", "hook": None, "checks": None, "outline": [],
           "sections": [{"id": "s1", "title": "Rust", "sentences": [{"text": "Rust."}]}]}
    draft = Draft.load(old)
    assert draft.hook is None and draft.checks is None and draft.problems == {} and draft.publish == {}
    assert draft.audience_level == "general" and draft.hook_text() == ""
    assert draft.sections[0].sentences[0].cites == []
    assert draft.stored() == old


def test_a_changed_copy_saves_what_was_set_and_leaves_the_loaded_draft_alone() -> None:
    draft = Draft.load({"idea": "Why is Mars red?", "sections": []})
    changed = draft.model_copy(deep=True)
    changed.hook = {"id": None, "style": "edited", "text": "Rust, everywhere."}
    changed.models = {**changed.models, "script": "m"}
    assert changed.stored() == {"idea": "Why is Mars red?", "sections": [],
                                "hook": {"id": None, "style": "edited", "text": "Rust, everywhere."},
                                "models": {"script": "m"}}
    assert draft.hook is None and draft.stored() == {"idea": "Why is Mars red?", "sections": []}


@pytest.mark.parametrize("corrupt", [
    {"sections": [{"id": "s1", "sentences": "not a list"}]},
    {"hook": "just a string"},
    {"target_words": "many"},
    "{not json",
    ["a", "list"],
])
def test_a_corrupt_stored_draft_is_a_clear_error_not_a_traceback(corrupt: object) -> None:
    with pytest.raises(ScriptwrightError, match="v3 of p1 is not a readable draft.*Restore an earlier version"):
        Draft.load(corrupt, "v3 of p1")
