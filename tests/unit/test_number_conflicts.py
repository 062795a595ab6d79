"""Contradicted numbers are caught without a language model (issue 19, item 3), measured on
hand-made pairs: a claim, a source passage, and whether the passage contradicts the claim's
numbers. Written for this test."""

from __future__ import annotations

import pytest

from pipelines.text import split_sentences
from pipelines.evidence.verify import number_conflict

SHUFFLES = ("Card magicians rely on one result from probability. Seven riffle shuffles are enough to mix a "
            "standard deck of 52 cards thoroughly. Fewer shuffles leave visible traces of the original order.")
EVEREST = ("Mount Everest is the highest mountain above sea level. Its summit stands 8,849 metres high, "
           "according to the 2020 survey by China and Nepal. It was first climbed in 1953.")
MOON = ("The Moon orbits the Earth at an average distance of about 384,400 kilometres. One orbit takes about "
        "27.3 days. The first crewed landing was Apollo 11 in 1969.")
WATER = ("Pure water freezes at 0 degrees Celsius and boils at 100 degrees Celsius at sea level. "
         "Its density peaks at about 4 degrees Celsius.")
BONES = "An adult human skeleton has 206 bones. A newborn baby has around 270, many of which fuse during growth."

PAIRS = [  # (claim, passage, contradicted?)
    ("It takes 5 riffle shuffles to mix a deck of 52 cards.", SHUFFLES, True),
    ("Seven riffle shuffles mix a 52-card deck.", SHUFFLES, False),
    ("Everest's summit is 8,848 metres high.", EVEREST, True),
    ("Everest was first climbed in 1953.", EVEREST, False),
    ("Everest was first climbed in 1956.", EVEREST, True),
    ("The Moon takes about 29 days to orbit the Earth.", MOON, True),
    ("Apollo 11 landed on the Moon in 1969.", MOON, False),
    ("Apollo 11 landed on the Moon in nineteen sixty-nine.", MOON, False),
    ("Water boils at 90 degrees Celsius at sea level.", WATER, True),
    ("Water is densest at about 4 degrees Celsius.", WATER, False),
    ("An adult human has 212 bones.", BONES, True),
    ("Adults have two hundred and six bones.", BONES, False),
    ("Babies are born with around 300 bones.", BONES, True),
    ("Everest is the highest mountain above sea level.", EVEREST, False),  # no number: not this rule's call
    ("The Moon is about 384,400 kilometres away on average.", MOON, False),
    ("The first crewed Moon landing carried 3 astronauts.", MOON, False),  # the passage does not say
]


def test_hand_made_pairs() -> None:
    right = []
    for claim, passage, contradicted in PAIRS:
        found = number_conflict(claim, split_sentences(passage))
        right.append((found is not None) == contradicted)
        if found is not None:
            assert "where the claim says" in found[1]
    print(f"number conflicts right on {sum(right)} of {len(PAIRS)} hand-made pairs")
    assert sum(right) >= len(PAIRS) - 1, [p for p, ok in zip(PAIRS, right) if not ok]


@pytest.mark.parametrize("claim", ["It takes 5 riffle shuffles to mix a deck of 52 cards."])
def test_the_conflict_names_both_numbers_and_the_sentence(claim: str) -> None:
    sentences = split_sentences(SHUFFLES)
    index, reason = number_conflict(claim, sentences)
    assert "Seven riffle shuffles" in sentences[index]
    assert reason == "The source says 7 where the claim says 5."
