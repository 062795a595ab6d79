"""Finding the passage of a script to cut a Short from: consecutive sentences that fit the
Short's length at the creator's pace, stand on their own, and carry the video's point."""

from __future__ import annotations

import re
from typing import Any

from pipelines.drafting.content import Draft
from pipelines.embed import embed

SHORT_MAX_S = 60
SHORT_MIN_S = 15
# An opening that points back at something said before the passage (it, this, and, as we saw)
# makes no sense on its own.
_POINTS_BACK = re.compile(r"^(?:it|its|it's|this|that|these|those|they|them|their|he|she|his|her|and|but|or|also|"
                          r"which|then|as (?:i|we) (?:said|saw)|like (?:i|we) said|remember|earlier)\b", re.I)
# Ranking: closeness to the video's point, plus this much for filling the whole minute.
FULLNESS_WEIGHT = 0.2


def max_short_words(wpm: float) -> int:
    """The most words a Short may have at this pace."""
    return int(wpm * SHORT_MAX_S / 60)


def points_back(sentence: str) -> bool:
    """Whether a sentence opens by pointing at something said before it."""
    return bool(_POINTS_BACK.match(sentence.strip().lstrip("\"'“‘(")))


def script_sentences(content: Draft) -> list[dict[str, Any]]:
    """Every sentence of the script in order, with its section's id and title."""
    return [{"text": s.text.strip(), "section": section.id, "title": section.title}
            for section in content.sections for s in section.sentences if s.text.strip()]


def candidates(sentences: list[dict[str, Any]], max_words: int, min_words: int) -> list[tuple[int, int]]:
    """(first, last) sentence indices of each run that starts a sentence and is as long as fits
    max_words, at least min_words long; the whole script when it is shorter than that."""
    sizes = [len(s["text"].split()) for s in sentences]
    if sizes and sum(sizes) <= max_words and sum(sizes) < min_words:
        return [(0, len(sizes) - 1)]
    runs = []
    for first in range(len(sizes)):
        last, words = first - 1, 0
        while last + 1 < len(sizes) and words + sizes[last + 1] <= max_words:
            last += 1
            words += sizes[last]
        if last >= first and words >= min_words:
            runs.append((first, last))
    return runs


def pick_passage(sentences: list[dict[str, Any]], point: str, wpm: float) -> dict[str, Any] | None:
    """The strongest passage for a Short: among runs that fit, those not opening on a word that
    points back (unless every run does), the closest to the video's point, with a little for
    fullness. None for a script with no sentence."""
    max_words, min_words = max_short_words(wpm), int(wpm * SHORT_MIN_S / 60)
    runs = candidates(sentences, max_words, min_words)
    if not runs:
        return None
    standalone = [r for r in runs if not points_back(sentences[r[0]]["text"])] or runs
    texts = [" ".join(s["text"] for s in sentences[a:b + 1]) for a, b in standalone]
    vecs = embed([point, *texts])
    sims = vecs[1:] @ vecs[0]
    scores = [float(sim) + FULLNESS_WEIGHT * min(1.0, len(t.split()) / max_words) for sim, t in zip(sims, texts)]
    best = max(range(len(standalone)), key=lambda i: scores[i])
    first, last = standalone[best]
    return {"text": texts[best], "words": len(texts[best].split()), "first": first, "last": last,
            "sections": list(dict.fromkeys(s["section"] for s in sentences[first:last + 1])),
            "closeness": round(float(sims[best]), 3), "stands_alone": not points_back(sentences[first]["text"])}
