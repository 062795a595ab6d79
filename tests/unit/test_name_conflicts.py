"""A claim that names the wrong person for what a source states is caught without a language model
(issue 19, item 3), measured on hand-made pairs: 24 of 26 right, no invented contradiction. The two
misses are sources that say "it" for the subject, which the swap cannot match. Written for this test."""

from __future__ import annotations

import pytest

from pipelines.evidence.names import name_conflict, names
from pipelines.text import split_sentences

PHONE = ("Alexander Graham Bell was granted the first US patent for the telephone in 1876. "
         "Elisha Gray filed a caveat for a similar design on the same day.")
PENICILLIN = ("Alexander Fleming discovered penicillin in 1928 when mould killed bacteria in a petri dish. "
              "Howard Florey and Ernst Chain later turned it into a usable drug.")
MONTY = ("The puzzle is named after Monty Hall, the host of Let's Make a Deal. Steve Selvin first posed it in a "
         "letter to The American Statistician in 1975. Marilyn vos Savant made it famous in Parade magazine in 1990.")
RELATIVITY = ("Albert Einstein published the special theory of relativity in 1905. "
              "Hermann Minkowski later recast it in terms of four-dimensional spacetime.")
EVEREST = ("Edmund Hillary and Tenzing Norgay reached the summit of Mount Everest on 29 May 1953. "
           "George Mallory had disappeared near the top in 1924.")
DNA = ("James Watson and Francis Crick proposed the double-helix structure of DNA in 1953, "
       "drawing on X-ray images made by Rosalind Franklin.")
PAIRS = [  # (claim, passage, contradicted?)
    ("Thomas Edison was granted the first US patent for the telephone.", PHONE, True),
    ("Alexander Graham Bell patented the telephone in 1876.", PHONE, False),
    ("Bell received the first telephone patent.", PHONE, False),
    ("Louis Pasteur discovered penicillin in 1928.", PENICILLIN, True),
    ("Fleming noticed mould killing bacteria in a petri dish.", PENICILLIN, False),
    ("Howard Florey and Ernst Chain made penicillin into a usable drug.", PENICILLIN, False),
    ("Paul Erdos first posed the Monty Hall problem in a letter in 1975.", MONTY, True),
    ("Marilyn vos Savant made the puzzle famous in Parade magazine.", MONTY, False),
    ("The puzzle is named after the game show host Monty Hall.", MONTY, False),
    ("Richard Feynman made the Monty Hall problem famous in Parade magazine.", MONTY, True),
    ("Isaac Newton published the special theory of relativity in 1905.", RELATIVITY, True),
    ("Einstein's special relativity appeared in 1905.", RELATIVITY, False),
    ("Niels Bohr loved sailing on Lake Geneva.", RELATIVITY, False),  # not what the source is about
    ("George Mallory and Tenzing Norgay reached the summit of Everest in 1953.", EVEREST, False),  # one name right: not this rule's call
    ("Reinhold Messner reached the summit of Mount Everest with Tenzing Norgay on 29 May 1953.", EVEREST, True),
    ("Linus Pauling proposed the double-helix structure of DNA in 1953.", DNA, True),
    ("Rosalind Franklin made X-ray images of DNA.", DNA, False),
    ("Watson and Crick proposed the double helix in 1953.", DNA, False),
]
BEES = ("Karl von Frisch decoded the waggle dance and shared the 1973 Nobel Prize in Physiology or Medicine with "
        "Konrad Lorenz and Nikolaas Tinbergen.")
PAIRS += [
    ("Charles Darwin decoded the waggle dance of honeybees.", BEES, True),
    ("Karl von Frisch decoded the waggle dance of honeybees.", BEES, False),
    ("Niko Tinbergen studied how gulls feed their chicks.", BEES, False),
]
PAIRS += [  # other people doing other things, in the same shape of sentence
    ("Marie Curie discovered radium in 1898.", PENICILLIN, False),
    ("Neil Armstrong walked on the Moon in 1969.", EVEREST, False),
    ("Charles Darwin studied finches on the Galapagos Islands.", BEES, False),
    ("Gregor Mendel discovered the laws of inheritance with pea plants.", DNA, False),
    ("Max Planck proposed the quantum of energy in 1900.", RELATIVITY, False),
]
MISSED = {"Paul Erdos first posed the Monty Hall problem in a letter in 1975.",
          "Richard Feynman made the Monty Hall problem famous in Parade magazine."}


@pytest.mark.parametrize(("claim", "passage", "contradicted"), PAIRS)
def test_name_pairs(claim: str, passage: str, contradicted: bool) -> None:
    found = name_conflict(claim, split_sentences(passage))
    if claim in MISSED:
        assert found is None, "a known miss now caught: update MISSED and the figure in the docstring"
        return
    assert (found is not None) == contradicted, found


def test_the_reason_quotes_both_names() -> None:
    sentences = split_sentences(PHONE)
    index, reason = name_conflict("Thomas Edison was granted the first US patent for the telephone.", sentences)
    assert sentences[index].startswith("Alexander Graham Bell was granted")
    assert reason == "The source names Alexander Graham Bell where the claim names Thomas Edison."


def test_names_skip_sentence_words_and_possessives() -> None:
    assert names("The puzzle is named after Monty Hall.") == ["Monty Hall"]
    assert names("Einstein's relativity appeared in 1905.") == ["Einstein"]
    assert names("Marilyn vos Savant wrote in Parade.") == ["Marilyn vos Savant", "Parade"]
    assert names("It was cold.") == []
