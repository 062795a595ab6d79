"""Names in claims and source sentences, and the rule that catches a claim giving the wrong name
for what a source states ("Marconi invented the telephone" against "Bell patented the telephone
in 1876"): swap the claim's name for the sentence's and see whether the two then say the same thing."""

from __future__ import annotations

import re

from pipelines.embed import embed

_RUN = re.compile(r"[A-Z][\w’'.-]*(?:\s+(?:(?:van|von|vos|de|da|del|der|la|le|of)\s+)?[A-Z][\w’'.-]*)*")
# Capitalised only because they start a sentence or a title, never a name on their own.
_NOT_NAMES = frozenset(
    "the a an in on at it its this that these those when what why how if but and so his her their there "
    "he she they we you i after before during one most many some all each every no not as by for from to "
    "with about around over under between first last later then today while because although".split())
# The claim with its name swapped for the sentence's says the same thing at this cosine or more.
# Hand-made pairs (tests/unit/test_name_conflicts.py), against the sentence or the run of its
# clauses holding the source's name: the same fact with the name swapped to the source's
# 0.84-1.00; another person doing another thing in the same shape of sentence 0.42-0.62; a
# source sentence that says "it" for the subject 0.66-0.67 (those contradictions are missed).
SWAPPED_SAME = 0.8
# ...and the claim, names as they are, is near the source's words at all: 0.49-0.91 for the
# contradicted pairs (a different name costs similarity), a guard against a swap that happens to fit.
ABOUT = 0.4


def names(text: str) -> list[str]:
    """Runs of capitalised words that are names (leading sentence words such as "The" dropped)."""
    found = []
    for run in _RUN.findall(text):
        words = run.split()
        while words and words[0].lower() in _NOT_NAMES:
            words = words[1:]
        if words and not all(w.lower() in _NOT_NAMES for w in words):
            found.append(re.sub(r"['’]s$", "", " ".join(words)).rstrip(".'’"))
    return found


def _mentioned(name: str, text: str) -> bool:
    """Whether a text mentions the name or its last word (a surname stands for the person)."""
    low = text.lower()
    return name.lower() in low or name.split()[-1].lower() in re.findall(r"[\w’'-]+", low)


_CLAUSE_BREAK = re.compile(r",\s+|;\s+|\s+(?:and|but|while|which|who|with)\s+")


def clause_spans(sentence: str) -> list[str]:
    """The sentence and its runs of consecutive clauses ("Frisch decoded the dance and shared the
    Nobel Prize" gives "Frisch decoded the dance", "shared the Nobel Prize" and the whole), so a
    claim about one clause is compared with that clause."""
    cuts = [0, *(m.start() for m in _CLAUSE_BREAK.finditer(sentence)), len(sentence)]
    starts = [0, *(m.end() for m in _CLAUSE_BREAK.finditer(sentence))]
    return list(dict.fromkeys(sentence[starts[i]:cuts[j]].strip(" .") for i in range(len(starts))
                              for j in range(i + 1, len(cuts))))


def name_conflict(claim: str, sentences: list[str]) -> tuple[int, str] | None:
    """(index, reason) when a source sentence states what the claim states but with another name
    in place of the claim's, and no passage mentions the claim's name; None otherwise."""
    claimed = [n for n in names(claim) if not any(_mentioned(n, s) for s in sentences)]
    pairs = [(i, mine, theirs) for i, s in enumerate(sentences) for theirs in names(s)
             if not _mentioned(theirs, claim) for mine in claimed]
    if not pairs:
        return None
    spans = [[span for span in clause_spans(sentences[i]) if _mentioned(theirs, span)] for i, _, theirs in pairs]
    flat = [span for found in spans for span in found]
    vectors = embed([claim, *[claim.replace(mine, theirs) for _, mine, theirs in pairs], *flat])
    claim_v, swap_v, span_v = vectors[0], vectors[1:len(pairs) + 1], vectors[len(pairs) + 1:]
    best, at = None, 0
    for k, (i, mine, theirs) in enumerate(pairs):
        for v in span_v[at:at + len(spans[k])]:
            same = float(swap_v[k] @ v)
            if same >= SWAPPED_SAME and float(claim_v @ v) >= ABOUT and (best is None or same > best[0]):
                best = (same, i, mine, theirs)
        at += len(spans[k])
    if best is None:
        return None
    _, i, mine, theirs = best
    return i, f"The source names {theirs} where the claim names {mine}."
