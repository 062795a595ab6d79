"""DSPy metrics. The script program: voice, key-point coverage, length and structure, minus a
penalty for numbers the inputs do not support. The title program: closeness to the real title
by meaning, length within the creator's range, no clickbait the creator never uses. The hook
program: whether it sets up the video, its voice and its length against the creator's real
openings, nothing copied from the real one. The outline program: how many of the real video's
segments its sections cover, in order. Plain functions and one combiner each; the metric ids
live with the steps (pipelines/programs/registry.py).

An example carries inputs `title`, `key_points`, `target_words` and labels `reference` (the
real transcript or its opening) and `creator` (slug; `creator_slug` wins when both are set);
a prediction carries `script`.
"""

from __future__ import annotations

import re
from typing import Any

import dspy
import numpy as np

from pipelines.embed import embed
from pipelines.errors import ScriptwrightError
from pipelines.evidence.numbers import numbers
from pipelines.text import split_sentences
from pipelines.usable import longest_shared_run, usable_text
from pipelines.voice.features import text_features, words

WEIGHTS = {"voice": 0.4, "coverage": 0.3, "length": 0.15, "structure": 0.15}
# Cosine (MiniLM) of a key point to its best-matching sentence or pair of adjacent sentences
# (a point often spans two short spoken sentences). Measured two ways. Key points as eval sets
# make them (central sentences of a transcript's opening) against hand-written scripts that
# cover two of three: restated points 0.66-0.80, merely alluded to 0.47-0.55, skipped points
# 0.37-0.61 (one half-made, 0.73).
# Short key points against whole sample transcripts (primes, ice, Brooklyn Bridge): paraphrased
# points 0.67-0.87 (4 of 22 told only obliquely, 0.48-0.60), absent points on the same topic
# 0.40-0.61, off-topic 0.11-0.22. The threshold sits above every absent point: calling a made
# point missed costs less than crediting a skipped one.
COVERAGE_MATCH = 0.64
LENGTH_TOLERANCE = 0.15  # within ±15 % of the target scores 1.0
MIN_SENTENCES = 3
MAX_SENTENCE_WORDS = 60
MAX_BULLETS = 2  # more bullet or numbered lines than this reads as a list, not a script
MARKUP = ("[[", "##", "```", '{"')
PENALTY_PER_SENTENCE = 0.05
MAX_PENALTY = 0.3
SMALL_NUMBER = 10  # whole numbers up to this are counting ("three steps"), not claims
PASS = 0.5  # bootstrapping keeps a demo whose combined score reaches this
MENTION = 0.02  # feedback names a part that cost the combined score at least this much
STYLE_GAP = 0.25  # a style median this far (relative) from the creator's is named in feedback
# The text_features medians feedback compares with the creator's (length-free ones only).
STYLE_LABELS = {
    "median_sentence_len": ("median sentence", "words"),
    "sentence_len_p90": ("90th-percentile sentence", "words"),
    "question_rate": ("questions", "per 1,000 words"),
    "you_rate": ("'you' words", "per 1,000 words"),
    "we_rate": ("'we' words", "per 1,000 words"),
    "i_rate": ("'I' words", "per 1,000 words"),
    "hedge_rate": ("hedges", "per 1,000 words"),
    "exclaim_rate": ("exclamations", "per 1,000 words"),
    "number_rate": ("numbers", "per 1,000 words"),
    "reading_grade": ("reading grade", ""),
}

_BULLET = re.compile(r"^\s*(?:[-*•–]|\d+[.)])\s+")


def pulled_down(score: float, items: list[tuple[float, str]]) -> str:
    """A score's feedback: each (cost, what) that pulled it down, biggest cost first."""
    if not items:
        return f"Score {score:.2f}: nothing pulled it down."
    lines = [f"- {text}" for _, text in sorted(items, key=lambda item: -item[0])]
    return f"Score {score:.2f}. What pulled it down, biggest first:\n" + "\n".join(lines)


def coverage(key_points: list[str], text: str) -> tuple[float, list[str]]:
    """Share of key points the text makes (cosine >= COVERAGE_MATCH), and the missed ones."""
    points = [p.strip() for p in key_points if p and p.strip()]
    if not points:
        return 1.0, []
    sents = split_sentences(text)
    if not sents:
        return 0.0, points
    units = sents + [f"{x} {y}" for x, y in zip(sents, sents[1:])]
    vecs = embed(points + units)
    best = (vecs[:len(points)] @ vecs[len(points):].T).max(axis=1)
    missed = [p for p, s in zip(points, best) if s < COVERAGE_MATCH]
    return 1.0 - len(missed) / len(points), missed


def length_score(n_words: int, target: int) -> float:
    """1.0 within ±15 % of the target, falling linearly to 0 at 0 words and at twice the target."""
    if target <= 0:
        raise ScriptwrightError(f"target_words must be positive; got {target}.")
    low, high = (1 - LENGTH_TOLERANCE) * target, (1 + LENGTH_TOLERANCE) * target
    if n_words < low:
        return max(0.0, n_words / low)
    if n_words > high:
        return max(0.0, (2 * target - n_words) / (2 * target - high))
    return 1.0


def structure_score(text: str) -> tuple[float, list[str]]:
    """Share of four rules kept (3+ sentences, none over 60 words, not a bullet list, no markup)
    and one line per broken rule."""
    problems = []
    sents = split_sentences(text)
    if len(sents) < MIN_SENTENCES:
        problems.append(f"{len(sents)} sentence(s); a script needs at least {MIN_SENTENCES}")
    long = [s for s in sents if len(s.split()) > MAX_SENTENCE_WORDS]
    if long:
        problems.append(f"{len(long)} sentence(s) over {MAX_SENTENCE_WORDS} words, the longest "
                        f"{max(len(s.split()) for s in long)}: '{long[0][:80]}…'")
    bullets = sum(bool(_BULLET.match(line)) for line in text.splitlines())
    if bullets > MAX_BULLETS:
        problems.append(f"reads as a list: {bullets} bullet or numbered lines instead of spoken sentences")
    left = [m for m in MARKUP if m in text]
    if left:
        problems.append("leftover markup: " + ", ".join(repr(m) for m in left))
    return 1.0 - len(problems) / 4, problems


def _is_claim(readings: set[float]) -> bool:
    return any(v != int(v) or v > SMALL_NUMBER for v in readings)


def unsupported_penalty(text: str, key_points: list[str], reference: str) -> tuple[float, list[str]]:
    """Sentences stating a number (other than a small count) found in neither the key points nor
    the reference, spelled out or not; PENALTY_PER_SENTENCE each, at most MAX_PENALTY."""
    known = {round(v, 9) for r in numbers(" ".join(key_points) + "\n" + reference) for v in r}
    flagged = [s for s in split_sentences(text)
               if any(_is_claim(r) and not {round(v, 9) for v in r} & known for r in numbers(s))]
    return min(MAX_PENALTY, PENALTY_PER_SENTENCE * len(flagged)), flagged


def voice_score(creator: str, text: str, model: Any) -> tuple[float | None, str | None]:
    """(fidelity 0..1, None), or (None, why) when there is no model, the text is too short or
    not English, or the model has no profile for the creator."""
    if model is None:
        return None, "No voice model, so voice was not scored."
    try:
        score = model.score_text(text, creator)
    except ScriptwrightError as exc:
        return None, str(exc)
    if score.too_short or score.fidelity is None:
        return None, score.message or "The voice model gave no fidelity for this text."
    return float(score.fidelity), None


def _creator(example: Any) -> str:
    return getattr(example, "creator_slug", None) or getattr(example, "creator", None) or ""


class ScriptMetric:
    """Callable (example, pred, trace=None) -> float; .details(example, pred) -> dict with every part;
    .feedback(example, pred) -> text naming what pulled the score down, with numbers."""

    def __init__(self, voice_model: Any = None, creator_medians: dict[str, dict[str, float]] | None = None) -> None:
        self.voice_model = voice_model
        self.creator_medians = creator_medians or {}

    def __call__(self, example: Any, pred: Any, trace: Any = None) -> float | bool:
        score = self.details(example, pred)["score"]
        return score >= PASS if trace is not None else score

    def details(self, example: Any, pred: Any) -> dict[str, Any]:
        """score (combined, 0..1), each part, and what each part found."""
        text = getattr(pred, "script", None) or ""
        key_points = list(example.key_points or [])
        voice, voice_message = voice_score(_creator(example), text, self.voice_model)
        cov, missed = coverage(key_points, text)
        n_words = len(words(text))
        structure, problems = structure_score(text)
        penalty, unsupported = unsupported_penalty(text, key_points, getattr(example, "reference", None) or "")
        parts = {"voice": voice, "coverage": cov, "length": length_score(n_words, int(example.target_words)),
                 "structure": structure}
        weights = _weights(parts)
        combined = sum(weights[k] * parts[k] for k in weights) - penalty if n_words else 0.0  # nothing written: 0
        return {"score": min(1.0, max(0.0, combined)), **parts, "missed": missed, "structure_problems": problems,
                "penalty": penalty, "unsupported": unsupported, "voice_message": voice_message,
                "n_words": n_words, "target_words": int(example.target_words)}

    def feedback(self, example: Any, pred: Any) -> str:
        return self.explain(example, pred, self.details(example, pred))

    def explain(self, example: Any, pred: Any, d: dict[str, Any]) -> str:
        """Feedback from already computed details: the parts that cost the most, first."""
        weights = _weights(d)
        items: list[tuple[float, str]] = []
        if d["voice"] is None or weights["voice"] * (1 - d["voice"]) >= MENTION:
            head = (f"voice not scored: {d['voice_message']}" if d["voice"] is None
                    else f"voice fidelity {d['voice']:.2f} to {_creator(example)}")
            gaps = self._style_gaps(_creator(example), getattr(pred, "script", None) or "")
            cost = 0.0 if d["voice"] is None else weights["voice"] * (1 - d["voice"])
            items.append((cost, head + (f" ({'; '.join(gaps)})" if gaps else "")))
        if weights["coverage"] * (1 - d["coverage"]) >= MENTION:
            items.append((weights["coverage"] * (1 - d["coverage"]),
                          f"coverage {d['coverage']:.2f}, missed key points: " + "; ".join(d["missed"])))
        if weights["length"] * (1 - d["length"]) >= MENTION:
            items.append((weights["length"] * (1 - d["length"]),
                          f"length {d['n_words']} words vs target {d['target_words']} (score {d['length']:.2f})"))
        if weights["structure"] * (1 - d["structure"]) >= MENTION:
            items.append((weights["structure"] * (1 - d["structure"]),
                          f"structure {d['structure']:.2f}: " + "; ".join(d["structure_problems"])))
        if d["unsupported"]:
            items.append((d["penalty"], f"penalty {d['penalty']:.2f} for numbers found in neither the key points "
                                        "nor the reference: " + " | ".join(d["unsupported"])))
        return pulled_down(d["score"], items)

    def _style_gaps(self, creator: str, text: str) -> list[str]:
        medians = {k: v for k, v in self.creator_medians.get(creator, {}).items() if v is not None}
        if not medians or not text.strip():
            return []
        feats = text_features(text)
        out = []
        for key, theirs in medians.items():
            if key not in STYLE_LABELS or abs(feats[key] - theirs) <= STYLE_GAP * max(abs(theirs), 1.0):
                continue
            label, unit = STYLE_LABELS[key]
            out.append(f"{label} {feats[key]:.0f}{' ' + unit if unit else ''} vs the creator's {theirs:.0f}")
        return out


def _weights(parts: dict[str, Any]) -> dict[str, float]:
    """WEIGHTS over the parts that have a value, renormalised to sum to 1."""
    present = {k: w for k, w in WEIGHTS.items() if parts[k] is not None}
    total = sum(present.values())
    return {k: w / total for k, w in present.items()}


def gepa_metric(metric: Any):
    """The metric in the shape GEPA expects: (gold, pred, trace, pred_name, pred_trace) ->
    dspy.Prediction(score, feedback)."""

    def score_with_feedback(gold: Any, pred: Any, trace: Any = None, pred_name: str | None = None,
                            pred_trace: Any = None) -> dspy.Prediction:
        d = metric.details(gold, pred)
        return dspy.Prediction(score=d["score"], feedback=metric.explain(gold, pred, d))

    return score_with_feedback


# ---------------------------------------------------------------- the title program
#
# An example carries inputs `past_titles` (the creator's other titles), `key_points`, `opening`
# and the label `reference` (the video's real title); a prediction carries `title`.

# score = meaning × (0.6 + 0.2 length + 0.2 plain): a title about another video is worth nothing however
# well shaped (the embedded model, shown the creator's titles, mostly answers with one of them: shaped
# like theirs, about another video; scored 0.4 by a plain weighted sum, 0 here).
TITLE_WEIGHTS = {"meaning": 0.6, "length": 0.2, "plain": 0.2}
TITLE_MAX_CHARS = 100  # YouTube's limit
# Cosine (MiniLM) of a title to the video's real one. Measured on the demo creators' six titles
# against three hand-written titles each for the same video: 0.34-0.88 (a paraphrase 0.66-0.88,
# a curiosity gap that names nothing 0.34-0.52), and against the same creators' other videos'
# titles: -0.07-0.33. Below TITLE_UNRELATED scores 0 (another video's title tops it), from
# TITLE_SAME it scores 1 (a paraphrase), linear between.
TITLE_UNRELATED = 0.35
TITLE_SAME = 0.75
DEFAULT_TITLE_RANGE = (20, 70)  # characters, for a creator with fewer than two known titles
# Words that sell a video by hype rather than by what it explains; one the creator's own titles
# never use costs CLICKBAIT_COST of the `plain` part. ALL-CAPS words (4+ letters) count too.
CLICKBAIT = ("shocking", "shocked", "insane", "insanely", "unbelievable", "you won't believe", "mind-blowing",
             "mind blowing", "jaw-dropping", "crazy", "craziest", "epic", "destroyed", "exposed", "gone wrong",
             "secret", "secrets", "nobody tells you", "must see", "must-see", "ultimate", "genius", "hack",
             "hacks", "omg", "terrifying", "banned", "literally", "incredible", "amazing", "!!")
CLICKBAIT_COST = 0.5
_CAPS = re.compile(r"\b[A-Z]{4,}\b")


def title_meaning(title: str, reference: str) -> float:
    """How close a title is to the real one by meaning: 0 at TITLE_UNRELATED cosine or below, 1 from TITLE_SAME."""
    if not title.strip() or not reference.strip():
        return 0.0
    vecs = embed([title, reference])
    cosine = float(vecs[0] @ vecs[1])
    return min(1.0, max(0.0, (cosine - TITLE_UNRELATED) / (TITLE_SAME - TITLE_UNRELATED)))


def title_range(past_titles: list[str]) -> tuple[int, int]:
    """The shortest and longest of the creator's titles, in characters (DEFAULT_TITLE_RANGE with fewer than two)."""
    lengths = [len(t.strip()) for t in past_titles if t and t.strip()]
    return (min(lengths), max(lengths)) if len(lengths) >= 2 else DEFAULT_TITLE_RANGE


def title_length_score(n_chars: int, past_titles: list[str]) -> float:
    """1.0 within the creator's range, falling linearly to 0 at none and at twice the longest; 0 past 100."""
    low, high = title_range(past_titles)
    if n_chars > TITLE_MAX_CHARS or n_chars <= 0:
        return 0.0
    if n_chars < low:
        return n_chars / low
    if n_chars > high:
        return max(0.0, 1 - (n_chars - high) / high)
    return 1.0


def clickbait_terms(title: str, past_titles: list[str]) -> list[str]:
    """The hype words and ALL-CAPS words in a title that none of the creator's own titles use."""
    lowered, theirs = title.lower(), " ".join(past_titles).lower()

    def used(term: str, text: str) -> bool:
        if not term[0].isalnum():  # punctuation ("!!") counts wherever it is
            return term in text
        return bool(re.search(rf"(?<!\w){re.escape(term)}(?!\w)", text))

    found = [term for term in CLICKBAIT if used(term, lowered) and not used(term, theirs)]
    their_caps = set(_CAPS.findall(" ".join(past_titles)))
    return found + [w for w in dict.fromkeys(_CAPS.findall(title)) if w not in their_caps and w.lower() not in found]


def title_words(text: str) -> str:
    """A title's words in lower case, for telling whether two titles are the same."""
    return " ".join(re.findall(r"\w+", text.lower()))


def title_details(title: str, reference: str, past_titles: list[str]) -> dict[str, Any]:
    """score (0..1; 0 for no title or a copy of one of the creator's titles) and each part: meaning,
    length, plain (no unused clickbait)."""
    title = " ".join((title or "").split())
    clickbait = clickbait_terms(title, past_titles)
    copied = next((t for t in past_titles if title and title_words(t) == title_words(title)), None)
    parts = {"meaning": title_meaning(title, reference), "length": title_length_score(len(title), past_titles),
             "plain": max(0.0, 1 - CLICKBAIT_COST * len(clickbait))}
    shape = sum(TITLE_WEIGHTS[k] * (1.0 if k == "meaning" else parts[k]) for k in TITLE_WEIGHTS)
    score = parts["meaning"] * shape if title and not copied else 0.0
    return {"score": round(score, 4), **parts, "copied": copied, "chars": len(title),
            "range": list(title_range(past_titles)), "clickbait": clickbait, "reference": reference}


class TitleMetric:
    """Callable (example, pred, trace=None) -> float, with .details and .explain like ScriptMetric."""

    def __call__(self, example: Any, pred: Any, trace: Any = None) -> float | bool:
        score = self.details(example, pred)["score"]
        return score >= PASS if trace is not None else score

    def details(self, example: Any, pred: Any) -> dict[str, Any]:
        return title_details(getattr(pred, "title", None) or "", example.reference, list(example.past_titles or []))

    def feedback(self, example: Any, pred: Any) -> str:
        return self.explain(example, pred, self.details(example, pred))

    def explain(self, example: Any, pred: Any, d: dict[str, Any]) -> str:
        """What pulled the score down, biggest first, with the numbers."""
        if not d["chars"]:
            return "Score 0.00: no title was written."
        if d["copied"]:
            return f"Score 0.00: a copy of the creator's title “{d['copied']}”, which is another video's."
        shape = d["score"] / d["meaning"] if d["meaning"] else 1.0
        items = [((1 - d["meaning"]) * shape,
                  f"meaning {d['meaning']:.2f}: the real title is “{d['reference']}”"),
                 (d["meaning"] * TITLE_WEIGHTS["length"] * (1 - d["length"]),
                  f"length {d['chars']} characters; the creator's titles run {d['range'][0]}-{d['range'][1]}"),
                 (d["meaning"] * TITLE_WEIGHTS["plain"] * (1 - d["plain"]),
                  "words the creator never uses in a title: " + ", ".join(d["clickbait"]))]
        return pulled_down(d["score"], [(cost, text) for cost, text in items if cost >= MENTION])


# ---------------------------------------------------------------- the hook program
#
# An example carries `title`, `key_points`, `opening_lengths` (the creator's other real openings, in
# words) and the label `reference` (the video's real opening); a prediction carries `hook`.

# score = setup × length × (0.6 + 0.4 voice), voice left out without a voice model: an opening that does
# not set up this video, or a title where an opening belongs, is worth little however well voiced (the
# embedded model's 8-word title-like hook "The Primes Never Run Out (Euclid's Sneaky Proof)", setup 0.97
# and length 0.13, scored 0.43 as setup × (0.4 + 0.3 voice + 0.3 length); 0.08 here).
HOOK_VOICE_WEIGHT = 0.4
# Cosine (MiniLM) of a hook to the video's title and key points. Measured on the demo corpus's hook
# eval sets (20 videos): each video's real opening 0.46-0.77, other videos' openings by the same
# creator -0.09-0.47 (median 0.19), other creators' -0.15-0.27. Up to HOOK_UNRELATED it scores 0,
# from HOOK_SETS_UP 1, linear between.
HOOK_UNRELATED = 0.30
HOOK_SETS_UP = 0.70
# A hook sharing a run of this many words with the real opening copies it. Two different real openings
# of one demo creator share up to 10 words in a row (a habitual way in), which is voice, not copying.
HOOK_COPY_RUN = 12
HOOK_LENGTH_SLACK = 0.25  # within 25 % of the creator's shortest and longest opening scores 1.0
DEFAULT_OPENING = (60, 80)  # words, for a creator with no other opening in the train split
# Fewer words than this is no opening (the wizard's own rule, drafting/steps.py): the embedded model's
# hook for "What Is a Logarithm?" was the one word "logarithm", close to the title in meaning.
HOOK_MIN_WORDS = 8


def hook_setup(hook: str, title: str, key_points: list[str]) -> float:
    """Whether a hook sets up this video: its cosine to the title and key points, 0 at HOOK_UNRELATED
    or below, 1 from HOOK_SETS_UP."""
    if not hook.strip():
        return 0.0
    vecs = embed([hook, "\n".join([title, *key_points])])
    cosine = float(vecs[0] @ vecs[1])
    return min(1.0, max(0.0, (cosine - HOOK_UNRELATED) / (HOOK_SETS_UP - HOOK_UNRELATED)))


def hook_length_score(n_words: int, opening_lengths: list[int]) -> float:
    """1.0 within HOOK_LENGTH_SLACK of the creator's shortest and longest openings, falling linearly to 0
    at no words and at twice the longest."""
    low, high = (min(opening_lengths), max(opening_lengths)) if opening_lengths else DEFAULT_OPENING
    low, high = (1 - HOOK_LENGTH_SLACK) * low, (1 + HOOK_LENGTH_SLACK) * high
    if n_words < low:
        return max(0.0, n_words / low)
    if n_words > high:
        return max(0.0, 1 - (n_words - high) / high)
    return 1.0


def hook_copy(hook: str, example: Any) -> tuple[str, str | None]:
    """The longest run of HOOK_COPY_RUN or more words a hook shares with the video's real opening or with
    another of the creator's train openings (a compiled program's demos: the embedded model's compiled hook
    repeated one demo's opening word for word on every test video of CrashCourse Astronomy and won the
    compare by +0.084), and which it was: "this video's" or "another video's"; ("", None) for none."""
    found = [(longest_shared_run(hook, text), whose) for text, whose in
             [(example.reference, "this video's"),
              *((t, "another video's") for t in getattr(example, "train_openings", None) or [])]]
    run, whose = max(found, key=lambda f: len(f[0].split()), default=("", None))
    return (run, whose) if len(run.split()) >= HOOK_COPY_RUN else ("", None)


def hook_details(hook: str, example: Any, voice_model: Any = None) -> dict[str, Any]:
    """score (setup × length × voiced, 0..1) and each part: setup, voice, length. No opening (under HOOK_MIN_WORDS words, or only
    the title again) and a copy of the real opening score 0; with a voice model, a hook too short for
    it to judge gets voice 0 (it cannot sound like the creator), without one voice is left out."""
    hook = " ".join((hook or "").split())
    copied, copied_from = hook_copy(hook, example)
    usable = usable_text(hook, [example.title], HOOK_MIN_WORDS)
    voice, voice_message = voice_score(_creator(example), hook, voice_model) if usable else (None, "no usable hook")
    if voice is None and voice_model is not None:
        voice = 0.0
    n_words = len(words(hook))
    parts = {"setup": hook_setup(hook, example.title, list(example.key_points or [])), "voice": voice,
             "length": hook_length_score(n_words, list(example.opening_lengths or []))}
    voiced = 1.0 if voice is None else 1 - HOOK_VOICE_WEIGHT + HOOK_VOICE_WEIGHT * voice
    score = parts["setup"] * parts["length"] * voiced if usable and not copied else 0.0
    return {"score": round(score, 4), **parts, "voice_message": voice_message, "copied": copied or None,
            "copied_from": copied_from, "usable": usable, "n_words": n_words, "reference": example.reference}


class HookMetric:
    """Callable (example, pred, trace=None) -> float, with .details and .explain like ScriptMetric."""

    def __init__(self, voice_model: Any = None) -> None:
        self.voice_model = voice_model

    def __call__(self, example: Any, pred: Any, trace: Any = None) -> float | bool:
        score = self.details(example, pred)["score"]
        return score >= PASS if trace is not None else score

    def details(self, example: Any, pred: Any) -> dict[str, Any]:
        return hook_details(getattr(pred, "hook", None) or "", example, self.voice_model)

    def feedback(self, example: Any, pred: Any) -> str:
        return self.explain(example, pred, self.details(example, pred))

    def explain(self, example: Any, pred: Any, d: dict[str, Any]) -> str:
        """What pulled the score down, biggest first, with the numbers."""
        if not d["usable"]:
            return f"Score 0.00: no usable hook (under {HOOK_MIN_WORDS} words, or only the title again)."
        if d["copied"]:
            copied = d["copied"].split()
            return (f"Score 0.00: copies {d['copied_from']} real opening ({len(copied)} words in a row: "
                    f"“{' '.join(copied[:12])}{' …' if len(copied) > 12 else ''}”).")
        items = [(1 - d["setup"], f"setup {d['setup']:.2f}: it does not set up “{example.title}” and its key "
                                  "points"),
                 (1 - d["length"], f"length {d['n_words']} words against the creator's openings (score "
                                   f"{d['length']:.2f})")]
        if d["voice"] is None:
            items.append((MENTION, f"voice not scored: {d['voice_message']}"))
        else:
            said = f" ({d['voice_message']})" if d["voice_message"] else ""
            items.append((HOOK_VOICE_WEIGHT * (1 - d["voice"]), f"voice fidelity {d['voice']:.2f}{said}"))
        return pulled_down(d["score"], [(cost, text) for cost, text in items if cost >= MENTION])


# ---------------------------------------------------------------- the outline program
#
# An example carries the label `segments` (the real video's segments in order, each a list of its
# chunks' texts); a prediction carries `sections` (dicts with title, goal, beats).

# A section covers a segment when its cosine (MiniLM) to one of the segment's chunks reaches
# OUTLINE_MATCH and comes within OUTLINE_MARGIN of its best segment (a section restating the title
# matches every segment a little and covers only its closest one). Measured on the demo corpus:
# a chunk's central sentence cut to 12 words (a beat-sized text) against its own chunk 0.24-0.83
# (median 0.57), against the same video's other chunks -0.01-0.72 (median 0.40), against other
# videos' chunks -0.21-0.58 (median 0.06, 90th percentile 0.21).
OUTLINE_MATCH = 0.45
OUTLINE_MARGIN = 0.05


def section_texts(sections: list[Any]) -> list[str]:
    """Each section's title, goal and beats as one text (sections with no words left out)."""
    out = []
    for s in sections or []:
        s = s if isinstance(s, dict) else s.model_dump()
        text = " ".join([str(s.get("title") or ""), str(s.get("goal") or ""), *map(str, s.get("beats") or [])]).strip()
        if words(text):
            out.append(text)
    return out


def covered_in_order(matches: list[list[bool]]) -> list[int]:
    """The most segments (rows) covered by distinct sections (columns) in the same order, as the indices
    of those segments: the longest common subsequence of the two orders over the matches."""
    n, k = len(matches), len(matches[0]) if matches else 0
    best = [[0] * (k + 1) for _ in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, k + 1):
            best[i][j] = max(best[i - 1][j], best[i][j - 1], best[i - 1][j - 1] + matches[i - 1][j - 1])
    out, i, j = [], n, k
    while i and j:
        if matches[i - 1][j - 1] and best[i][j] == best[i - 1][j - 1] + 1:
            out.append(i - 1)
            i, j = i - 1, j - 1
        elif best[i][j] == best[i - 1][j]:
            i -= 1
        else:
            j -= 1
    return out[::-1]


def outline_details(sections: list[Any], segments: list[list[str]]) -> dict[str, Any]:
    """score (share of the real segments covered by distinct sections in their real order), the segments
    covered, and any covered only out of order."""
    texts = section_texts(sections)
    segments = [s for s in segments if s]
    if not texts or not segments:
        return {"score": 0.0, "covered": [], "out_of_order": [], "n_segments": len(segments),
                "n_sections": len(texts)}
    chunks = [c for seg in segments for c in seg]
    owner = [i for i, seg in enumerate(segments) for _ in seg]
    vecs = embed(texts + chunks)
    chunk_sims = vecs[:len(texts)] @ vecs[len(texts):].T
    sims = np.full((len(texts), len(segments)), -1.0)
    for c, seg in enumerate(owner):
        sims[:, seg] = np.maximum(sims[:, seg], chunk_sims[:, c])
    matches = [[bool(sims[j, i] >= OUTLINE_MATCH and sims[j, i] >= sims[j].max() - OUTLINE_MARGIN)
                for j in range(len(texts))] for i in range(len(segments))]
    covered = covered_in_order(matches)
    anywhere = [i for i in range(len(segments)) if any(matches[i])]
    return {"score": round(len(covered) / len(segments), 4), "covered": covered,
            "out_of_order": [i for i in anywhere if i not in covered], "n_segments": len(segments),
            "n_sections": len(texts)}


class OutlineMetric:
    """Callable (example, pred, trace=None) -> float, with .details and .explain like ScriptMetric."""

    def __call__(self, example: Any, pred: Any, trace: Any = None) -> float | bool:
        score = self.details(example, pred)["score"]
        return score >= PASS if trace is not None else score

    def details(self, example: Any, pred: Any) -> dict[str, Any]:
        return outline_details(getattr(pred, "sections", None) or [], list(example.segments or []))

    def feedback(self, example: Any, pred: Any) -> str:
        return self.explain(example, pred, self.details(example, pred))

    def explain(self, example: Any, pred: Any, d: dict[str, Any]) -> str:
        """Which real segments no section covered, and which were covered only out of order."""
        if not d["n_sections"]:
            return "Score 0.00: the outline has no section with words in it."
        missed = [i for i in range(d["n_segments"]) if i not in d["covered"] and i not in d["out_of_order"]]
        lines = [f"- the real video's segment {i + 1} (of {d['n_segments']}) is covered by no section" for i in missed]
        lines += [f"- segment {i + 1} is covered, but out of the real video's order" for i in d["out_of_order"]]
        if not lines:
            return f"Score {d['score']:.2f}: every segment covered, in order."
        return f"Score {d['score']:.2f}. What pulled it down:\n" + "\n".join(lines)
