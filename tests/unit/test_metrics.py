"""The script metric's parts (length, structure, coverage, unsupported numbers, voice) and the combiner."""

from __future__ import annotations

from dataclasses import dataclass

import dspy
import pytest

from pipelines.errors import ScriptwrightError
from pipelines.metrics import (
    WEIGHTS,
    ScriptMetric,
    coverage,
    gepa_metric,
    length_score,
    structure_score,
    unsupported_penalty,
    voice_score,
)

ICE = ("When water freezes, it takes up about nine percent more room than it did as a liquid. That extra volume "
       "is why most of an iceberg hides underwater, with only a tenth poking out. It's also why a full glass "
       "bottle left in the freezer can crack. Picture the molecules as a crowd that suddenly has to stand in a "
       "neat grid. The grid leaves gaps, so the solid is lighter for its size.")
PRIMES = ("Hi friends, Pip here. Today we're asking whether the prime numbers ever run out. Let's pretend they do, "
          "and we have the complete list of every prime written on a card. Now multiply every prime on the card "
          "together and add one. That new number leaves a remainder of one when you divide it by any prime on the "
          "card. So it's either a brand new prime, or it's built from a prime we forgot. Either way, our list was "
          "missing something. Euclid wrote this down around three hundred BC. So the primes never run out. Keep "
          "counting, friends.")
PRIMES_REFERENCE = "This argument goes back to Euclid, around three hundred BC, over two thousand years ago."


@dataclass
class FakeScore:
    fidelity: float | None
    too_short: bool = False
    message: str | None = None


class FakeVoice:
    """Stands in for VoiceModel: a fixed fidelity for 'pip', unknown otherwise."""

    def __init__(self, fidelity: float | None, too_short: bool = False) -> None:
        self.fidelity, self.too_short = fidelity, too_short

    def score_text(self, text: str, creator: str) -> FakeScore:
        if creator != "pip":
            raise ScriptwrightError(f"No voice profile for '{creator}' in this model.")
        if self.too_short:
            return FakeScore(None, True, "Too short to judge: 12 words.")
        return FakeScore(self.fidelity)


def example(key_points: list[str], target: int, reference: str = PRIMES_REFERENCE,
            creator: str = "pip") -> dspy.Example:
    return dspy.Example(title="Why primes never run out", key_points=key_points, target_words=target,
                        reference=reference, creator=creator).with_inputs("title", "key_points", "target_words")


PRIME_POINTS = ["Multiply all the primes on the list and add one", "Euclid proved it more than two thousand years ago"]


def test_length_score_edges() -> None:
    assert length_score(1000, 1000) == 1.0
    assert length_score(850, 1000) == 1.0 and length_score(1150, 1000) == 1.0
    assert length_score(0, 1000) == 0.0 and length_score(2000, 1000) == 0.0 and length_score(5000, 1000) == 0.0
    assert length_score(425, 1000) == pytest.approx(0.5)
    assert length_score(1575, 1000) == pytest.approx(0.5)
    with pytest.raises(ScriptwrightError, match="positive"):
        length_score(100, 0)


def test_structure_passes_a_spoken_script_and_names_each_problem() -> None:
    assert structure_score(PRIMES) == (1.0, [])
    score, problems = structure_score("Primes never run out. Euclid showed it.")
    assert score == 0.75 and "2 sentence(s)" in problems[0]
    score, problems = structure_score(PRIMES + " " + " ".join(["and then"] * 35) + ".")
    assert score == 0.75 and "over 60 words, the longest 70" in problems[0]
    bullets = "Key points:\n- primes never run out\n- multiply and add one\n- Euclid\n1. done"
    score, problems = structure_score(bullets)
    assert any("4 bullet or numbered lines" in p for p in problems)
    score, problems = structure_score("## Hook\n" + PRIMES + '\n```\n{"script": "x"}')
    assert score == 0.75 and problems == ["leftover markup: '##', '```', '{\"'"]


def test_coverage_finds_a_paraphrase_and_misses_an_absent_point() -> None:
    made = "In other words, when water freezes, its volume increases by about 9 percent."
    absent = "The explanation lies in the structure of the water molecule and, in particular, in hydrogen bonding."
    share, missed = coverage([made, absent], ICE)
    assert share == 0.5 and missed == [absent]
    assert coverage([], ICE) == (1.0, [])
    assert coverage([made], "") == (0.0, [made])


def test_unsupported_penalty_catches_an_invented_year_not_a_spelled_out_one() -> None:
    reference = "Opening day came in May of eighteen eighty-three, with a main span of sixteen hundred feet."
    text = ("The bridge opened in 1883. Its main span ran 1,600 feet. In 1887 it was painted bright red. "
            "Three things made it work.")
    penalty, sentences = unsupported_penalty(text, ["The bridge opened to huge crowds"], reference)
    assert penalty == pytest.approx(0.05) and sentences == ["In 1887 it was painted bright red."]
    assert unsupported_penalty(text, ["It was painted in 1887"], reference) == (0.0, [])
    many = " ".join(f"Fact number {n} is new." for n in range(11, 30))
    assert unsupported_penalty(many, [], "")[0] == pytest.approx(0.3)


def test_voice_score_gives_a_reason_instead_of_a_number() -> None:
    assert voice_score("pip", PRIMES, FakeVoice(0.8)) == (0.8, None)
    assert voice_score("pip", "Hi.", FakeVoice(0.8, too_short=True)) == (None, "Too short to judge: 12 words.")
    value, why = voice_score("rex", PRIMES, FakeVoice(0.8))
    assert value is None and "No voice profile for 'rex'" in why
    assert voice_score("pip", PRIMES, None)[0] is None


def test_combined_score_and_weights_renormalised_without_voice() -> None:
    ex, pred = example(PRIME_POINTS, 200), dspy.Prediction(script=PRIMES)
    with_voice = ScriptMetric(FakeVoice(0.2)).details(ex, pred)
    assert with_voice["coverage"] == 1.0 and with_voice["missed"] == [] and with_voice["penalty"] == 0.0
    assert 0 < with_voice["length"] < 1 and with_voice["structure"] == 1.0
    rest = sum(WEIGHTS[k] * with_voice[k] for k in ("coverage", "length", "structure"))
    assert with_voice["score"] == pytest.approx(WEIGHTS["voice"] * 0.2 + rest)
    without = ScriptMetric(None).details(ex, pred)
    assert without["voice"] is None and without["score"] == pytest.approx(rest / (1 - WEIGHTS["voice"]))
    unknown = ScriptMetric(FakeVoice(0.2)).details(example(PRIME_POINTS, 200, creator="rex"), pred)
    assert unknown["score"] == pytest.approx(without["score"]) and "rex" in unknown["voice_message"]
    by_slug = example(PRIME_POINTS, 200, creator="Pip Halloran").copy(creator_slug="pip")
    assert ScriptMetric(FakeVoice(0.2)).details(by_slug, pred)["voice"] == 0.2  # the slug label wins
    for m in (ScriptMetric(FakeVoice(0.0)), ScriptMetric(FakeVoice(1.0))):
        assert 0.0 <= m(ex, pred) <= 1.0


def test_trace_mode_returns_a_bool() -> None:
    ex = example(PRIME_POINTS, 110)
    assert ScriptMetric(FakeVoice(0.9))(ex, dspy.Prediction(script=PRIMES), trace=[]) is True
    assert ScriptMetric(FakeVoice(0.0))(ex, dspy.Prediction(script="Primes. Are. Neat."), trace=[]) is False


def test_feedback_names_the_missed_point_the_length_and_the_style_gap() -> None:
    metric = ScriptMetric(FakeVoice(0.3), creator_medians={"pip": {"median_sentence_len": 40.0, "you_rate": None}})
    absent = "Primes are used in RSA encryption"
    ex, pred = example(PRIME_POINTS + [absent], 900), dspy.Prediction(script=PRIMES)
    text = metric.feedback(ex, pred)
    n_words = metric.details(ex, pred)["n_words"]
    assert f"missed key points: {absent}" in text
    assert f"length {n_words} words vs target 900" in text
    assert "voice fidelity 0.30 to pip" in text and "vs the creator's 40" in text
    lines = text.splitlines()[1:]
    assert [line.split()[1] for line in lines] == ["voice", "length", "coverage"]  # biggest cost first
    good = ScriptMetric(FakeVoice(1.0)).feedback(example(PRIME_POINTS, 110), pred)
    assert "nothing pulled it down" in good


def test_gepa_metric_returns_score_and_feedback() -> None:
    metric = ScriptMetric(FakeVoice(0.5))
    ex, pred = example(PRIME_POINTS, 900), dspy.Prediction(script=PRIMES)
    out = gepa_metric(metric)(ex, pred, None, "write", None)
    assert isinstance(out, dspy.Prediction)
    assert out.score == pytest.approx(metric(ex, pred)) and "length" in out.feedback


def test_an_empty_script_scores_zero() -> None:
    import dspy

    from pipelines.metrics import ScriptMetric

    example = dspy.Example(key_points=["a point"], target_words=100, reference="Some text.", creator="pip")
    assert ScriptMetric()(example, dspy.Prediction(script="")) == 0.0
