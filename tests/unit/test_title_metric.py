"""The title metric on hand-made cases: closeness to the real title by meaning, length within
the creator's range, and clickbait the creator never uses."""

from __future__ import annotations

import dspy
import pytest

from pipelines.metrics import (TitleMetric, clickbait_terms, title_details, title_length_score, title_meaning,
                               title_range)

PIP = ["Why the Primes Never Run Out (Euclid's Sneaky Proof)", "23 People, One Shared Birthday? The Birthday Problem",
       "Less Than Nothing? Making Sense of Negative Numbers", "Fractions, Explained With Pizza",
       "What Is a Logarithm, Really?"]
REAL = "The Monty Hall Problem: Why You Should Always Switch"


def test_meaning_credits_a_paraphrase_and_not_another_videos_title() -> None:
    assert title_meaning(REAL, REAL) == pytest.approx(1.0)
    assert title_meaning("Monty Hall: Stay or Switch?", REAL) > 0.8
    assert title_meaning("Fractions, Explained With Pizza", REAL) == 0.0
    assert title_meaning("", REAL) == 0.0


def test_length_is_judged_against_the_creators_own_range() -> None:
    assert title_range(PIP) == (28, 52)
    assert title_length_score(40, PIP) == 1.0
    assert title_length_score(14, PIP) == pytest.approx(0.5)
    assert title_length_score(78, PIP) == pytest.approx(0.5)
    assert title_length_score(101, PIP) == 0.0
    assert title_range(["Only one"]) == (20, 70)


def test_clickbait_counts_only_words_the_creator_never_uses() -> None:
    assert clickbait_terms("The SHOCKING Truth About DOORS (Insane!!)", PIP) == ["shocking", "insane", "!!", "DOORS"]
    assert clickbait_terms("Euclid's Secret Proof", PIP) == ["secret"]
    assert clickbait_terms("Euclid's Secret Proof", [*PIP, "The Secret of Zero"]) == []
    assert clickbait_terms("How DNA Copies Itself", ["DNA Replication Errors"]) == []
    assert clickbait_terms("Why You Should Always Switch Doors", PIP) == []


def test_the_combined_score_ranks_hand_made_titles_as_a_reader_would() -> None:
    good = title_details("Monty Hall: Should You Always Switch Doors?", REAL, PIP)
    hype = title_details("INSANE Game Show Trick Nobody Tells You!!", REAL, PIP)
    offtopic = title_details("Fractions, Explained With Pizza", REAL, PIP)
    long = title_details("The Monty Hall Problem, or Why You Should Always Switch Doors When the Host Opens "
                         "a Goat Door", REAL, PIP)
    assert good["score"] > 0.9 and good["clickbait"] == []
    assert hype["plain"] == 0.0 and hype["score"] < good["score"] / 2
    assert long["meaning"] > 0.9 and long["length"] < 0.5 and good["score"] > long["score"] > 0.6
    # shaped like the creator's titles but about another video: worth nothing
    assert offtopic["meaning"] == 0.0 and offtopic["length"] == 1.0 and offtopic["score"] == 0.0
    assert title_details("", REAL, PIP)["score"] == 0.0


def test_a_copy_of_one_of_the_creators_titles_scores_nothing() -> None:
    near = "Why You Should Always Switch: The Monty Hall Problem"
    copy = title_details("less than nothing? making sense of negative numbers!", REAL, PIP)
    assert copy["copied"] == "Less Than Nothing? Making Sense of Negative Numbers" and copy["score"] == 0.0
    assert title_details(near, REAL, PIP)["copied"] is None and title_details(near, REAL, PIP)["score"] > 0.9


def test_the_metric_reads_examples_and_predictions_like_dspy_gives_them() -> None:
    example = dspy.Example(past_titles=PIP, reference=REAL, key_points=[], opening="")
    metric = TitleMetric()
    assert metric(example, dspy.Prediction(title="Monty Hall: Stay or Switch?")) > 0.8
    assert metric(example, dspy.Prediction(title="Fractions, Explained With Pizza"), trace=object()) is False
    assert "meaning 0.00: the real title is" in metric.feedback(example, dspy.Prediction(title="Fractions and pizza"))
    assert metric.feedback(example, dspy.Prediction(title="")) == "Score 0.00: no title was written."
    assert "a copy of the creator's title “Fractions, Explained With Pizza”" in metric.feedback(
        example, dspy.Prediction(title="Fractions, Explained With Pizza"))
