"""Draft checks (pipelines.drafting.checks) on hand-made drafts with each problem planted once,
using the real MiniLM embedder."""

from __future__ import annotations

import pytest

from pipelines.drafting.checks import apply_fix, coherence, run_checks, safety, simplification
from pipelines.drafting.content import Draft, Section, Sentence
from pipelines.errors import ScriptwrightError

CITE = [{"chunk_id": "src-1-0", "title": "Plants and light", "uri": "https://example.org/plants"}]
SOURCE = ("Botanists have long known that chlorophyll molecules absorb mostly red and blue light while reflecting "
          "green wavelengths back toward our eyes, which is why leaves look green.")
NOTES = {"key_points": [], "numbers": [],
         "definitions": [{"term": "chlorophyll", "meaning": "the green pigment that captures light", "cites": CITE}]}
VERIFICATION = {"claims": [
    {"claim": "Plants get most of their mass from the soil.", "verdict": "contradicted",
     "quote": "Most of a plant's mass comes from carbon dioxide in the air.", "evidence": []},
    {"claim": "Photosynthesis evolved in bacteria.", "verdict": "supported", "quote": "", "evidence": []},
]}


def _sentences(*texts: str, cited: bool = True) -> list[dict]:
    return [{"text": t, "cites": CITE if cited else []} for t in texts]


def _draft(hook: str, sections: list[tuple[str, str, list[dict]]], level: str = "general") -> Draft:
    return Draft.model_validate({"idea": "How plants eat light", "creator": "leafy", "creator_name": "Leafy", "audience_level": level,
            "target_words": 400, "wpm": 150.0, "framework": None, "outline": [], "hooks": [],
            "hook": {"id": "h1", "style": "question", "text": hook},
            "sections": [{"id": sid, "title": title, "sentences": sents, "duration_s": 20.0}
                         for sid, title, sents in sections], "checks": None})


def planted() -> Draft:
    return _draft(
        "Why are leaves green, and what does that have to do with volcanoes? Let's find out.",
        [("s1", "Catching light", _sentences(
            "Every leaf holds chlorophyll in tiny packets.",  # 0: term used before it is explained (s1/2)
            "Leaves catch sunlight and turn it into sugar.",
            "Chlorophyll is the green pigment that catches the light.",
            "Botanists have long known that chlorophyll molecules absorb mostly red and blue light while "
            "reflecting green wavelengths.",  # 3: 14 words copied from SOURCE
            "Most of a plant's mass comes from the soil it grows in.",  # 4: the contradicted claim, reworded
        )),
         ("s2", "Feeding the plant", _sentences(
             "The sugar feeds the plant as it grows.",
             "Gardeners utilize this when they place seedlings in bright windows.",  # 1: jargon
             "A leaf absorbs light all day long, and the plant stores the extra sugar in its roots, stems and "
             "fruit so that it can keep growing through the night and the winter.",  # 2: over-long, ", and"
         ) + _sentences("Scientists think about 3 percent of sunlight ends up stored as sugar.",  # 3: uncited figure
                        cited=False)),
         ("s3", "Mortgage rates", _sentences(
             "Interest rates at the central bank went up last quarter.",  # abrupt topic change
             "For a headache you should take 800 mg of ibuprofen.",  # 1: dosage advice
         ))])


def clean() -> Draft:
    return _draft(
        "Why are leaves green? The answer is a pigment called chlorophyll.",
        [("s1", "Catching light", _sentences(
            "Chlorophyll is the green pigment inside every leaf.",
            "It catches red and blue light and bounces green light back to your eyes.",
            "That is why leaves look green.")),
         ("s2", "Making food", _sentences(
             "The light gives the leaf energy to make sugar.",
             "The leaf uses that sugar to grow new green leaves and roots.",
             "So every green leaf is a small kitchen that runs on light."))])


def _one(findings: list[dict], kind: str) -> dict:
    hits = [f for f in findings if f["kind"] == kind]
    assert len(hits) == 1, (kind, hits)
    return hits[0]


@pytest.fixture(scope="module")
def checks() -> dict:
    return run_checks(planted(), NOTES, VERIFICATION, [SOURCE])


def test_coherence_finds_the_broken_promise_the_early_term_and_the_jump(checks):
    found = checks["coherence"]
    promise = _one(found, "promise-not-kept")
    assert (promise["section"], promise["sentence"], promise["severity"]) == ("hook", 0, "warn")
    assert "'volcanoes'" in promise["message"]
    term = _one(found, "term-before-definition")
    assert (term["section"], term["sentence"], term["fix"]) == ("s1", 0, None)
    jump = _one(found, "abrupt-topic-change")
    assert (jump["section"], jump["sentence"], jump["severity"]) == ("s3", 0, "info")
    assert "'Feeding the plant' and 'Mortgage rates'" in jump["message"]


def test_a_hooks_rhetoric_is_no_promise():
    draft = clean()
    draft.hook.text = "Be honest: you'd never guess why leaves are green. Trust me, the truth is weird."
    assert [f for f in coherence(draft) if f["kind"] == "promise-not-kept"] == []


def test_an_empty_section_is_high():
    draft = clean()
    draft.sections.append(Section(id="s3", title="Outro", sentences=[Sentence(text=" ")]))
    empty = _one(coherence(draft), "empty-section")
    assert (empty["section"], empty["sentence"], empty["severity"]) == ("s3", None, "high")


def test_simplification_finds_the_long_sentence_and_the_jargon(checks):
    result = checks["simplification"]
    assert result["target_grade"] == 8
    long = _one(result["findings"], "long-sentence")
    assert (long["section"], long["sentence"], long["severity"]) == ("s2", 2, "warn")
    assert long["fix"] == {"find": ", and the", "replace": ". The"}
    jargon = _one(result["findings"], "jargon")
    assert (jargon["section"], jargon["sentence"]) == ("s2", 1)
    assert jargon["fix"] == {"find": "utilize", "replace": "use"}
    assert {"term": "utilize", "plain": "use", "count": 1} in result["jargon"]


def test_safety_finds_advice_contradiction_copy_and_uncited_figure(checks):
    found = checks["safety"]
    dose = _one(found, "medical-advice")
    assert (dose["section"], dose["sentence"], dose["severity"]) == ("s3", 1, "high")
    assert dose["fix"]["find"] == dose["text"]
    assert dose["fix"]["replace"].startswith("For a headache some people take 800 mg of ibuprofen.")
    assert "doctor" in dose["fix"]["replace"]
    wrong = _one(found, "contradicted-claim")
    assert (wrong["section"], wrong["sentence"], wrong["severity"]) == ("s1", 4, "high")
    assert "carbon dioxide" in wrong["message"]
    copied = _one(found, "copied-text")
    assert (copied["section"], copied["sentence"], copied["severity"]) == ("s1", 3, "warn")
    figure = _one(found, "uncited-figure")
    assert (figure["section"], figure["sentence"], figure["severity"]) == ("s2", 3, "info")


def test_counts_add_up(checks):
    every = checks["coherence"] + checks["simplification"]["findings"] + checks["safety"]
    assert sum(checks["counts"].values()) == len(every)
    assert checks["counts"]["high"] == 2  # the dosage and the contradicted claim


def test_a_clean_draft_has_nothing_above_info():
    result = run_checks(clean(), NOTES, VERIFICATION, [SOURCE])
    assert result["counts"]["high"] == result["counts"]["warn"] == 0, result


def test_negated_advice_and_policy_words():
    draft = _draft("Never mix bleach and ammonia.", [("s1", "Cleaning", _sentences(
        "At home, try mixing the chemicals over a fire.", "Click the link to win a prize."))])
    found = safety(draft)
    assert [(f["kind"], f["section"], f["sentence"]) for f in found] == [
        ("dangerous-advice", "s1", 0), ("policy-risk", "s1", 1)]


def test_an_unsupported_claim_is_a_warning_and_which_splits_a_long_sentence():
    long = ("The leaf keeps a thin waxy coat on top of its skin, which stops the water inside from drying out "
            "on hot days in the middle of the summer.")
    draft = _draft("", [("s1", "Leaves", _sentences("Leaves can sense the colour of the light around them.", long,
                                                    "That coat is why leaves look shiny."))])
    verification = {"claims": [{"claim": "Leaves sense the colour of light.", "verdict": "not enough evidence",
                                "quote": None, "evidence": []}]}
    unsupported = _one(safety(draft, verification), "unsupported-claim")
    assert (unsupported["section"], unsupported["sentence"], unsupported["severity"]) == ("s1", 0, "warn")
    split = _one(simplification(draft)["findings"], "long-sentence")
    assert apply_fix(draft, split).sections[0].sentences[1].text.startswith(
        "The leaf keeps a thin waxy coat on top of its skin. This stops the water")


def test_apply_fix_changes_only_that_sentence_in_a_copy(checks):
    draft = planted()
    before = draft.model_copy(deep=True)
    jargon = _one(checks["simplification"]["findings"], "jargon")
    fixed = apply_fix(draft, jargon)
    assert draft == before
    assert fixed.sections[1].sentences[1].text == (
        "Gardeners use this when they place seedlings in bright windows.")
    fixed.sections[1].sentences[1].text = before.sections[1].sentences[1].text
    assert fixed == before


def test_apply_fix_in_the_hook():
    draft = _draft("Ready? We will utilize light.", [("s1", "Light", _sentences("We use light."))])
    finding = _one(simplification(draft)["findings"], "jargon")
    assert (finding["section"], finding["sentence"]) == ("hook", 1)
    assert apply_fix(draft, finding).hook.text == "Ready? We will use light."


def test_apply_fix_refuses_a_changed_sentence(checks):
    draft = planted()
    draft.sections[1].sentences[1].text = "Gardeners use bright windows."
    with pytest.raises(ScriptwrightError, match="no longer contains 'utilize'"):
        apply_fix(draft, _one(checks["simplification"]["findings"], "jargon"))
    with pytest.raises(ScriptwrightError):
        apply_fix(draft, _one(checks["coherence"], "term-before-definition"))


def test_jargon_fixes_lower_the_grade():
    draft = _draft("", [("s1", "Method", _sentences(
        "Researchers subsequently utilize approximately sufficient methodology.",
        "Consequently, they demonstrate optimal outcomes."))])
    before = after = simplification(draft)
    while jargon := [f for f in after["findings"] if f["kind"] == "jargon"]:
        draft = apply_fix(draft, jargon[0])
        after = simplification(draft)
    assert draft.sections[0].sentences[0].text == "Researchers then use about enough method."
    assert after["reading_grade"] < before["reading_grade"] - 5


@pytest.mark.parametrize("text, flagged", [
    ("Picture a hundred doors.", False),
    ("Imagine 100 doors, and a car behind one of them.", False),
    ("Suppose you roll 2 dice.", False),
    ("Let's say a thousand people play.", False),
    ("About 3 percent of sunlight ends up stored as sugar.", True),
    ("A hundred people won the car.", True),
    ("Scientists picture 3 percent of the light as lost.", True),  # "picture" not at the start: a claim
])
def test_a_scene_set_up_with_a_number_is_no_uncited_figure(text: str, flagged: bool) -> None:
    draft = _draft("", [("s1", "Doors", _sentences(text, cited=False))])
    kinds = [f["kind"] for f in run_checks(draft, None, None, [])["safety"]]
    assert ("uncited-figure" in kinds) == flagged, kinds


def test_a_long_word_twice_in_one_sentence_is_one_finding_and_counted_twice():
    draft = _draft("", [("s1", "Odds", _sentences("Switching wins with probability 2/3, staying with probability 1/3.",
                                                  "The probability never changes after your pick."))])
    result = simplification(draft)
    said = [(f["sentence"], f["message"]) for f in result["findings"] if f["kind"] == "long-word"]
    assert said == [(0, "'probability' is a long word; explain it or use a shorter one."),
                    (1, "'probability' is a long word; explain it or use a shorter one.")]
    assert {"term": "probability", "plain": None, "count": 3} in result["jargon"]
