"""Sentences of a text: the package's one sentence splitter.

Used by the voice features (sentence lengths, questions, reading grade of transcripts and
drafts) and by drafting, checks, export, publish, metrics, evals and the evidence steps
(the sentences of a draft's sections, of a hook, of a source passage).

It replaced two splitters that disagreed (voice.features.sentences and
evidence.sources.split_sentences, issue 21). Measured against them before the switch:
- the 120 shared and demo transcripts (ingested text has no line breaks) with max_words=40, as
  the voice features call it: 12,645 of the old 12,675 sentence ends kept; the 30 dropped were all
  wrong (28 an ellipsis before a lower-case word, "9:20 a.m. local time", an inline "1."); of 6
  new ends 4 are right (a sentence ending "no.", which the old list took for "No. 5") and 2 are
  a 40-word cut of an unpunctuated run moved by those changes; mean sentence length and
  Flesch–Kincaid grade per creator moved by at most 0.15 words and 0.06 grades. The voice scorer
  does not use these sentences (voice.ngrams.passages has its own): its closed-set figures on
  ../shared/corpora (5 folds by video, seed 0) stayed accuracy 0.988, window accuracy 0.940, AUC 0.998.
- drafting texts: the old split_sentences cut hard-wrapped sources at every line (10 false ends
  in the 234-word demo source) and a hand-written script at "Dr.", "Prof.", "e.g.", "i.e.",
  "vs.", "the U.S. and", "No. 1", "etc. and", "a.m. on" and list numbers (13 false ends in 358
  words); the only end it missed was after a closing bracket ('she said.) She'). Captions and
  one-sentence-a-line transcripts split the same.
"""

from __future__ import annotations

import re

# A word: letters or digits, keeping inner apostrophes and hyphens and decimal or thousands
# separators between digits ("you're", "sky-high", "6.4", "60,000"); voice.features counts these.
WORD = re.compile(r"[^\W_]+(?:(?:[-'’]|(?<=\d)[.,](?=\d))[^\W_]+)*")

_END_MARKS = (".", "!", "?", "…")
_CLOSERS = "\"'”’)]»"
# Never end a sentence: titles before a name and Latin or list abbreviations mid-sentence.
_NEVER_ENDS = {"dr.", "mr.", "mrs.", "ms.", "prof.", "st.", "vs.", "e.g.", "i.e.", "cf.", "approx.", "fig."}
# End a sentence only when the next word starts with a capital ("…in the U.S. The next…",
# not "the U.S. economy"; "pears, etc. Then" but not "etc. and so on"; "Wait… What?" but not
# "surprised him… and it still").
_ENDS_BEFORE_CAPITAL = {"etc."}
_INITIALISM = re.compile(r"(?:[A-Za-z]\.){2,}")  # U.S., U.K., a.m., p.m.
_TOKEN = re.compile(r"\S+")
_BLANK_LINE = re.compile(r"\n[ \t\r]*\n")
_LIST_NUMBER = re.compile(r"\d{1,3}\.")
_LIST_OR_HEADING = re.compile(r"(?:#{1,6}|[-*•–—]|\d{1,3}[.)])\s")  # a line that starts a heading or an item


def _ends(token: str, following: str | None, first: bool) -> bool:
    end = token.rstrip(_CLOSERS)
    if not end.endswith(_END_MARKS):
        return False
    low = end.lower()
    if low in _NEVER_ENDS or (first and _LIST_NUMBER.fullmatch(end)):  # "1. Count the doors."
        return False
    if low in _ENDS_BEFORE_CAPITAL or _INITIALISM.fullmatch(end) or end.endswith(("…", "...")):
        return following is None or following[:1].isupper()
    if low == "no.":  # "No. 5", but "The answer is no. Then…"
        return following is None or not following[:1].isdigit()
    return True


def _lines_are_sentences(block: str) -> bool:
    """Whether a block's single line breaks end sentences: most of its lines end with an end mark
    (a script written a sentence a line); hard-wrapped prose and two-line caption cues do not."""
    lines = [line.strip() for line in block.split("\n") if line.strip()]
    if len(lines) < 2:
        return False
    ended = sum(line.rstrip(_CLOSERS).endswith(_END_MARKS) for line in lines[:-1])
    return ended * 2 >= len(lines) - 1


def split_sentences(text: str, max_words: int | None = None) -> list[str]:
    """The sentences of a text, each a stripped verbatim piece of it (so `text.replace(s, …)` finds it).

    A sentence ends after . ! ? or … (closing quotes and brackets may follow), except after a
    title or abbreviation ("Dr. Smith", "e.g. Paris", "the U.S. economy", "No. 5"); at a blank
    line; at a line break before or after a heading or list item; and at every line break of a
    paragraph written a sentence a line (most of its lines end with an end mark). Other single
    line breaks (hard-wrapped prose, caption cues running over two lines) are spaces.
    With `max_words`, a run of that many words without an end (unpunctuated ASR text) is cut
    into pseudo-sentences of `max_words` words (the voice features use MAX_SENTENCE_WORDS); by
    default such a run stays one sentence, as a script's over-long sentence should.
    """
    out: list[str] = []
    for block in _BLANK_LINE.split(text):
        if not block.strip():
            continue
        line_breaks = _lines_are_sentences(block)
        tokens = list(_TOKEN.finditer(block))
        start: int | None = None
        n = 0
        after_cut = False  # the piece before was cut at max_words: a numeral starting this one is no list number
        for i, tok in enumerate(tokens):
            if start is None:
                start = tok.start()
            n += len(WORD.findall(tok.group()))
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            gap = block[tok.end():nxt.start()] if nxt else ""
            at_break = "\n" in gap and (
                line_breaks
                or _LIST_OR_HEADING.match(block[block.rfind("\n", 0, tok.start()) + 1:].lstrip())
                or _LIST_OR_HEADING.match(block[nxt.start():]))
            ended = bool(n) and _ends(tok.group(), nxt.group() if nxt else None, tok.start() == start and not after_cut)
            cut = bool(max_words) and n >= max_words and not ended
            if at_break or nxt is None or ended or cut:
                if n:  # a piece with no word (a lone dash, "***") is no sentence
                    out.append(block[start:tok.end()].strip())
                start, n, after_cut = None, 0, cut
    return out
