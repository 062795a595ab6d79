"""Stylometric features (pipelines.voice.features) on tiny hand-made texts and segments whose
values are worked out by hand in each test."""

from __future__ import annotations

import pytest

from pipelines.ingest.model import Segment
from pipelines.text import split_sentences
from pipelines.voice.features import (
    ENGLISH_FUNCTION_WORDS,
    MAX_SENTENCE_WORDS,
    creator_profile,
    mtld,
    opening_and_closing,
    pace,
    text_features,
    video_features,
    words,
)


def test_rates_of_a_short_pep_talk():
    # 12 words in 3 sentences: one question, one exclamation, "You" twice, "We" once
    f = text_features("You know what? You can do it. We can do it together!")
    assert f["n_words"] == 12
    assert f["n_sentences"] == 3
    assert f["mean_sentence_len"] == 4  # 3, 4, 5 words
    assert f["median_sentence_len"] == 4
    assert f["sentence_len_p90"] == 5
    assert f["question_rate"] == pytest.approx(1000 / 12)
    assert f["exclaim_rate"] == pytest.approx(1000 / 12)
    assert f["you_rate"] == pytest.approx(2000 / 12)
    assert f["we_rate"] == pytest.approx(1000 / 12)
    assert f["i_rate"] == 0
    assert f["type_token_ratio"] == pytest.approx(8 / 12)  # you know what can do it we together


def test_words_keep_contractions_hyphens_and_decimals():
    assert words("You’re sky-high at 6.4 billion, 60,000 times.") == [
        "you're", "sky-high", "at", "6.4", "billion", "60,000", "times"]


def test_sentences_split_on_terminators_but_not_titles():
    # an ellipsis ends a sentence before a capital ("Yes… Fine"), not before a lower-case word
    assert split_sentences('Dr. Okafor said "hi." Really?! Yes… Fine. Well… fine') == [
        'Dr. Okafor said "hi."', "Really?!", "Yes…", "Fine.", "Well… fine"]


def test_mtld_matches_hand_computation():
    # McCarthy & Jarvis bidirectional MTLD, threshold 0.72, worked by hand:
    # forward "a a b c d e": TTR hits 1/2 at the 2nd token -> 1 factor; "b c d e" stays at TTR 1 -> +0,
    #   so 6 / 1 = 6. Backward "e d c b a a": TTR ends at 5/6, partial factor (1 - 5/6) / 0.28,
    #   so 6 / ((1/6) / 0.28) = 10.08. MTLD = (6 + 10.08) / 2 = 8.04.
    assert mtld("a a b c d e".split()) == pytest.approx(8.04)
    # "a b c a d": both directions end at TTR 4/5 -> 0.2 / 0.28 = 5/7 of a factor -> 5 / (5/7) = 7
    assert mtld("a b c a d".split()) == pytest.approx(7.0)
    assert mtld([]) == 0.0
    assert text_features("a a b c d e")["mtld"] == pytest.approx(8.04)


def test_unpunctuated_asr_text_is_cut_into_pseudo_sentences():
    text = " ".join(f"word{i}" for i in range(100))
    f = text_features(text)
    pieces = split_sentences(text, MAX_SENTENCE_WORDS)
    assert [len(s.split()) for s in pieces] == [MAX_SENTENCE_WORDS, MAX_SENTENCE_WORDS, 20]
    assert f["n_sentences"] == 3
    assert f["mean_sentence_len"] == pytest.approx(100 / 3)
    assert f["sentence_len_p90"] == MAX_SENTENCE_WORDS


def test_hedges_count_phrases_once():
    # 12 words; hedges: "broadly speaking" (one, not two), "might", "the evidence suggests", "roughly"
    f = text_features("Broadly speaking, this might work. The evidence suggests it is roughly right.")
    assert f["n_words"] == 12
    assert f["hedge_rate"] == pytest.approx(4000 / 12)


def test_numbers_and_equation_symbols():
    # 9 words; numbers: twenty-three, 6.4, billion, 2; symbols: = and +
    f = text_features("Twenty-three people, 6.4 billion pairs, and x = y + 2.")
    assert f["n_words"] == 9
    assert f["number_rate"] == pytest.approx(6000 / 9)


def test_first_person_and_reading_grade():
    f = text_features("I think my idea is mine.")
    assert f["i_rate"] == pytest.approx(3000 / 6)
    assert f["hedge_rate"] == pytest.approx(1000 / 6)  # "I think"
    # Flesch–Kincaid: 6 words, 1 sentence, 6 syllables -> 0.39 * 6 + 11.8 * 1 - 15.59
    assert text_features("The cat sat on the mat.")["reading_grade"] == pytest.approx(0.39 * 6 + 11.8 - 15.59)


def test_empty_text_has_zero_features():
    f = text_features("")
    assert f["n_words"] == 0 and f["n_sentences"] == 0 and f["mtld"] == 0 and f["question_rate"] == 0


def test_the_english_function_words_are_150_distinct_lower_case_words():
    assert len(set(ENGLISH_FUNCTION_WORDS)) == len(ENGLISH_FUNCTION_WORDS) == 150
    assert all(w == w.lower() and w.isalpha() for w in ENGLISH_FUNCTION_WORDS)


def test_pace_from_caption_timings():
    # 100 words in the first minute, 200 in the second: 300 words / 2 min = 150 wpm;
    # per-minute counts 100 and 200 -> population std 50, mean 150
    segs = [(0.0, 60.0, " ".join(["one"] * 100)), (60.0, 120.0, " ".join(["two"] * 200))]
    p = pace(segs)
    assert p["wpm"] == pytest.approx(150)
    assert p["duration_s"] == pytest.approx(120)
    assert p["wpm_std"] == pytest.approx(50)
    assert p["wpm_cv"] == pytest.approx(50 / 150)
    assert pace([Segment(s, e, t) for s, e, t in segs])["wpm"] == pytest.approx(150)
    assert pace([{"start_s": s, "end_s": e, "text": t} for s, e, t in segs])["wpm"] == pytest.approx(150)


def test_pace_is_none_safe():
    assert pace([(None, None, "no timings here")]) == {"wpm": None, "wpm_std": None, "wpm_cv": None,
                                                      "duration_s": None}
    assert pace([])["wpm"] is None
    # transcript paragraphs have starts only; the last start closes the span. One minute: no variability
    p = pace([(0.0, None, "a b c"), (30.0, None, "d e f"), (60.0, None, "g")])
    assert p["wpm"] == pytest.approx(7) and p["wpm_std"] is None


SEGMENTS = [
    (0.0, 5.0, "Hi friends, Pip here."),
    (5.0, 30.0, "Have you ever wondered why primes never run out?"),
    (30.0, 61.0, "Stick with me."),
    (61.0, 120.0, "Middle of the video, no address here."),
    (120.0, 200.0, "Still the middle, explaining things."),
    (200.0, 250.0, "So that is the proof."),
    (250.0, 300.0, "Keep counting, friends."),
]


def test_opening_and_closing_pick_the_first_and_last_minute():
    oc = opening_and_closing(SEGMENTS)
    op, cl = oc["opening"], oc["closing"]
    assert op["text"] == "Hi friends, Pip here. Have you ever wondered why primes never run out? Stick with me."
    assert cl["text"] == "So that is the proof. Keep counting, friends."
    assert op["has_question"] and op["direct_address"] and op["greeting"] and not op["sign_off"]
    assert not cl["has_question"] and not cl["direct_address"] and cl["sign_off"]
    assert opening_and_closing(SEGMENTS, seconds=10)["opening"]["text"] == "Hi friends, Pip here. " \
        "Have you ever wondered why primes never run out?"


def test_opening_without_timings_uses_a_word_window():
    text = " ".join(f"w{i}" for i in range(400))
    oc = opening_and_closing([(None, None, text)], seconds=60)  # 60 s at 150 wpm -> 150 words
    assert oc["opening"]["n_words"] == 150 and oc["opening"]["text"].startswith("w0 ")
    assert oc["closing"]["n_words"] == 150 and oc["closing"]["text"].endswith(" w399")


def test_video_features_and_creator_profile():
    v = video_features(SEGMENTS)
    assert v["n_words"] == len(words(" ".join(t for _, _, t in SEGMENTS)))
    assert v["wpm"] == pytest.approx(v["n_words"] / 5)
    assert v["opening_greeting"] is True and v["closing_sign_off"] is True
    assert v["opening_text"].startswith("Hi friends")

    profile = creator_profile([
        {"wpm": 100.0, "greeting": True, "opening_text": "hi", "wpm_std": None},
        {"wpm": 200.0, "greeting": False, "opening_text": "hello", "wpm_std": None},
        {"wpm": 150.0, "greeting": True, "opening_text": "hey", "wpm_std": 4.0},
    ])
    assert profile["wpm"] == {"n": 3, "mean": 150, "median": 150, "std": pytest.approx((5000 / 3) ** 0.5),
                              "min": 100, "max": 200}
    assert profile["greeting"]["mean"] == pytest.approx(2 / 3)
    assert profile["wpm_std"]["n"] == 1 and profile["wpm_std"]["std"] == 0
    assert "opening_text" not in profile
    assert set(creator_profile([v])) >= {"mean_sentence_len", "question_rate", "you_rate", "wpm"}
