"""The router's text handling and its routes file, without the embedder."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.assistant.routes import ROUTES_FILE, load_routes, shared_words, split_request, subject, without_topic
from pipelines.errors import ScriptwrightError
from pipelines.settings import Settings

TOOLS = ("search_corpus", "dna_facts", "score_voice")


@pytest.mark.parametrize(("message", "asked", "passage"), [
    ("Save this as my hook: What if the door you picked is wrong?", "Save this as my hook",
     "What if the door you picked is wrong?"),
    ("Does this sound like me?\nGran's abacus had ten beads.", "Does this sound like me?",
     "Gran's abacus had ten beads."),
    ("Is this me? A logarithm is just a question about multiplying.", "Is this me?",
     "A logarithm is just a question about multiplying."),
    ("I covered the birthday paradox once. Which video was it?",
     "I covered the birthday paradox once. Which video was it?", ""),
    ("Where did I say this at 3:45 in the video?", "Where did I say this at 3:45 in the video?", ""),
])
def test_a_pasted_passage_is_split_from_the_request(message: str, asked: str, passage: str) -> None:
    assert split_request(message) == (asked, passage)


def test_what_a_request_names_is_after_its_colon_else_the_whole_message() -> None:
    assert subject("Check this claim against my sources: honey never spoils") == "honey never spoils"
    assert subject("Thinking of a video on magic squares. Fit for the channel or not?") == \
        "Thinking of a video on magic squares. Fit for the channel or not?"


def test_a_topic_is_replaced_so_requests_about_different_things_read_alike() -> None:
    shared = shared_words(("Where did I talk about black holes before?", "Where did I talk about this before?",
                           "Is it true that the Great Wall is visible from space?", "Is it true that it works?"))
    assert without_topic("Where did I talk about prime numbers before?", shared) == \
        "Where did I talk about this before ?"
    assert without_topic("Is it true that the Eiffel Tower grows in summer?", shared) == "Is it true that this ?"
    assert without_topic("Make section 2 simpler", shared) == "Make section 2 simpler"


def routes_settings(tmp_path: Path, text: str | None) -> Settings:
    if text is not None:
        (tmp_path / ROUTES_FILE).parent.mkdir(parents=True)
        (tmp_path / ROUTES_FILE).write_text(text, encoding="utf-8")
    return Settings(data_dir=tmp_path / "data", prompts_dir=tmp_path)


def test_the_shipped_routes_name_only_real_tools_and_each_has_examples() -> None:
    routes = load_routes(Settings(), ["search_corpus", "dna_facts", "score_voice", "validate_idea", "search_sources",
                                      "verify_claim", "show_draft", "write_hook", "save_hook", "rewrite_section"])
    assert len(routes) == 10 and all(len(examples) >= 8 for examples in routes.values())


@pytest.mark.parametrize(("text", "problem"), [
    (None, "routes file is missing"),
    ("search_corpus: [unclosed", "not valid YAML"),
    ("- just a list", "expected a mapping of tool name"),
    ("delete_everything:\n  - wipe it all\n", "'delete_everything' is not one of the assistant's tools"),
    ("search_corpus: []\n", "'search_corpus' needs a list of example requests"),
    ("search_corpus:\n  - ''\n", "'search_corpus' needs a list of example requests"),
])
def test_a_broken_routes_file_is_named_with_its_problem(tmp_path: Path, text: str | None, problem: str) -> None:
    with pytest.raises(ScriptwrightError, match=problem) as raised:
        load_routes(routes_settings(tmp_path, text), TOOLS)
    assert str(tmp_path / ROUTES_FILE) in str(raised.value)
