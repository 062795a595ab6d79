"""The outline metric on a hand-made video whose structure is known: an outline in the real order
covers every segment, the same sections shuffled cover fewer, and junk covers nothing."""

from __future__ import annotations

import dspy

from pipelines.metrics import OutlineMetric, covered_in_order, outline_details

SEGMENTS = [
    ["A honeybee that finds a good patch of flowers has a problem: the patch is far away and her sisters are in a "
     "dark hive. She cannot point and she cannot draw a map. So how does she tell them where the food is?"],
    ["Back inside she dances. She runs a short straight line, wagging her body, then loops back and runs it again. "
     "The angle of that waggle run against straight up on the comb is the angle of the flowers against the sun.",
     "And the longer she waggles, the farther away the flowers are. Roughly a second of waggling means a kilometre "
     "of flying. The other bees follow her, feel the rhythm, and fly off in that direction for that distance."],
    ["When the whole colony needs a new home, scouts dance for the sites they found. Better sites get longer, more "
     "enthusiastic dances, more bees go to check, and once enough scouts gather at one site, the swarm moves there."],
]
IN_ORDER = [
    {"title": "The forager's problem", "goal": "See why a bee cannot just point to flowers",
     "beats": ["the patch is far away", "the hive is dark"]},
    {"title": "The waggle dance", "goal": "Read direction and distance from the dance",
     "beats": ["the angle of the waggle run against the sun", "longer waggling means farther flowers"]},
    {"title": "Choosing a new home", "goal": "See the swarm vote with dances",
     "beats": ["scouts dance for nest sites", "the swarm moves once enough scouts agree"]},
]


def test_an_outline_in_the_real_order_beats_the_same_sections_shuffled() -> None:
    ordered = outline_details(IN_ORDER, SEGMENTS)
    shuffled = outline_details([IN_ORDER[2], IN_ORDER[0], IN_ORDER[1]], SEGMENTS)
    assert ordered["score"] == 1.0 and ordered["covered"] == [0, 1, 2]
    assert shuffled["score"] == round(2 / 3, 4) and shuffled["out_of_order"] == [2]
    reversed_ = outline_details(IN_ORDER[::-1], SEGMENTS)
    assert reversed_["score"] == round(1 / 3, 4)


def test_junk_and_generic_outlines_cover_little_or_nothing() -> None:
    beach = {"title": "beach", "goal": "beach", "beats": ["beach"]}
    assert outline_details([beach] * 3, SEGMENTS)["score"] == 0.0
    generic = [{"title": t, "goal": "", "beats": []} for t in ("The problem", "Why it is hard", "The key idea")]
    assert outline_details(generic, SEGMENTS)["score"] == 0.0
    title_again = {"title": "How bees talk", "goal": "How honeybees tell each other things", "beats": ["bees"]}
    assert outline_details([title_again] * 3, SEGMENTS)["score"] <= 1 / 3, "one section restated covers one segment"
    assert outline_details([], SEGMENTS)["score"] == 0.0


def test_a_missing_section_costs_its_segment() -> None:
    assert outline_details([IN_ORDER[0], IN_ORDER[2]], SEGMENTS)["score"] == round(2 / 3, 4)


def test_in_order_coverage_is_a_longest_common_subsequence() -> None:
    assert covered_in_order([[True, False], [False, True]]) == [0, 1]
    assert covered_in_order([[False, True], [True, False]]) in ([0], [1])
    assert len(covered_in_order([[True, True], [True, True], [True, True]])) == 2, "two sections cover two segments"


def test_the_metric_reads_examples_and_predictions_like_dspy_gives_them() -> None:
    metric = OutlineMetric()
    ex = dspy.Example(idea="How bees talk", segments=SEGMENTS).with_inputs("idea")
    assert metric(ex, dspy.Prediction(sections=IN_ORDER)) == 1.0
    feedback = metric.feedback(ex, dspy.Prediction(sections=[IN_ORDER[2], IN_ORDER[0], IN_ORDER[1]]))
    assert "segment 3 is covered, but out of the real video's order" in feedback


def test_a_labelled_outline_demo_shows_the_real_structure_and_is_kept() -> None:
    """A compiled outline's labelled demos were dropped by DSPy: their label had no output field."""
    from pipelines.drafting.structure import outline_examples
    from pipelines.programs.drafting import OutlineVideo

    eval_set = {"creator": "bees", "examples": [{"id": "1", "split": "train", "title": "How bees talk",
                                                 "notes": ["Bees dance."], "segments": SEGMENTS}]}
    (example,) = outline_examples(eval_set, "train", "question-ladder: Question ladder — a puzzle")
    assert [s["title"] for s in example.sections] == ["A honeybee that finds a good…", "Back inside she dances.",
                                                      "When the whole colony needs a…"]
    assert example.sections[1]["beats"] == ["Back inside she dances.", "And the longer she waggles, the farther away "
                                                                       "the flowers are."]
    messages = dspy.JSONAdapter().format_demos(OutlineVideo, [example])
    assert messages and "Back inside she dances." in messages[-1]["content"], "the demo reaches the prompt"
