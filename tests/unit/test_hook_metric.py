"""The hook metric on hand-made cases from the demo corpus, where the right order is known: the
creator's own opening (reworded so it is no copy) beats the opening of another of their videos,
a copy of the real opening and junk score nothing, and a hook far from the creator's length loses."""

from __future__ import annotations

from types import SimpleNamespace

import dspy
import pytest

from pipelines.metrics import HOOK_COPY_RUN, HookMetric, hook_details, hook_length_score
from pipelines.usable import longest_shared_run

TITLE = "The Monty Hall Problem"
KEY_POINTS = ["If you switch, you win two times out of three.",
              "Nothing the host does afterwards can change how lucky that first guess was.",
              "The host knows where the car is and always opens a door with a goat."]
REAL = ("Hi friends, Pip here. Today's puzzle has started more arguments than any board game in my house. And that's "
        "saying something, because we play a lot of board games. It's called the Monty Hall problem. Here's how it "
        "goes. You're on a game show. There are three doors. Behind one door is a car. Behind the other two are goats. "
        "You pick a door. Let's say door number one. Now the host, who knows where the car is, opens a")
# the same opening as Pip might say it another day: no run of words long enough to be a copy
REWORDED = ("Hi friends, Pip here. This puzzle has caused more fights in my house than any board game, and we play "
            "plenty of those. People call it the Monty Hall problem. So picture a game show: three doors, a car behind "
            "one of them and a goat behind each of the other two. You choose door one. The host knows where the car "
            "is, and he opens another door")
OTHER_VIDEO = ("Hi friends, Pip here. Let's play a guessing game. How many people do we need in a room before it's more "
               "likely than not that two of them share a birthday? Take a guess. Go on. I'll wait. Most people say "
               "something like one hundred and eighty. Half of three hundred sixty-five, right? Seems fair. But the "
               "real answer is twenty-three.")
LENGTHS = [69, 70, 75, 80, 80]


def example(**changes) -> SimpleNamespace:
    return SimpleNamespace(**{"title": TITLE, "key_points": KEY_POINTS, "reference": REAL, "opening_lengths": LENGTHS,
                              "creator_slug": "pip-halloran", **changes})


def score(hook: str) -> float:
    return hook_details(hook, example())["score"]


def test_the_creators_own_opening_beats_the_opening_of_another_of_their_videos() -> None:
    assert len(longest_shared_run(REWORDED, REAL).split()) < HOOK_COPY_RUN
    own, other = hook_details(REWORDED, example()), hook_details(OTHER_VIDEO, example())
    assert own["setup"] > 0.5 and other["setup"] == 0.0
    assert own["score"] > 0.5 > other["score"]


def test_a_copy_of_the_real_opening_and_junk_score_nothing() -> None:
    copy = hook_details(REAL, example())
    assert copy["score"] == 0.0 and len(copy["copied"].split()) >= HOOK_COPY_RUN
    assert score("beach beach beach beach beach beach beach beach") == 0.0
    assert score("Write the first words of the video: three to five sentences the creator says to camera.") == 0.0
    assert score("") == 0.0


def test_repeating_a_train_opening_is_a_copy_too() -> None:
    """A compiled program's demos are train openings: one repeated for every video is no hook of this one."""
    other_train = example(title=TITLE, train_openings=[OTHER_VIDEO, REWORDED])
    copy = hook_details(REWORDED, other_train)
    assert copy["score"] == 0.0 and copy["copied_from"] == "another video's"
    assert HookMetric().explain(None, None, copy).startswith("Score 0.00: copies another video's real opening")
    assert hook_details(REWORDED, example(train_openings=[OTHER_VIDEO]))["score"] > 0.5


def test_length_is_judged_against_the_creators_own_openings() -> None:
    assert hook_length_score(72, LENGTHS) == 1.0
    assert hook_length_score(26, LENGTHS) == pytest.approx(0.5, abs=0.01)  # half of 75 % of the shortest (69)
    assert hook_length_score(400, LENGTHS) == 0.0
    short = " ".join(REWORDED.split()[:25])
    assert score(short) < score(REWORDED)


def test_the_metric_reads_examples_and_predictions_like_dspy_gives_them() -> None:
    metric = HookMetric()
    ex = dspy.Example(**vars(example())).with_inputs("title", "key_points")
    good, bad = dspy.Prediction(hook=REWORDED), dspy.Prediction(hook=OTHER_VIDEO)
    assert metric(ex, good) > metric(ex, bad)
    assert metric(ex, good, trace=True) is True and metric(ex, bad, trace=True) is False
    assert "does not set up “The Monty Hall Problem”" in metric.feedback(ex, bad)
    assert metric.feedback(ex, dspy.Prediction(hook=REAL)).startswith("Score 0.00: copies this video's real opening")


def test_a_word_or_the_title_again_is_no_hook_however_close_in_meaning() -> None:
    """The embedded model's hook for "What Is a Logarithm?" was the one word "logarithm"."""
    assert score("Monty Hall") == 0.0 and score("The Monty Hall Problem!") == 0.0
    assert hook_details("The Monty Hall problem", example())["setup"] > 0.5, "close in meaning, still no hook"


class TooShortToJudge:
    def score_text(self, text: str, creator: str) -> SimpleNamespace:
        return SimpleNamespace(too_short=True, fidelity=None, message="Too short to judge.")


def test_with_a_voice_model_a_hook_it_cannot_judge_gets_no_voice_credit() -> None:
    short = "Three doors, one car, two goats. You pick door one. Should you switch when the host opens a goat door?"
    without, judged = hook_details(short, example()), hook_details(short, example(), TooShortToJudge())
    assert without["voice"] is None and judged["voice"] == 0.0
    assert judged["score"] < without["score"]


def test_a_title_where_an_opening_belongs_scores_little() -> None:
    """The embedded model's hook for Pip's primes video was a title of 8 words (it scored 0.43 when
    length only weighed in)."""
    title_like = "The Monty Hall Problem: Why You Always Switch"
    assert score(title_like) < 0.2 < score(REWORDED)


def test_each_example_carries_the_train_splits_other_openings() -> None:
    from pipelines.drafting.openings import hook_examples

    stored = [{"id": vid, "split": split, "title": vid, "reference": f"opening of {vid}", "key_points": [],
               "opening_lengths": []} for vid, split in (("a", "train"), ("b", "train"), ("c", "test"))]
    found = {e.example_id: e.train_openings for split in ("train", "test")
             for e in hook_examples({"examples": stored, "creator": "pip-halloran"}, split, "")}
    assert found == {"a": ["opening of b"], "b": ["opening of a"], "c": ["opening of a", "opening of b"]}
