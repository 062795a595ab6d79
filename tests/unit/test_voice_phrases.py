"""Signature phrases (pipelines.voice.phrases): hand-made creators with a known catchphrase, and
the shipped demo corpus, where each fictional creator has planted catchphrases."""

from __future__ import annotations

import pytest

from pipelines.voice.phrases import (
    STOPWORDS,
    Doc,
    background_from_sample,
    sample_docs,
    signature_phrases,
)
from tests.conftest import SAMPLE

# Filler words unique to each document, so no filler n-gram recurs across videos.
FILLER = [
    "granite orchard lantern velvet harbor meadow quartz bramble".split(),
    "cobalt thimble juniper saddle pewter lagoon marble thistle".split(),
    "walnut cinder falcon ribbon cedar tundra magnet pebble".split(),
    "saffron kettle willow basalt comet parsley anvil glacier".split(),
]


def filler(doc: int, n: int) -> str:
    words = FILLER[doc]
    return " ".join(words[(i * 3) % len(words)] for i in range(n)) + "."


def target_docs() -> list[Doc]:
    docs = []
    for d in range(4):
        segments = [(0.0, "Welcome, " + filler(d, 12)), (10.0, filler(d, 15))]
        if d < 3:  # the catchphrase, said in 3 of 4 videos, at a known time
            segments.append((20.0 + d, "Okay. Here's the sneaky part. " + filler(d, 10)))
        if d == 0:  # a topic phrase said often, but in one video only
            segments += [(40.0, "The purple giraffe eats. The purple giraffe sleeps. The purple giraffe runs.")]
        segments.append((60.0, "And it is in the " + filler(d, 6)))  # stopwords-only n-grams, in every video
        docs.append(Doc(f"t{d}", f"Target video {d}", f"https://example.com/t{d}", segments))
    return docs


def background_docs() -> list[Doc]:
    return [
        Doc(f"b{d}", f"Background {d}", None,
            [(0.0, "Welcome to the channel. Today we look at the part of the engine that is sneaky to fix."),
             (15.0, "Here is the plan. Let us begin with the basics and then look at the details.")])
        for d in range(4)
    ]


def test_a_catchphrase_in_three_of_four_videos_ranks_first_with_its_contexts():
    phrases = signature_phrases(target_docs(), background_docs(), n=10)
    top = phrases[0]
    assert top.ngram == "here's the sneaky part"
    assert (top.target_count, top.background_count, top.n_videos) == (3, 0, 3)
    assert top.z > 0
    assert [(e.video_id, e.start_s) for e in top.examples] == [("t0", 20.0), ("t1", 21.0), ("t2", 22.0)]
    assert all(e.title.startswith("Target video") and e.url.startswith("https://") for e in top.examples)
    # ~20 words around the phrase, across segment boundaries
    first = top.examples[0].context
    assert "lantern. Okay. Here's the sneaky part. granite" in first
    assert 18 <= len(first.split()) <= 20
    # the n-grams inside the catchphrase are collapsed into it
    assert not any(p.ngram in {"the sneaky part", "sneaky part", "here's the sneaky"} for p in phrases)


def test_single_video_and_stopword_only_ngrams_are_excluded():
    phrases = signature_phrases(target_docs(), background_docs(), n=100)
    assert phrases
    assert not any("giraffe" in p.ngram for p in phrases)  # 3 times, but in one video
    assert all(p.n_videos >= 2 for p in phrases)
    assert not any(all(w in STOPWORDS for w in p.ngram.split()) for p in phrases)
    assert not any("it is in" in p.ngram for p in phrases)
    assert "the purple giraffe" in [p.ngram for p in signature_phrases(target_docs(), background_docs(), n=100,
                                                                       min_videos=1)]


def test_no_phrase_hides_inside_a_longer_one_with_the_same_count():
    phrases = signature_phrases(target_docs(), background_docs(), n=100)
    for short in phrases:
        for long in phrases:
            if long is not short and f" {short.ngram} " in f" {long.ngram} ":
                assert long.target_count != short.target_count


def test_no_target_means_no_phrases():
    assert signature_phrases([], background_docs()) == []


@pytest.fixture(scope="module")
def demo() -> dict[str, list[Doc]]:
    return sample_docs(SAMPLE)


def test_demo_docs_carry_titles_and_timings(demo: dict[str, list[Doc]]):
    assert set(demo) == {"pip-and-the-primes", "dr-okafor-labs", "rex-builds-history"}
    pip = {d.video_id: d for d in demo["pip-and-the-primes"]}
    doc = pip["pip-and-the-primes/the-birthday-problem"]
    assert doc.title == "23 People, One Shared Birthday? The Birthday Problem"
    assert doc.segments[0] == (pytest.approx(0.495), "Hi friends, Pip here. Let's play a guessing game.")
    assert len(background_from_sample(exclude={"pip-and-the-primes"}, sample_dir=SAMPLE)) == 13


def test_pip_catchphrases_top_the_demo_corpus(demo: dict[str, list[Doc]]):
    others = [d for slug, docs in demo.items() if slug != "pip-and-the-primes" for d in docs]
    phrases = signature_phrases(demo["pip-and-the-primes"], others, n=15)
    top = [p.ngram for p in phrases]
    assert any(catch in p for p in top for catch in ("stick with me", "sneaky part", "keep counting"))
    sneaky = next(p for p in phrases if "sneaky part" in p.ngram)
    assert sneaky.n_videos >= 5 and sneaky.background_count == 0
    assert all(e.video_id.startswith("pip-and-the-primes/") and e.start_s is not None for e in sneaky.examples)
    assert len({e.video_id for e in sneaky.examples}) == 3


def test_an_empty_background_falls_back_to_the_other_demo_creators(demo: dict[str, list[Doc]]):
    pip = demo["pip-and-the-primes"]
    others = [d for slug, docs in demo.items() if slug != "pip-and-the-primes" for d in docs]
    assert signature_phrases(pip, [], n=10) == signature_phrases(pip, others, n=10)
