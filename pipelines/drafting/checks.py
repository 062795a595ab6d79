"""Checks on a draft script: coherence, simplification and safety, each a list of findings.

Deterministic rules over the draft's sentences (no LM). Every finding has one shape:
{check, kind, severity (info|warn|high), section ("hook", a section id or None), sentence
(index within that section, or None), text (the sentence), message, fix ({find, replace} or None)}.
The hook's sentences are those of `pipelines.text.split_sentences(draft.hook.text)`.
"""

from __future__ import annotations

import re
import statistics
from typing import Any, NamedTuple

import numpy as np

from pipelines.drafting.content import Draft, Section
from pipelines.embed import embed
from pipelines.errors import ScriptwrightError
from pipelines.text import split_sentences
from pipelines.voice.features import ENGLISH_FUNCTION_WORDS, syllables, text_features, word_spans, words

# Cosine of the mean sentence vectors of two adjacent sections (MiniLM). Measured on 3-sentence
# sections: consecutive parts of one topic scored 0.29-0.67 (volcano formation → eruption
# effects 0.29, variables → loops 0.33, photosynthesis steps 0.59-0.67); loosely related science
# topics 0.19-0.28 (photosynthesis → cooking 0.25); unrelated topics -0.06-0.13.
FLOW_MIN = 0.25
# Cosine sentence ↔ verified claim. Measured: close restatements 0.82-0.94 ("We only use ten
# percent of our brains" 0.92), loose paraphrases 0.73-0.79, other facts on the same topic 0.56-0.61.
CLAIM_MATCH = 0.8
COPY_WORDS = 12  # consecutive words shared with a source that count as copied
LONG_SENTENCE_MIN = 25  # a sentence is long above max(this, LONG_SENTENCE_FACTOR × median words)
LONG_SENTENCE_FACTOR = 1.8
HARD_SYLLABLES = 4  # words of this many syllables are jargon unless in PLAIN_LONG_WORDS
ANALOGY_MARGIN = 2.0  # grade levels above target at which a section gets an analogy suggestion
TARGET_GRADE = {"beginner": 6.0, "general": 8.0, "advanced": 11.0}
SEVERITIES = ("high", "warn", "info")

PLAIN_WORDS = {
    "utilize": "use", "utilise": "use", "utilizes": "uses", "utilized": "used", "utilizing": "using",
    "utilization": "use", "approximately": "about", "subsequently": "then", "subsequent": "later",
    "demonstrate": "show", "demonstrates": "shows", "demonstrated": "showed", "facilitate": "help",
    "facilitates": "helps", "commence": "start", "commenced": "started", "terminate": "end",
    "endeavor": "try", "endeavour": "try", "ascertain": "find out", "sufficient": "enough",
    "insufficient": "not enough", "numerous": "many", "additional": "more", "additionally": "also",
    "consequently": "so", "nevertheless": "still", "notwithstanding": "despite", "prior to": "before",
    "in order to": "to", "pertaining to": "about", "regarding": "about", "purchase": "buy",
    "obtain": "get", "obtained": "got", "require": "need", "requires": "needs", "assist": "help",
    "assistance": "help", "individuals": "people", "methodology": "method", "optimal": "best",
    "modify": "change", "modification": "change", "indicate": "show", "indicates": "shows",
    "initiate": "start", "comprehend": "understand", "anticipate": "expect", "inquire": "ask",
    "magnitude": "size", "predominantly": "mostly", "primarily": "mainly", "frequently": "often",
    "substantial": "large", "therefore": "so", "thus": "so", "hence": "so", "aforementioned": "this",
    "henceforth": "from now on", "in the event that": "if", "due to the fact that": "because",
    "at this point in time": "now", "possess": "have", "possesses": "has", "exhibit": "show",
    "exhibits": "shows", "remainder": "rest", "expedite": "speed up", "accomplish": "do",
    "elucidate": "explain", "ameliorate": "improve", "constitute": "make up", "constitutes": "makes up",
}
_PLAIN_RE = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, PLAIN_WORDS), key=len, reverse=True)) + r")\b",
                       re.I)
# Everyday words of 4+ syllables (by features.syllables) that are not jargon.
PLAIN_LONG_WORDS = frozenset({
    "actually", "everybody", "information", "temperature", "television", "electricity", "especially",
    "usually", "definitely", "literally", "necessary", "technology", "experience", "material",
    "particularly", "community", "university", "environment", "unbelievable", "individual",
    "relationship", "situation", "population", "education", "variety", "society", "ability", "activity",
    "opportunity", "generation", "interesting", "understanding", "everyday", "absolutely", "obviously",
    "calculator", "competition", "conversation", "dictionary", "helicopter", "invisible", "vocabulary",
})

# Words of 5+ letters that carry no topic of their own, so a hook using them promises nothing.
_HOOK_STOP = frozenset(ENGLISH_FUNCTION_WORDS) | {
    "about", "actually", "after", "again", "almost", "always", "another", "answer", "anything", "around",
    "because", "before", "believe", "better", "between", "bigger", "called", "comes", "could", "different",
    "every", "everyone", "everything", "explain", "first", "gives", "going", "gonna", "great", "guess",
    "happen", "happens", "imagine", "learn", "little", "looks", "makes", "maybe", "means", "might",
    "minutes", "never", "nothing", "other", "people", "pretty", "probably", "question", "ready", "really",
    "reason", "right", "seconds", "seems", "should", "shows", "simple", "since", "something", "start",
    "still", "story", "takes", "tells", "there", "these", "thing", "things", "think", "those", "today",
    "together", "turns", "video", "watch", "wanna", "where", "which", "while", "whole", "without",
    "wonder", "works", "world", "would", "wrong", "years",
    # a hook's rhetoric: it asks for attention or trust, it promises no topic
    "amazing", "basically", "crazy", "exactly", "honest", "honestly", "instead", "literally", "obvious",
    "obviously", "promise", "quick", "quickly", "secret", "seriously", "strange", "surprise", "surprising",
    "trust", "truth", "understand", "weird",
}
_EXPLAINS = re.compile(r"\b(?:is|are|means?|called|refers? to|stands? for)\b", re.I)

_NEGATION = re.compile(r"\b(?:never|not|don't|do not|no|avoid|without|won't)\b", re.I)
_RISKY_SETTING = re.compile(r"\b(?:chemicals?|acids?|fire|flames?|lighter|gasoline|petrol|electric\w*|voltage|"
                            r"mains|explosives?|fireworks?)\b", re.I)
CAVEATS = {
    "medical-advice": "Talk to a doctor or pharmacist before taking, stopping or changing any medicine.",
    "financial-advice": "This isn't financial advice: any investment can lose money, so talk to a qualified "
                        "adviser first.",
    "dangerous-advice": "Don't try this at home: leave chemicals, fire and electricity to trained professionals.",
}
# (kind, pattern, softer wording for the match or None, a second pattern the sentence must also match or None)
_ADVICE: tuple[tuple[str, re.Pattern[str], str | None, re.Pattern[str] | None], ...] = (
    ("medical-advice", re.compile(r"\byou should (?:take|start taking)\b", re.I), "some people take", None),
    ("medical-advice", re.compile(r"\b(?:stop taking|come off) (?:your|the) (?:medications?|medicines?|meds|pills)\b",
                                  re.I), "talk to your doctor before changing your medication", None),
    ("medical-advice", re.compile(r"\b\d+(?:[.,]\d+)?\s?(?:mg|mcg|µg|milligrams?|micrograms?|iu)\b", re.I), None,
     None),
    ("financial-advice", re.compile(r"\bguaranteed (?:returns?|profits?|income|gains?)\b", re.I), "possible returns",
     None),
    ("financial-advice", re.compile(r"\binvest (?:all|everything)\b", re.I), "invest only what you can afford to lose",
     None),
    ("financial-advice", re.compile(r"\b(?:can(?:'|’|no)?t|cannot) lose\b", re.I), "can still lose", None),
    ("dangerous-advice", re.compile(r"\bmix bleach (?:and|with) ammonia\b", re.I), "never mix bleach and ammonia",
     None),
    ("dangerous-advice", re.compile(r"\b(?:try (?:this|it) at home|at home,? (?:you can |just )?try)\b", re.I), None,
     _RISKY_SETTING),
)
# Words that get videos age-restricted, demonetised or removed (self-harm, violence, dehumanising
# language, scams). Slurs are deliberately not spelled out here; "subhuman" stands in for them.
_POLICY = re.compile(r"\b(?:self-harm|suicide|kill yourself|subhuman|graphic violence|gore|make a bomb|build a bomb|"
                     r"click the link to win|free robux|send me your password)\b", re.I)
_FIGURE = re.compile(r"\d|\b(?:percent|hundred|thousand|million|billion|trillion)\b", re.I)
# A sentence that sets up a scene ("Picture a hundred doors.", "Suppose you roll 2 dice.") states no fact to source.
_HYPOTHETICAL = re.compile(r"^\W*(?:picture|imagine|suppose|pretend|let'?s say|let us say|say (?:you|we))\b", re.I)
_SPLIT = re.compile(r"(, and |, which |; )(\w+)")


class _Unit(NamedTuple):
    section: str
    index: int
    text: str
    cites: list[dict[str, Any]]


def _finding(check: str, kind: str, severity: str, unit: _Unit | None, message: str,
             fix: dict[str, str] | None = None, section: str | None = None) -> dict[str, Any]:
    return {"check": check, "kind": kind, "severity": severity,
            "section": unit.section if unit else section, "sentence": unit.index if unit else None,
            "text": unit.text if unit else "", "message": message, "fix": fix}


def _hook_units(draft: Draft) -> list[_Unit]:
    text = draft.hook_text()
    return [_Unit("hook", i, s, []) for i, s in enumerate(split_sentences(text))]


def _section_units(section: Section) -> list[_Unit]:
    return [_Unit(section.id, i, s.text, s.cites) for i, s in enumerate(section.sentences) if s.text.strip()]


def _units(draft: Draft) -> list[_Unit]:
    """Every spoken sentence in order: the hook's, then each section's."""
    return _hook_units(draft) + [u for s in draft.sections for u in _section_units(s)]


def _grade(texts: list[str]) -> float:
    """Flesch–Kincaid grade of sentences (each ended with a full stop if it has no end mark)."""
    return text_features(" ".join(t if t.rstrip().endswith((".", "!", "?", "…")) else t + "." for t in texts))[
        "reading_grade"]


def _stem(word: str) -> str:
    for suffix, repl in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", ""), ("e", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)] + repl
    return word


def _mentions(term: str, text: str) -> bool:
    return re.search(rf"\b{re.escape(term)}(?:s|es)?\b", text, re.I) is not None


def _content_words(text: str) -> list[str]:
    return [w for w in words(text) if len(w) >= 5 and w.isalpha() and w not in _HOOK_STOP]


def coherence(draft: Draft, notes: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Promises of the hook kept, terms explained before use (the hook may tease them), smooth
    topic flow between sections, and no empty sections."""
    sections = draft.sections
    per_section = [_section_units(s) for s in sections]
    body = [u for units in per_section for u in units]
    titles = {s.id: s.title or s.id for s in sections}
    out: list[dict[str, Any]] = []
    said = {_stem(w) for u in body for w in words(u.text)}
    promised: set[str] = set()
    for unit in _hook_units(draft):
        for word in _content_words(unit.text):
            if _stem(word) not in said and word not in promised:
                promised.add(word)
                out.append(_finding("coherence", "promise-not-kept", "warn", unit,
                                    f"The hook promises '{word}' but no section talks about it."))
    for definition in (notes or {}).get("definitions") or []:
        term = (definition.get("term") or "").strip()
        uses = [u for u in body if term and _mentions(term, u.text)]
        meaning = set(_content_words(definition.get("meaning") or ""))
        explained = next((i for i, u in enumerate(uses) if _EXPLAINS.search(u.text)
                          or len(meaning & set(words(u.text))) >= max(2, len(meaning) // 2)), None)
        if uses and explained != 0:
            where = (f"before the script explains it in '{titles[uses[explained].section]}'" if explained is not None
                     else "but the script never explains it")
            out.append(_finding("coherence", "term-before-definition", "warn", uses[0],
                                f"'{term}' is used here {where}."))
    for section, units in zip(sections, per_section):
        if not units:
            out.append(_finding("coherence", "empty-section", "high", None,
                                f"Section '{titles[section.id]}' has no sentences.",
                                section=section.id))
    filled = [(s, u) for s, u in zip(sections, per_section) if u]
    if len(filled) > 1:
        vecs = iter(embed([u.text for _, units in filled for u in units]))
        means = [np.mean([next(vecs) for _ in units], axis=0) for _, units in filled]
        means = [m / (np.linalg.norm(m) or 1.0) for m in means]
        for (a, _), (b, units_b), va, vb in zip(filled, filled[1:], means, means[1:]):
            if float(va @ vb) < FLOW_MIN:
                out.append(_finding("coherence", "abrupt-topic-change", "info", units_b[0],
                                    f"Abrupt change of topic between '{titles[a.id]}' and "
                                    f"'{titles[b.id]}'; add a transition."))
    return out


def _split_fix(text: str) -> dict[str, str] | None:
    m = _SPLIT.search(text)
    if not m:
        return None
    joiner, word = m.groups()
    start = f"This {word}" if joiner == ", which " else word[0].upper() + word[1:]
    return {"find": m.group(0), "replace": f". {start}"}


def _plain(word: str) -> str:
    plain = PLAIN_WORDS[word.lower()]
    return plain[0].upper() + plain[1:] if word[0].isupper() else plain


def simplification(draft: Draft) -> dict[str, Any]:
    """Reading grade against the audience's target, over-long sentences, jargon with plain
    alternatives, and sections hard enough to need an analogy."""
    units = _units(draft)
    target = TARGET_GRADE.get(draft.audience_level or "general", TARGET_GRADE["general"])
    lengths = [len(words(u.text)) for u in units]
    limit = max(LONG_SENTENCE_MIN, LONG_SENTENCE_FACTOR * statistics.median(lengths)) if lengths else 0
    findings: list[dict[str, Any]] = []
    jargon: dict[str, dict[str, Any]] = {}
    for unit, n in zip(units, lengths):
        if n > limit:
            findings.append(_finding("simplification", "long-sentence", "warn", unit,
                                     f"This sentence has {n} words (limit {limit:.0f}); split it.",
                                     _split_fix(unit.text)))
        for m in _PLAIN_RE.finditer(unit.text):
            key = m.group().lower()
            jargon.setdefault(key, {"term": key, "plain": PLAIN_WORDS[key], "count": 0})["count"] += 1
            findings.append(_finding("simplification", "jargon", "warn", unit,
                                     f"'{m.group()}' is formal; say '{PLAIN_WORDS[key]}'.",
                                     {"find": m.group(), "replace": _plain(m.group())}))
        flagged: set[str] = set()
        for offset, word in word_spans(unit.text):
            if (word.isalpha() and word not in PLAIN_LONG_WORDS and word not in PLAIN_WORDS
                    and not (offset and unit.text[offset].isupper()) and syllables(word) >= HARD_SYLLABLES):
                jargon.setdefault(word, {"term": word, "plain": None, "count": 0})["count"] += 1
                if word in flagged:  # said once per sentence, however often the word comes back in it
                    continue
                flagged.add(word)
                findings.append(_finding("simplification", "long-word", "info", unit,
                                         f"'{word}' is a long word; explain it or use a shorter one."))
    for section in draft.sections:
        sunits = _section_units(section)
        grade = _grade([u.text for u in sunits]) if sunits else 0.0
        if grade > target + ANALOGY_MARGIN:
            hardest = max(sunits, key=lambda u: _grade([u.text]))
            findings.append(_finding("simplification", "needs-analogy", "info", hardest,
                                     f"Section '{section.title or section.id}' reads at grade {grade:.1f} "
                                     f"(target {target:.0f}); an analogy or everyday example would help here."))
    return {"reading_grade": round(_grade([u.text for u in units]), 2) if units else 0.0, "target_grade": target,
            "avg_sentence_words": round(statistics.fmean(lengths), 2) if lengths else 0.0,
            "jargon": sorted(jargon.values(), key=lambda j: (-j["count"], j["term"])), "findings": findings}


def _ngrams(tokens: list[str]) -> set[tuple[str, ...]]:
    return {tuple(tokens[i:i + COPY_WORDS]) for i in range(len(tokens) - COPY_WORDS + 1)}


def _norm(text: str) -> str:
    return " ".join(words(text))


def safety(draft: Draft, verification: dict[str, Any] | None = None,
           source_texts: list[str] | None = None) -> list[dict[str, Any]]:
    """Risky advice, claims the verification contradicted or could not support, uncited figures,
    text copied from a source, and words that trip platform policies."""
    units = _units(draft)
    out: list[dict[str, Any]] = []
    for unit in units:
        for kind, pattern, softer, needs in _ADVICE:
            m = pattern.search(unit.text)
            negated = m and _NEGATION.search(unit.text[max(0, m.start() - 25):m.start()])
            if not m or negated or (needs and not needs.search(unit.text)):
                continue
            fixed = unit.text[:m.start()] + softer + unit.text[m.end():] if softer else unit.text
            out.append(_finding("safety", kind, "high", unit,
                                f"'{m.group()}' reads as {kind.split('-')[0]} advice; soften it and point to a "
                                "professional.", {"find": unit.text, "replace": f"{fixed.rstrip()} {CAVEATS[kind]}"}))
            break
    flagged = [c for c in (verification or {}).get("claims") or []
               if c.get("verdict") in ("contradicted", "not enough evidence") and _norm(c.get("claim") or "")]
    if flagged and units:
        vecs = embed([u.text for u in units] + [c["claim"] for c in flagged])
        sims = vecs[:len(units)] @ vecs[len(units):].T
        for unit, row in zip(units, sims):
            hits = [c for c, sim in zip(flagged, row) if sim >= CLAIM_MATCH or _norm(c["claim"]) in _norm(unit.text)]
            claim = next((c for c in hits if c["verdict"] == "contradicted"), hits[0] if hits else None)
            if claim is None:
                continue
            if claim["verdict"] == "contradicted":
                quote = f": “{claim['quote']}”" if claim.get("quote") else ""
                out.append(_finding("safety", "contradicted-claim", "high", unit,
                                    f"A source says otherwise{quote}; correct or remove this claim."))
            else:
                out.append(_finding("safety", "unsupported-claim", "warn", unit,
                                    "No source supports this claim; find one, hedge it or cut it."))
    for unit in units:
        if _FIGURE.search(unit.text) and not unit.cites and not _HYPOTHETICAL.match(unit.text):
            out.append(_finding("safety", "uncited-figure", "info", unit, "A figure without a source; cite one."))
    grams = [_ngrams(words(t)) for t in source_texts or []]
    for unit in units:
        mine = _ngrams(words(unit.text))
        source = next((i for i, g in enumerate(grams) if mine & g), None)
        if source is not None:
            out.append(_finding("safety", "copied-text", "warn", unit,
                                f"Copied from source {source + 1} ({COPY_WORDS}+ words in a row): quote and attribute "
                                "it or rephrase."))
    for unit in units:
        for m in _POLICY.finditer(unit.text):
            out.append(_finding("safety", "policy-risk", "warn", unit,
                                f"'{m.group()}' can get a video age-restricted, demonetised or removed; rephrase "
                                "it or add context."))
    return out


def run_checks(draft: Draft, notes: dict[str, Any] | None, verification: dict[str, Any] | None,
               source_texts: list[str]) -> dict[str, Any]:
    """All three checks on a draft, with the findings counted by severity."""
    result = {"coherence": coherence(draft, notes), "simplification": simplification(draft),
              "safety": safety(draft, verification, source_texts)}
    every = result["coherence"] + result["simplification"]["findings"] + result["safety"]
    return result | {"counts": {s: sum(f["severity"] == s for f in every) for s in SEVERITIES}}


def apply_fix(draft: Draft, finding: dict[str, Any]) -> Draft:
    """A copy of the draft with the finding's fix applied to its sentence."""
    fix, index = finding.get("fix"), finding.get("sentence")
    if not fix or index is None:
        raise ScriptwrightError("This finding has no automatic fix; edit the sentence by hand.")
    new = draft.model_copy(deep=True)
    stale = ScriptwrightError(f"The sentence no longer contains '{fix['find']}': the draft changed; "
                              "run the checks again.")
    if finding["section"] == "hook":
        text = new.hook_text()
        sentences = split_sentences(text)
        if index >= len(sentences) or fix["find"] not in sentences[index]:
            raise stale
        fixed = sentences[index].replace(fix["find"], fix["replace"], 1)
        new.hook.text = text.replace(sentences[index], fixed, 1)
        return new
    section = new.section(finding["section"])
    sentences = section.sentences if section else []
    if index >= len(sentences) or fix["find"] not in sentences[index].text:
        raise stale
    sentences[index].text = sentences[index].text.replace(fix["find"], fix["replace"], 1)
    return new
