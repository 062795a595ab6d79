"""Text features shared by the voice models: function words, topic masking (for the TF-IDF views),
the function-word profile (cosine Delta), scoring windows and sentence-level passages.

Pure functions and small fitted objects; no storage, no creators.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise

import numpy as np
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer

from pipelines.voice.documents import WINDOW_WORDS

# Spoken function words: scikit-learn's English stop-word list plus the contractions and discourse
# markers of spoken English. Topic-free, used at rates a speaker does not choose: what the scorer's
# masked text keeps, its function-word ratio counts and its Delta profile measures.
SPOKEN_FUNCTION_WORDS = frozenset(ENGLISH_STOP_WORDS) | frozenset({
    "i'm", "i've", "i'll", "i'd", "you're", "you've", "you'll", "you'd", "we're", "we've", "we'll", "we'd",
    "they're", "they've", "they'll", "it's", "that's", "there's", "here's", "what's", "let's", "don't",
    "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "can't", "couldn't", "won't", "wouldn't",
    "shouldn't", "haven't", "hasn't", "just", "really", "actually", "okay", "like", "right", "maybe",
    "pretty", "lot", "kind", "sort", "basically", "gonna", "yes", "yeah", "oh",
})

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*|\d+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[.!?…][\"'”’)\]])\s+")


def plain(text: str) -> str:
    """Lower case with typographic apostrophes and quotes straightened."""
    return text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


def masked(text: str) -> str:
    """Text distortion: function words and punctuation stay, other words become '*' per
    letter and numbers '#', so character n-grams see style, not topic."""

    def mask(m: re.Match[str]) -> str:
        word = m.group(0).lower()
        if word in SPOKEN_FUNCTION_WORDS:
            return word
        return "#" if word[0].isdigit() else "*" * len(word)

    return _TOKEN.sub(mask, plain(text))


def tokens(text: str) -> list[str]:
    return _WORD.findall(plain(text))


def function_ratio(text: str) -> float:
    toks = tokens(text)
    return sum(t in SPOKEN_FUNCTION_WORDS for t in toks) / len(toks) if toks else 0.0


def scoring_windows(text: str, size: int = WINDOW_WORDS) -> list[str]:
    """The windows a whole text is trained and scored on: the fewest near-equal consecutive
    pieces of about `size` words that cover every word (a 420-word text is one window, a
    2,000-word script seven of about 286), so no ending is ever left unscored."""
    words = text.split()
    n = max(1, int(len(words) / size + 0.5))
    bounds = [round(i * len(words) / n) for i in range(n + 1)]
    return [" ".join(words[a:b]) for a, b in pairwise(bounds) if b > a]


class Profile:
    """Cosine Delta: function-word rates z-scored over training windows; a centroid per creator."""

    def fit(self, texts: list[str], labels: np.ndarray, classes: np.ndarray) -> Profile:
        counts = Counter(t for text in texts for t in tokens(text) if t in SPOKEN_FUNCTION_WORDS)
        self.words = sorted(counts)
        self.vec = CountVectorizer(vocabulary=self.words, preprocessor=plain, token_pattern=_WORD.pattern,
                                   dtype=np.float64)
        rates = self.rates(texts)
        self.mu = rates.mean(0)
        self.sd = rates.std(0) + 1e-6
        z = (rates - self.mu) / self.sd
        self.centroids = np.vstack([z[labels == c].mean(0) for c in classes])
        return self

    def rates(self, texts: list[str]) -> np.ndarray:
        counts = self.vec.transform(texts).toarray()
        totals = np.array([max(1, len(tokens(t))) for t in texts], dtype=np.float64)
        return counts / totals[:, None]

    def zscores(self, texts: list[str]) -> np.ndarray:
        return (self.rates(texts) - self.mu) / self.sd

    def distances(self, texts: list[str], z: np.ndarray | None = None) -> np.ndarray:
        """Cosine distance (0..2) from each text to each creator's centroid."""
        z = self.zscores(texts) if z is None else z
        a = z / (np.linalg.norm(z, axis=1, keepdims=True) + 1e-12)
        b = self.centroids / (np.linalg.norm(self.centroids, axis=1, keepdims=True) + 1e-12)
        return 1.0 - a @ b.T



def log_odds(logp: np.ndarray) -> np.ndarray:
    """log p / (1 - p) from log p, clipped to a finite range."""
    logp = np.minimum(logp, -1e-12)
    return np.clip(logp - np.log(-np.expm1(logp)), -30.0, 30.0)


def passages(text: str, min_words: int = 12, max_words: int = 40) -> list[str]:
    """Sentences, with short ones joined to the next until `min_words`; unpunctuated runs
    longer than `max_words` (ASR transcripts) are cut into pieces of `max_words`."""
    sentences = [s for s in _SENTENCE_END.split(text.strip()) if s.strip()]
    pieces: list[str] = []
    for s in sentences:
        words = s.split()
        pieces += [" ".join(words[i:i + max_words]) for i in range(0, len(words), max_words)]
    out: list[str] = []
    buf: list[str] = []
    for p in pieces:
        buf.append(p)
        if sum(len(b.split()) for b in buf) >= min_words:
            out.append(" ".join(buf))
            buf = []
    if buf:
        if out and len(" ".join(buf).split()) < min_words // 2:
            out[-1] = out[-1] + " " + " ".join(buf)
        else:
            out.append(" ".join(buf))
    return out
