"""What counts as usable model output, and what a draft still lacks (the answers a tiny model gives)."""

import pytest

from pipelines.drafting.content import Draft
from pipelines.usable import (
    DONE,
    PARTIAL,
    TODO,
    all_same,
    draft_states,
    empty_sections,
    empty_sections_message,
    has_script,
    looping,
    outline_problem,
    placeholder_in,
    result_state,
    usable_items,
    usable_plan,
    usable_text,
)

VERDICTS = ("make it", "sharpen it", "skip it")


@pytest.mark.parametrize("text", ["{why}", "Chosen by similarity to the idea (the model named '{framework}'). {why}",
                                  "{ framework }", "[[ ## why ## ]]", "It fits because {reason}."])
def test_unfilled_templates_are_found(text: str) -> None:
    assert placeholder_in(text)
    assert not usable_text(text)


@pytest.mark.parametrize("text", ["Switching wins two times out of three.", "The set {1, 2, 3} has three members.",
                                  "Prices rose 5% in {2020"])
def test_ordinary_text_has_no_placeholder(text: str) -> None:
    assert not placeholder_in(text)
    assert usable_text(text)


@pytest.mark.parametrize("text", ["", "   ", "...", "—", None, "N1", "[P2], [P3].", "E1 E4"])
def test_text_without_words_is_unusable(text) -> None:
    assert not usable_text(text)  # a note's id alone is what the embedded model wrote as a "sentence"


def test_note_ids_and_links_do_not_count_as_words() -> None:
    assert usable_text("Switching wins N1.") and not usable_text("N1 N2", min_words=2)
    hook = "[Monty Hall's Monty Hall Problem](https://www.youtube.com/watch?voc=v173zYz&feature=yTvZMzFBk4)"
    assert not usable_text(hook, min_words=8), "the embedded model's hook: a title linked to nowhere"


def test_reasons_that_echo_the_verdict_options_are_dropped() -> None:
    assert usable_items(["make it", "sharpen it", "skip it"], VERDICTS) == []
    assert usable_items(["Make it!", " skip it. ", ""], VERDICTS) == []
    kept = usable_items(["make it", "Make it: 14 comments ask for a hundred-door version."], VERDICTS)
    assert kept == ["Make it: 14 comments ask for a hundred-door version."]


def test_a_few_words_that_only_inflect_an_option_are_an_echo() -> None:
    assert usable_items(["sharpening it", "Skipping it.", "making"], VERDICTS) == []  # the embedded model's reasons
    assert usable_items(["Make it shorter", "Sharpen the title"], VERDICTS) == ["Make it shorter", "Sharpen the title"]


def test_a_minimum_length_is_counted_in_words() -> None:
    assert not usable_text("Hi there.", min_words=3)
    assert usable_text("Would you switch doors?", min_words=3)
    assert not usable_text("question: open with a question", ["question: open with a question"], 3)


# what the embedded model wrote in `make demo` (a channel pitch, a title, a Short's line)
@pytest.mark.parametrize("text,phrase", [
    ("### Dr. Amara Okafor, Dr. Amara Okafor, Dr. Amara Okafor, Dr. Amara Okafor, Dr. Amara Okafor", "dr amara okafor"),
    ("Monty Hall's Monty Hall Problem Monty Hall's Monty Hall Problem", "monty hall s monty hall problem"),
    ("Switch the door. Switch the door. Switch the door.", "switch the door"),
])
def test_one_phrase_over_and_over_is_a_loop_and_unusable(text: str, phrase: str) -> None:
    assert looping(text) == phrase
    assert not usable_text(text)


# how people repeat themselves in the shared corpora's transcripts, and ordinary prose
@pytest.mark.parametrize("text", ["I'm dumb, I'm dumb.", "When they go out, they go out.",
                                  "I had to say, no, no, no, no, no, no, no.", "Monty Hall's Monty Hall Problem",
                                  "It is very, very cold in the Arctic in winter, colder than anywhere you have been.",
                                  "Blah, blah, blah.", ""])
def test_a_phrase_said_again_in_passing_is_no_loop(text: str) -> None:
    assert looping(text) is None


def test_all_same_needs_two_equal_texts() -> None:
    assert all_same(["beach", "Beach.", " beach "])
    assert not all_same(["beach"])
    assert not all_same(["beach", "waves"])
    assert not all_same([])


def plan(title: str, goal: str, beats: list[str]) -> dict:
    return {"title": title, "goal": goal, "beats": beats}


def test_an_outline_of_one_repeated_word_is_degenerate() -> None:
    plans = [plan("Intro", "Hook them", ["beach"]), plan("Middle", "Explain", ["beach", "beach"]),
             plan("End", "Wrap up", ["beach"])]
    assert outline_problem(plans, 3) == "every beat was “beach”"
    assert outline_problem([plan("beach", "beach", ["beach"])] * 4, 5) == "every beat was “beach”"


def test_other_degenerate_outlines() -> None:
    assert outline_problem([], 5) == "it planned no sections"
    assert outline_problem([plan("Doors", "a", ["x"]), plan("doors", "b", ["y"])], 2) == \
        "every section was titled “Doors”"
    assert outline_problem([plan("", "", []), plan(" ", "{goal}", ["", "..."])], 2) == \
        "its section plans were empty or only repeated their titles"


def test_a_plan_that_only_repeats_its_title_plans_nothing() -> None:
    title = "Monty Hall's Monty Hall Problem"  # the embedded model's one plan: title, goal and beat alike
    assert not usable_plan(plan(title, title, [title])) and not usable_plan(plan(title, title, ["monty hall"]))
    assert outline_problem([plan(title, title, ["monty hall"])], 5) == \
        "its section plans were empty or only repeated their titles"
    assert usable_plan(plan(title, "See why switching wins", []))
    assert outline_problem([plan(title, "See why switching wins", [])], 5) == "it planned only 1 of 5 sections"


def test_a_real_outline_passes() -> None:
    plans = [plan("The tempting answer", "See why 50/50 feels right", ["two doors", "one car"]),
             plan("A hundred doors", "Make switching obvious", ["99 goats"]),
             plan("What the host knows", "See the host's choice as information", ["he never opens the car"])]
    assert outline_problem(plans, 5) is None
    assert outline_problem(plans[:2], 5) == "it planned only 2 of 5 sections"


def section(sid: str, *texts: str) -> dict:
    """A script section as stored."""
    return {"id": sid, "title": f"Part {sid}", "sentences": [{"text": t, "cites": []} for t in texts]}


def test_empty_sections_are_named_and_counted() -> None:
    draft = Draft.model_validate({"sections": [section("s1", "Switching wins."), section("s2"),
                                               section("s3", "  ", "")]})
    assert empty_sections(draft) == ["Part s2", "Part s3"]
    assert has_script(draft)
    message = empty_sections_message(draft, "local/smollm2")
    assert message.startswith("2 of 3 sections came back empty from local/smollm2 (Part s2, Part s3): ")
    assert "write the script again" in message and "SCRIPTWRIGHT_LM" in message
    assert empty_sections_message(Draft.model_validate({"sections": [section("s1", "Switching wins.")]})) is None


def test_a_script_with_no_sentence_is_no_script() -> None:
    assert not has_script(Draft.model_validate({"sections": [section("s1"), section("s2", " ")]}))
    assert not has_script(Draft.model_validate({"hook": {"text": "A hook alone."}, "sections": []}))


def test_draft_states_never_mark_an_empty_script_done() -> None:
    empty = {"outline": [{"id": "s1"}], "hooks": [{"id": "h1"}], "sections": [section("s1"), section("s2")],
             "checks": {"counts": {}}, "problems": {"outline": [], "hooks": []}}
    assert draft_states(Draft.model_validate(empty)) == {"outline": DONE, "hooks": DONE, "sections": PARTIAL, "checks": TODO,
                                   "export": TODO}
    half = {**empty, "sections": [section("s1", "Switching wins."), section("s2")]}
    half = Draft.model_validate(half)
    assert draft_states(half)["sections"] == PARTIAL and draft_states(half)["export"] == PARTIAL
    assert draft_states(half)["checks"] == DONE
    full = {**empty, "sections": [section("s1", "Switching wins."), section("s2", "Always switch.")]}
    full = Draft.model_validate(full)
    assert draft_states(full)["sections"] == DONE and draft_states(full)["export"] == DONE


def test_recorded_problems_make_a_part_partial() -> None:
    draft = {"outline": [{"id": "s1"}], "hooks": [], "sections": [],
             "problems": {"outline": ["Outline: the plans were unusable."], "hooks": ["Hooks: 4 of 4 came back empty."]}}
    assert draft_states(Draft.model_validate(draft)) == {"outline": PARTIAL, "hooks": PARTIAL, "sections": TODO, "checks": TODO,
                                   "export": TODO}
    assert set(draft_states(Draft()).values()) == {TODO}


def test_result_states() -> None:
    assert result_state(None) == TODO
    assert result_state({"verdict": "make it", "problems": []}) == DONE
    assert result_state({"verdict": "make it"}) == DONE
    assert result_state({"verdict": "make it", "problems": ["Idea check: no usable reason."]}) == PARTIAL
