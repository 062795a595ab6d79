"""Signature phrases: the n-grams a creator uses far more than other creators do.

Scored with the weighted log-odds ratio with an informative Dirichlet prior (Monroe, Colaresi
& Quinn 2008, "Fightin' Words"), the prior being the pooled target + background counts.
Pure functions over documents; `background_from_sample` reads the shipped demo corpus for a
workspace that has a single creator and so nothing to compare against.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from operator import eq
from pathlib import Path

import yaml

from pipelines.ingest.parse import CAPTION_EXTS, parse_caption_file
from pipelines.settings import get_settings
from pipelines.voice.features import ENGLISH_FUNCTION_WORDS, word_spans

MIN_VIDEOS = 2  # a phrase must recur across videos, so one video's topic words cannot dominate
MAX_EXAMPLES = 3
CONTEXT_WORDS = 20
MAX_PHRASE_WORDS = 8  # how far a recurring phrase is grown past its n-gram

# Stopwords for phrase filtering: the function words plus their common contractions.
STOPWORDS = frozenset(ENGLISH_FUNCTION_WORDS) | {
    "it's", "that's", "there's", "here's", "what's", "who's", "let's", "i'm", "you're", "we're", "they're",
    "he's", "she's", "i've", "you've", "we've", "they've", "i'll", "you'll", "we'll", "they'll", "i'd",
    "you'd", "we'd", "they'd", "don't", "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "can't",
    "won't", "wouldn't", "couldn't", "shouldn't", "haven't", "hasn't",
}
_BREAK = (".", "!", "?", "…", ";", ":")  # n-grams do not cross sentence or clause ends
_CLOSERS = "\"'”’)]»"
_RAW = re.compile(r"\S+")


@dataclass(frozen=True)
class Doc:
    """One video's transcript: its id, title, URL and (start_s, text) segments."""

    video_id: int | str
    title: str
    url: str | None
    segments: Sequence[tuple[float | None, str]]


@dataclass(frozen=True)
class Example:
    """Where a phrase was said: the video, the start of its segment and ~20 words around it."""

    video_id: int | str
    title: str
    url: str | None
    start_s: float | None
    context: str


@dataclass(frozen=True)
class Phrase:
    """A signature phrase (an n-gram, grown while all its uses agree) with its z-score, counts
    (target and background occurrences, target videos) and example contexts."""

    ngram: str
    z: float
    target_count: int
    background_count: int
    n_videos: int
    examples: list[Example] = field(default_factory=list)


@dataclass
class _Tokens:
    """A document's word tokens with, per token, its raw word index, segment and clause id."""

    raw: list[str]
    tokens: list[str]
    raw_index: list[int]
    segment: list[int]
    clause: list[int]


def _tokenize(doc: Doc) -> _Tokens:
    """A document's tokens; a raw word ending in one of _BREAK closes a clause."""
    out = _Tokens([], [], [], [], [])
    clause = 0
    for seg_idx, (_, text) in enumerate(doc.segments):
        raw_words = list(_RAW.finditer(text))
        raw_starts = [m.start() for m in raw_words]
        ends_clause = [m.group().rstrip(_CLOSERS).endswith(_BREAK) for m in raw_words]
        clause_of = list(accumulate((0, *ends_clause[:-1]), initial=clause))[1:]
        for offset, tok in word_spans(text):
            k = bisect_right(raw_starts, offset) - 1
            out.tokens.append(tok)
            out.raw_index.append(len(out.raw) + k)
            out.segment.append(seg_idx)
            out.clause.append(clause_of[k])
        out.raw.extend(m.group() for m in raw_words)
        clause += sum(ends_clause)
    return out


Gram = tuple[str, ...]
Occurrence = tuple[int, int]  # (document index, index of the phrase's first token)


def _ngrams(toks: _Tokens, n: int) -> Iterator[tuple[int, Gram]]:
    """(start index, n-gram) for every n-gram inside one clause."""
    grams = zip(*(toks.tokens[k:] for k in range(n)))
    same_clause = map(eq, toks.clause, toks.clause[n - 1:])
    return ((i, g) for i, (g, ok) in enumerate(zip(grams, same_clause)) if ok)


def _positions(toks: Sequence[_Tokens], n: int, keep: Collection[Gram] | None = None) -> dict[Gram, list[Occurrence]]:
    """Where each n-gram occurs (only the n-grams in `keep`, when given)."""
    out: dict[Gram, list[Occurrence]] = defaultdict(list)
    for d, tk in enumerate(toks):
        for i, g in _ngrams(tk, n):
            if keep is None or g in keep:
                out[g].append((d, i))
    return out


def _span(toks: Sequence[_Tokens], occ: Occurrence, left: int, length: int) -> Gram | None:
    """The `length` tokens starting `left` tokens before an occurrence, if inside its clause."""
    tk = toks[occ[0]]
    a, b = occ[1] - left, occ[1] - left + length
    if a < 0 or b > len(tk.tokens) or tk.clause[a] != tk.clause[b - 1]:
        return None
    return tuple(tk.tokens[a:b])


def _extend(gram: Gram, occs: list[Occurrence], toks: Sequence[_Tokens]) -> tuple[int, Gram]:
    """Grow a phrase, up to MAX_PHRASE_WORDS, while every occurrence has the same word on that
    side: "stay curious and stay" becomes "until next time stay curious and stay careful".
    Returns how many words were added on the left and the grown phrase."""
    left = 0
    while len(gram) < MAX_PHRASE_WORDS:
        for new_left in (left, left + 1):  # one more word on the right, else one on the left
            spans = {_span(toks, o, new_left, len(gram) + 1) for o in occs}
            if len(spans) == 1 and None not in spans:
                left, gram = new_left, spans.pop()
                break
        else:
            return left, gram
    return left, gram


def _log_odds_z(y_t: int, y_b: int, n_t: int, n_b: int, alpha: int, alpha0: int) -> float:
    """Monroe et al. (2008) eq. 22 over eq. 20: the prior-smoothed log-odds difference / its std."""
    delta = (math.log((y_t + alpha) / (n_t + alpha0 - y_t - alpha))
             - math.log((y_b + alpha) / (n_b + alpha0 - y_b - alpha)))
    return delta / math.sqrt(1 / (y_t + alpha) + 1 / (y_b + alpha))


def _subgrams(gram: Gram) -> set[Gram]:
    """Every shorter contiguous part of `gram`."""
    return {gram[i:i + k] for k in range(1, len(gram)) for i in range(len(gram) - k + 1)}


def _examples(occs: list[Occurrence], length: int, docs: Sequence[Doc], toks: Sequence[_Tokens]) -> list[Example]:
    """Up to MAX_EXAMPLES uses of a phrase, one per video before a second from any video."""
    by_doc: dict[int, list[int]] = defaultdict(list)
    for d, i in occs:
        by_doc[d].append(i)
    order = sorted(((k, d, i) for d, starts in by_doc.items() for k, i in enumerate(starts)))[:MAX_EXAMPLES]
    out = []
    for _, d, i in order:
        tk, doc = toks[d], docs[d]
        first, last = tk.raw_index[i], tk.raw_index[i + length - 1]
        pad = max(0, (CONTEXT_WORDS - (last - first + 1)) // 2)
        context = " ".join(tk.raw[max(0, first - pad):last + 1 + pad])
        out.append(Example(doc.video_id, doc.title, doc.url, doc.segments[tk.segment[i]][0], context))
    return out


def signature_phrases(target_docs: Sequence[Doc], background_docs: Sequence[Doc], n: int = 25,
                      ngram: tuple[int, int] = (2, 4), min_videos: int = MIN_VIDEOS) -> list[Phrase]:
    """The n phrases the target over-uses most against the background, best first.

    N-grams of each order in `ngram` are scored against that order's totals, the prior for an
    n-gram being its pooled target + background count. Candidates have z > 0, occur in at least
    `min_videos` target videos and are not made only of STOPWORDS. Each is grown while all its
    uses share the next word (see `_extend`), so n-grams inside one longer recurring phrase
    collapse into it; a phrase contained in a longer kept one with the same target count is
    dropped. An empty background falls back to the demo corpus (`background_from_sample`).
    """
    if not target_docs:
        return []
    if not background_docs:
        background_docs = background_from_sample(exclude_docs=target_docs)
    target_toks = [_tokenize(d) for d in target_docs]
    background_toks = [_tokenize(d) for d in background_docs]
    best: dict[Gram, tuple[float, int, int, int, list[Occurrence]]] = {}
    for size in range(ngram[0], ngram[1] + 1):
        t_pos = {g: occs for g, occs in _positions(target_toks, size).items()
                 if len({d for d, _ in occs}) >= min_videos and not all(w in STOPWORDS for w in g)}
        b_pos = _positions(background_toks, size, keep=t_pos)
        n_t = sum(max(0, len(tk.tokens) - size + 1) for tk in target_toks)
        n_b = sum(max(0, len(tk.tokens) - size + 1) for tk in background_toks)
        for g, occs in t_pos.items():
            n_videos = len({d for d, _ in occs})
            y_t, y_b = len(occs), len(b_pos.get(g, ()))
            if _log_odds_z(y_t, y_b, n_t, n_b, y_t + y_b, n_t + n_b) <= 0:
                continue
            left, grown = _extend(g, occs, target_toks)
            if grown != g:
                y_b = sum(_span(background_toks, o, left, len(grown)) == grown for o in b_pos.get(g, ()))
            z = _log_odds_z(y_t, y_b, n_t, n_b, y_t + y_b, n_t + n_b)
            if grown not in best or z > best[grown][0]:
                best[grown] = (z, y_t, y_b, n_videos, [(d, i - left) for d, i in occs])
    covered = {sub for g, (_, y_t, *_) in best.items() for sub in _subgrams(g)
               if sub in best and best[sub][1] == y_t}
    ranked = sorted((g for g in best if g not in covered), key=lambda g: (-best[g][0], -best[g][3], g))
    return [Phrase(" ".join(g), z, y_t, y_b, n_videos, _examples(occs, len(g), target_docs, target_toks))
            for g in ranked[:n] for z, y_t, y_b, n_videos, occs in [best[g]]]


def sample_docs(sample_dir: Path | None = None) -> dict[str, list[Doc]]:
    """The demo corpus as Docs per creator slug; titles from creators.yaml, ids "slug/file-stem"."""
    root = sample_dir or get_settings().sample_dir
    manifest = yaml.safe_load((root / "creators.yaml").read_text(encoding="utf-8")) or []
    out: dict[str, list[Doc]] = {}
    for entry in manifest:
        folder = root / entry["slug"]
        if not folder.is_dir():
            continue
        titles = {stem: (meta or {}).get("title") for stem, meta in (entry.get("videos") or {}).items()}
        out[entry["slug"]] = [
            Doc(f"{entry['slug']}/{path.stem}", titles.get(path.stem) or path.stem, None,
                [(s.start_s, s.text) for s in parse_caption_file(path)])
            for path in sorted(folder.iterdir()) if path.suffix.lower() in CAPTION_EXTS
        ]
    return out


def background_from_sample(exclude: Collection[str] = (), exclude_docs: Sequence[Doc] = (),
                           sample_dir: Path | None = None) -> list[Doc]:
    """Demo-corpus documents as a built-in background, leaving out the creators whose slug is
    in `exclude` and any document whose text equals one of `exclude_docs` (a demo creator that
    was ingested into the workspace must not be its own background)."""
    taken = {" ".join(t for _, t in d.segments) for d in exclude_docs}
    return [d for slug, docs in sample_docs(sample_dir).items() if slug not in exclude for d in docs
            if " ".join(t for _, t in d.segments) not in taken]
