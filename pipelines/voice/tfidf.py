"""TF-IDF over n-grams counted once per text per process.

Cross-validation fits many vectorizers on overlapping sets of the same windows, and scores the
same unseen videos in every fold. scikit-learn's `TfidfVectorizer` cuts every text into n-grams
again on every fit and transform; that was 70 % of a `voice validate` run. Here each text is
cut once per process into counts over a process-wide numbering of n-grams (`_Index`); a fit
selects the n-grams found in at least `min_df` of its texts and weights them, a transform
selects the same columns. The matrices equal `TfidfVectorizer`'s with the same analyser,
`sublinear_tf=True`, smooth idf, l2 rows and features in sorted order (tests/unit/test_tfidf.py).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize

from pipelines.voice.ngrams import masked, plain

MAX_TERMS = 4_000_000  # n-grams of a view one process keeps numbered before it starts over
MAX_COUNTS = 8_000_000  # counts of a view kept for texts seen before (8 bytes each) before they are dropped


def _analyzers() -> dict[str, Callable[[str], list[str]]]:
    """scikit-learn's own analysers for the three views, so the n-grams are exactly its n-grams."""
    views = {
        "style": TfidfVectorizer(analyzer="char", ngram_range=(1, 4), preprocessor=masked, lowercase=False),
        "char": TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), preprocessor=plain, lowercase=False),
        "word": TfidfVectorizer(analyzer="word", ngram_range=(1, 2), preprocessor=plain, lowercase=False,
                                token_pattern=r"[a-z0-9]+(?:'[a-z]+)*"),
    }
    return {name: v.build_analyzer() for name, v in views.items()}


class _Numbering(dict[str, int]):
    """n-gram -> number; an unknown n-gram gets the next number (and joins `terms`) when looked up."""

    def __init__(self) -> None:
        super().__init__()
        self.terms: list[str] = []

    def __missing__(self, term: str) -> int:
        number = self[term] = len(self.terms)
        self.terms.append(term)
        return number


class _Index:
    """Every n-gram of one view this process has seen, numbered in order of first sight, and
    each text's counts over those numbers. Past MAX_COUNTS the counts kept are dropped; past
    MAX_TERMS the numbering starts over (a new `generation`)."""

    def __init__(self, analyze: Callable[[str], list[str]]) -> None:
        self.analyze = analyze
        self.lock = threading.Lock()
        self.generation = 0
        self._reset()

    def _reset(self) -> None:
        self.ids = _Numbering()
        self.terms = self.ids.terms
        self.rows: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        self.kept = 0

    def counts(self, texts: Sequence[str]) -> tuple[sparse.csr_matrix, int]:
        """The texts' counts (texts × n-grams numbered so far) and the numbering's generation."""
        with self.lock:
            if len(self.terms) > MAX_TERMS:
                self._reset()
                self.generation += 1
            elif self.kept > MAX_COUNTS:
                self.rows, self.kept = {}, 0
            rows = [self._row(t) for t in texts]
            generation, width = self.generation, len(self.terms)
        indptr = np.zeros(len(rows) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(ids) for ids, _ in rows])
        indices = np.concatenate([ids for ids, _ in rows]) if rows else np.zeros(0, np.int32)
        data = np.concatenate([c for _, c in rows]) if rows else np.zeros(0, np.float32)
        return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), width)), generation

    def _row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        hit = self.rows.get(text)
        if hit is None:
            counted = Counter(self.analyze(text))
            ids = np.fromiter(map(self.ids.__getitem__, counted), dtype=np.int32, count=len(counted))
            hit = self.rows[text] = (ids, np.fromiter(counted.values(), dtype=np.float32, count=len(counted)))
            self.kept += len(ids)
        return hit

    def columns(self, vocabulary: dict[str, int], known: np.ndarray, generation: int) -> np.ndarray:
        """`known` (column of each n-gram number, -1 if not in the vocabulary) extended to every
        n-gram numbered so far; rebuilt from scratch after the index started over."""
        with self.lock:
            start = len(known) if generation == self.generation else 0
            out = np.full(len(self.terms), -1, dtype=np.int64)
            out[:start] = known[:start]
            for i in range(start, len(self.terms)):
                out[i] = vocabulary.get(self.terms[i], -1)
            return out


_INDEXES: dict[str, _Index] = {}
_INDEXES_LOCK = threading.Lock()


def _index(view: str) -> _Index:
    with _INDEXES_LOCK:
        if not _INDEXES:
            _INDEXES.update({name: _Index(fn) for name, fn in _analyzers().items()})
        return _INDEXES[view]


class _View:
    """One view's fitted vocabulary (n-gram -> column, in sorted order) and idf."""

    def __init__(self, name: str, min_df: int) -> None:
        self.name = name
        self.min_df = min_df
        self._columns: tuple[int, np.ndarray] | None = None  # (generation, column of each n-gram number)

    def __getstate__(self) -> dict[str, Any]:
        return {**self.__dict__, "_columns": None}  # n-gram numbers mean nothing in another process

    def fit_transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        counts, generation = _index(self.name).counts(texts)
        df = np.bincount(counts.indices, minlength=counts.shape[1])
        kept = np.flatnonzero(df >= self.min_df)
        if not len(kept):
            raise ValueError("After pruning, no terms remain. Try a lower min_df or a higher max_df.")
        terms = _index(self.name).terms
        kept = kept[np.argsort(np.array([terms[i] for i in kept], dtype=object), kind="stable")]
        self.vocabulary_ = {terms[i]: col for col, i in enumerate(kept)}
        n = np.float32(len(texts) + 1)
        self.idf_ = (np.log(n / (df[kept].astype(np.float32) + np.float32(1))) + np.float32(1)).astype(np.float32)
        cols = np.full(counts.shape[1], -1, dtype=np.int64)
        cols[kept] = np.arange(len(kept))
        self._columns = (generation, cols)
        return self._weigh(counts, cols)

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        index = _index(self.name)
        counts, generation = index.counts(texts)
        known = self._columns
        if known is None or known[0] != generation or len(known[1]) < counts.shape[1]:
            cols = index.columns(self.vocabulary_, known[1] if known else np.zeros(0, np.int64),
                                 known[0] if known else -1)
            self._columns = known = (generation, cols)
        return self._weigh(counts, known[1][:counts.shape[1]])

    def _weigh(self, counts: sparse.csr_matrix, cols: np.ndarray) -> sparse.csr_matrix:
        mapped = cols[counts.indices]
        keep = mapped >= 0
        row_of = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))[keep]
        data = np.log(counts.data[keep]) + np.float32(1)
        data *= self.idf_[mapped[keep]]
        x = sparse.csr_matrix((data.astype(np.float32), (row_of, mapped[keep])),
                              shape=(counts.shape[0], len(self.idf_)), dtype=np.float32)
        x.sort_indices()
        return normalize(x, norm="l2", copy=False)

    def get_feature_names_out(self) -> np.ndarray:
        return np.array(sorted(self.vocabulary_, key=self.vocabulary_.__getitem__), dtype=object)


class NgramTfidf:
    """The voice models' features: sublinear TF-IDF, each view l2-normalised, side by side —
    `style` (character 1-4-grams of the topic-masked text), `char` (character 2-5-grams within
    word boundaries) and `word` (word 1-2-grams). Fit/transform like a scikit-learn vectorizer."""

    def __init__(self, min_df: int = 2) -> None:
        self.views = [_View(name, min_df) for name in ("style", "char", "word")]

    def fit_transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return sparse.hstack([v.fit_transform(texts) for v in self.views], format="csr")

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return sparse.hstack([v.transform(texts) for v in self.views], format="csr")

    def get_feature_names_out(self) -> np.ndarray:
        return np.concatenate([np.array([f"{v.name}__{n}" for n in v.get_feature_names_out()], dtype=object)
                               for v in self.views])
