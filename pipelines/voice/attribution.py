"""Whose voice is this? N-way authorship attribution over known creators, and a fidelity score.

Two experts look at 300-word windows of text:

* an **n-gram model**: a class-balanced logistic regression over three sublinear TF-IDF
  views, each L2-normalised: character 1–4-grams of a *topic-masked* copy of the text
  (function words and punctuation kept, every other word replaced by asterisks of its
  length: Stamatatos' text distortion, which keeps style and hides topic), character
  2–5-grams within word boundaries, and word 1–2-grams;
* a **function-word profile**: cosine Delta (Burrows' Delta with cosine distance) between a
  window's function-word rates, z-scored by the training windows, and each creator's mean.

A combiner weighs the two (`a * log p - b * delta`, then a softmax) and a calibrator maps
(combined log-odds for a creator, delta z-scored against that creator's own windows) to a
fidelity in 0..1. Both are fit on out-of-fold predictions of an inner cross-validation
grouped by video, so their weights reflect how the experts do on unseen videos; every
part — vocabularies, idf, z-scores, profiles — is fit on the training documents only.

Training videos and scored texts are cut into near-equal windows of about 300 words that
cover every word (`scoring_windows`). A longer text is scored window by window and its
window log-probabilities are averaged: the argmax equals that of the sum, the usual
whole-video aggregation, while the probability stays on a per-window scale.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import FeatureUnion

from pipelines.errors import ScriptwrightError
from pipelines.settings import Settings
from pipelines.voice.documents import WINDOW_WORDS, Document

MIN_WORDS = 50  # below this a text gets flags, no number
MIN_VIDEOS = 3  # a creator needs this many videos for a voice profile
NON_ENGLISH_RATIO = 0.2  # English prose runs at 0.4-0.6 function words per word
INNER_FOLDS = 3
PULL_WORDS = 100  # function words named in `pulls_away`: the most frequent in training
MODEL_VERSION = 1

# Function words: scikit-learn's English stop-word list plus the contractions and discourse
# markers of spoken English. Topic-free, used at rates a speaker does not choose.
FUNCTION_WORDS = frozenset(ENGLISH_STOP_WORDS) | frozenset({
    "i'm", "i've", "i'll", "i'd", "you're", "you've", "you'll", "you'd", "we're", "we've", "we'll", "we'd",
    "they're", "they've", "they'll", "it's", "that's", "there's", "here's", "what's", "let's", "don't",
    "doesn't", "didn't", "isn't", "aren't", "wasn't", "weren't", "can't", "couldn't", "won't", "wouldn't",
    "shouldn't", "haven't", "hasn't", "just", "really", "actually", "okay", "like", "right", "maybe",
    "pretty", "lot", "kind", "sort", "basically", "gonna", "yes", "yeah", "oh",
})

_WORD = re.compile(r"[a-z]+(?:'[a-z]+)*")
_TOKEN = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*|\d+")
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+|(?<=[.!?…][\"'”’)\]])\s+")


def _plain(text: str) -> str:
    """Lower case with typographic apostrophes and quotes straightened."""
    return text.lower().replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


def _masked(text: str) -> str:
    """Text distortion: function words and punctuation stay, other words become '*' per
    letter and numbers '#', so character n-grams see style, not topic."""

    def mask(m: re.Match[str]) -> str:
        word = m.group(0).lower()
        if word in FUNCTION_WORDS:
            return word
        return "#" if word[0].isdigit() else "*" * len(word)

    return _TOKEN.sub(mask, _plain(text))


def _tokens(text: str) -> list[str]:
    return _WORD.findall(_plain(text))


def _function_ratio(text: str) -> float:
    toks = _tokens(text)
    return sum(t in FUNCTION_WORDS for t in toks) / len(toks) if toks else 0.0


def scoring_windows(text: str, size: int = WINDOW_WORDS) -> list[str]:
    """The windows a whole text is trained and scored on: the fewest near-equal consecutive
    pieces of about `size` words that cover every word (a 420-word text is one window, a
    2,000-word script seven of about 286), so no ending is ever left unscored."""
    words = text.split()
    n = max(1, int(len(words) / size + 0.5))
    bounds = [round(i * len(words) / n) for i in range(n + 1)]
    return [" ".join(words[a:b]) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def _vectorizer() -> FeatureUnion:
    common: dict[str, Any] = {"sublinear_tf": True, "min_df": 2, "dtype": np.float32}
    return FeatureUnion([
        ("style", TfidfVectorizer(analyzer="char", ngram_range=(1, 4), preprocessor=_masked, lowercase=False,
                                  **common)),
        ("char", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), preprocessor=_plain, lowercase=False,
                                 **common)),
        ("word", TfidfVectorizer(analyzer="word", ngram_range=(1, 2), preprocessor=_plain, lowercase=False,
                                 token_pattern=r"[a-z0-9]+(?:'[a-z]+)*", **common)),
    ])


class _Profile:
    """Cosine Delta: function-word rates z-scored over training windows; a centroid per creator."""

    def fit(self, texts: list[str], labels: np.ndarray, classes: np.ndarray) -> _Profile:
        counts = Counter(t for text in texts for t in _tokens(text) if t in FUNCTION_WORDS)
        self.words = sorted(counts)
        # the most frequent ones are stable enough to name as reasons (rare ones swing wildly)
        frequent = {w for w, _ in counts.most_common(PULL_WORDS)}
        self.common = np.array([w in frequent for w in self.words], dtype=bool)
        self.vec = CountVectorizer(vocabulary=self.words, preprocessor=_plain, token_pattern=_WORD.pattern,
                                   dtype=np.float64)
        rates = self.rates(texts)
        self.mu = rates.mean(0)
        self.sd = rates.std(0) + 1e-6
        z = (rates - self.mu) / self.sd
        self.centroids = np.vstack([z[labels == c].mean(0) for c in classes])
        return self

    def rates(self, texts: list[str]) -> np.ndarray:
        counts = self.vec.transform(texts).toarray()
        totals = np.array([max(1, len(_tokens(t))) for t in texts], dtype=np.float64)
        return counts / totals[:, None]

    def zscores(self, texts: list[str]) -> np.ndarray:
        return (self.rates(texts) - self.mu) / self.sd

    def distances(self, texts: list[str], z: np.ndarray | None = None) -> np.ndarray:
        """Cosine distance (0..2) from each text to each creator's centroid."""
        z = self.zscores(texts) if z is None else z
        a = z / (np.linalg.norm(z, axis=1, keepdims=True) + 1e-12)
        b = self.centroids / (np.linalg.norm(self.centroids, axis=1, keepdims=True) + 1e-12)
        return 1.0 - a @ b.T


class _Experts:
    """The n-gram model and the function-word profile, fit on one set of windows."""

    def fit(self, texts: list[str], labels: np.ndarray, classes: np.ndarray) -> _Experts:
        self.vectorizer = _vectorizer()
        x = self.vectorizer.fit_transform(texts)
        self.lr = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
        self.lr.fit(x, labels)
        if list(self.lr.classes_) != list(classes):
            raise ScriptwrightError("Every creator needs training windows; one has none.")
        self.profile = _Profile().fit(texts, labels, classes)
        return self

    def outputs(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(n-gram log-probabilities, Delta distances), both texts × creators."""
        x = self.vectorizer.transform(texts)
        return self.lr.predict_log_proba(x), self.profile.distances(texts)


@dataclass(frozen=True)
class Pull:
    """One feature that pulls a text away from a creator's voice."""

    feature: str
    kind: str  # "function word" | "word n-gram" | "character n-gram" | "style pattern"
    direction: str  # "more": the text uses it more than the creator would; "less": less
    weight: float  # how hard it pulls (log-odds for n-grams, standard deviations for function words)


@dataclass(frozen=True)
class SentenceScore:
    index: int  # position of the sentence (or group of short sentences) in the text
    text: str
    score: float  # n-gram model log-odds that this passage is the creator's; lower = less like them


@dataclass(frozen=True)
class VoiceScore:
    creator: str
    n_words: int
    probability: float | None = None  # P(this creator | text) among the model's creators
    fidelity: float | None = None  # calibrated 0..1 "sounds like this creator"
    best_match: str | None = None  # the most likely creator among the known ones
    too_short: bool = False
    non_english: bool = False
    # Function-word (Delta) distance to the creator's profile in standard deviations of their
    # own held-out windows: 0 is as typical as their average window, 2+ is unusual for them.
    # `fidelity` ranks among the known creators only; a high profile_z with a high fidelity
    # means "nearest to this creator, but unlike their own videos".
    profile_z: float | None = None
    n_windows: int = 0
    pulls_away: tuple[Pull, ...] = ()
    off_voice_sentences: tuple[SentenceScore, ...] = ()
    message: str | None = None


@dataclass
class _Fit:
    """What the combiner and calibrator learned from out-of-fold predictions."""

    a: float = 1.0
    b: float = 0.0
    own_mu: np.ndarray = field(default_factory=lambda: np.zeros(0))
    own_sd: np.ndarray = field(default_factory=lambda: np.ones(0))
    calibrator: LogisticRegression | None = None


def _balanced_weights(y: np.ndarray, k: int) -> np.ndarray:
    counts = np.bincount(y, minlength=k).astype(float)
    return (len(y) / (k * np.maximum(counts, 1)))[y]


def _log_odds(logp: np.ndarray) -> np.ndarray:
    """log p / (1 - p) from log p, clipped to a finite range."""
    logp = np.minimum(logp, -1e-12)
    return np.clip(logp - np.log(-np.expm1(logp)), -30.0, 30.0)


class VoiceModel:
    """Attribution among known creators, and fidelity to one of them."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.classes: np.ndarray = np.array([])
        self.names: dict[str, str] = {}
        self.n_videos: dict[str, int] = {}

    # ---- training -------------------------------------------------------------------------

    @staticmethod
    def check(documents: list[Document], min_videos: int = MIN_VIDEOS) -> dict[str, int]:
        """Videos per creator; a ScriptwrightError when the set cannot train a model."""
        per: Counter[str] = Counter()
        for d in documents:
            if len(d.text.split()) >= MIN_WORDS:
                per[d.creator] += 1
        short = {d.creator for d in documents} - set(per)
        few = sorted((c, per[c]) for c in set(per) | short if per[c] < min_videos)
        if few:
            listing = ", ".join(f"{c} has {n}" for c, n in few)
            raise ScriptwrightError(
                f"A voice profile needs at least {min_videos} videos of {MIN_WORDS}+ words per creator; "
                f"{listing}. Ingest more of their videos first."
            )
        if len(per) < 2:
            raise ScriptwrightError(
                "Voice scoring compares creators: it needs at least two creators with videos; "
                f"found {len(per)}. Ingest another creator's videos first."
            )
        return dict(per)

    def fit(self, documents: list[Document], min_videos: int = MIN_VIDEOS) -> VoiceModel:
        """Train on windows of these videos (creators with < `min_videos` videos are an error)."""
        self.n_videos = self.check(documents, min_videos)
        self.classes = np.array(sorted(self.n_videos))
        self.names = {d.creator: d.creator_name for d in documents}
        texts, labels, groups = [], [], []
        for d in documents:
            if len(d.text.split()) < MIN_WORDS:
                continue
            for w in scoring_windows(d.text):
                texts.append(w)
                labels.append(d.creator)
                groups.append(f"{d.creator}\x00{d.video_id}")
        y = np.array(labels)
        self._fit = self._fit_combiner(texts, y, np.array(groups))
        self.experts = _Experts().fit(texts, y, self.classes)
        self.feature_names = self.experts.vectorizer.get_feature_names_out()
        return self

    def _fit_combiner(self, texts: list[str], y: np.ndarray, groups: np.ndarray) -> _Fit:
        """Inner cross-validation by video: out-of-fold expert outputs train the combiner and
        the fidelity calibrator."""
        k = len(self.classes)
        n_splits = min(INNER_FOLDS, min(self.n_videos.values()))
        logp = np.zeros((len(texts), k))
        dist = np.zeros((len(texts), k))
        arr = np.array(texts, dtype=object)
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=self.seed)
        for tr, te in splitter.split(arr, y, groups):
            experts = _Experts().fit(list(arr[tr]), y[tr], self.classes)
            logp[te], dist[te] = experts.outputs(list(arr[te]))
        yi = np.searchsorted(self.classes, y)
        w = _balanced_weights(yi, k)
        rows = np.arange(len(y))

        def loss(p: np.ndarray) -> float:
            s = log_softmax(p[0] * logp - p[1] * dist, axis=1)
            # a small ridge keeps the weights finite when the creators are perfectly separable
            return float(-(w * s[rows, yi]).sum() / w.sum() + 1e-3 * (p @ p))

        res = minimize(loss, np.array([1.0, 1.0]), method="L-BFGS-B", bounds=[(0.0, None), (0.0, None)])
        fit = _Fit(a=float(res.x[0]), b=float(res.x[1]))
        own = dist[rows, yi]
        fit.own_mu = np.array([own[yi == j].mean() for j in range(k)])
        fit.own_sd = np.array([own[yi == j].std() + 1e-3 for j in range(k)])
        combined = log_softmax(fit.a * logp - fit.b * dist, axis=1)
        feats = self._calibration_features(combined, dist, fit)
        target = (yi[:, None] == np.arange(k)[None, :])
        fit.calibrator = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
        fit.calibrator.fit(feats.reshape(-1, 2), target.ravel())
        return fit

    @staticmethod
    def _calibration_features(combined: np.ndarray, dist: np.ndarray, fit: _Fit) -> np.ndarray:
        """Per (text, creator): combined log-odds and the Delta distance z-scored against the
        creator's own held-out windows; shape texts × creators × 2."""
        return np.stack([_log_odds(combined), (dist - fit.own_mu) / fit.own_sd], axis=2)

    # ---- scoring ----------------------------------------------------------------------------

    def _require_fitted(self) -> None:
        if not hasattr(self, "experts"):
            raise ScriptwrightError("The voice model is not trained yet; fit it on some creators' videos first.")

    def _slug(self, creator: str) -> str:
        """A creator's slug from its slug or display name."""
        if creator in self.classes:
            return creator
        by_name = {name.lower(): slug for slug, name in self.names.items()}
        return by_name.get(creator.lower(), creator)

    def window_scores(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each text as one window: (combined log-probabilities, fidelities), texts × creators."""
        self._require_fitted()
        logp, dist = self.experts.outputs(texts)
        combined = log_softmax(self._fit.a * logp - self._fit.b * dist, axis=1)
        return combined, self._fidelity(combined, dist)

    def _fidelity(self, combined: np.ndarray, dist: np.ndarray) -> np.ndarray:
        feats = self._calibration_features(combined, dist, self._fit)
        assert self._fit.calibrator is not None
        return self._fit.calibrator.predict_proba(feats.reshape(-1, 2))[:, 1].reshape(combined.shape)

    def _pooled(self, windows_: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Mean window log-probabilities (renormalised), mean distances, and the raw n-gram
        log-probabilities of each window."""
        logp, dist = self.experts.outputs(windows_)
        combined = log_softmax(self._fit.a * logp - self._fit.b * dist, axis=1)
        pooled = log_softmax(combined.mean(0))
        return pooled, dist.mean(0), logp

    def predict_proba(self, texts: list[str]) -> tuple[list[str], np.ndarray]:
        """(creator slugs, texts × creators probabilities); long texts pool their windows."""
        self._require_fitted()
        out = np.zeros((len(texts), len(self.classes)))
        for i, text in enumerate(texts):
            if not text or not text.split():
                raise ScriptwrightError("Cannot score an empty text; paste or write some script first.")
            out[i] = np.exp(self._pooled(scoring_windows(text))[0])
        return [str(c) for c in self.classes], out

    def score_text(self, text: str, creator: str, top: int = 5) -> VoiceScore:
        """How much a text sounds like one creator, and what pulls it away."""
        self._require_fitted()
        if text is None or not text.strip():
            raise ScriptwrightError("Cannot score an empty text; paste or write some script first.")
        creator = self._slug(creator)
        if creator not in self.classes:
            raise ScriptwrightError(
                f"No voice profile for '{creator}' in this model (it knows {', '.join(self.classes)}); "
                f"a creator needs at least {MIN_VIDEOS} ingested videos and a retrained model."
            )
        n_words = len(text.split())
        if n_words < MIN_WORDS:
            return VoiceScore(creator, n_words, too_short=True,
                              message=f"Too short to judge: {n_words} words; the scorer needs at least {MIN_WORDS}.")
        if _function_ratio(text) < NON_ENGLISH_RATIO:
            return VoiceScore(creator, n_words, non_english=True,
                              message="This does not read as English; the voice model only knows English.")
        j = int(np.searchsorted(self.classes, creator))
        wins = scoring_windows(text)
        pooled, dist, logp = self._pooled(wins)
        fidelity = float(self._fidelity(pooled[None, :], dist[None, :])[0, j])
        profile_z = float((dist[j] - self._fit.own_mu[j]) / self._fit.own_sd[j])
        return VoiceScore(
            creator, n_words,
            probability=float(np.exp(pooled[j])),
            fidelity=fidelity,
            profile_z=round(profile_z, 3),
            best_match=str(self.classes[int(np.argmax(pooled))]),
            n_windows=len(wins),
            pulls_away=tuple(self._ngram_pulls(wins, j, top) + self._profile_pulls(wins, j, top)),
            off_voice_sentences=tuple(self.off_voice_sentences(text, creator, top=min(top, 3))),
        )

    def _ngram_pulls(self, wins: list[str], j: int, top: int) -> list[Pull]:
        """n-grams present in the text whose weights push the creator's log-probability down:
        contribution x_f * (w_jf - sum_c p_c w_cf), averaged over windows."""
        x = self.experts.vectorizer.transform(wins)
        probs = self.experts.lr.predict_proba(x)
        coef = self.experts.lr.coef_
        if coef.shape[0] == 1:  # binary: one row, for the second class
            coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        contrib = np.zeros(x.shape[1])
        for r in range(x.shape[0]):
            row = x.getrow(r)
            idx = row.indices
            grad = coef[j, idx] - probs[r] @ coef[:, idx]
            contrib[idx] += row.data * grad
        contrib /= x.shape[0]
        order = np.argsort(contrib)[:top]
        kinds = {"style": "style pattern", "char": "character n-gram", "word": "word n-gram"}
        out = []
        for f in order:
            if contrib[f] >= 0:
                break
            view, _, gram = str(self.feature_names[f]).partition("__")
            out.append(Pull(gram, kinds.get(view, view), "more", round(float(-contrib[f]), 4)))
        return out

    def _profile_pulls(self, wins: list[str], j: int, top: int) -> list[Pull]:
        """Function words whose rate differs most from the creator's (in training-window sds)."""
        profile = self.experts.profile
        z = profile.zscores(wins).mean(0)
        diff = np.where(profile.common, z - profile.centroids[j], 0.0)
        order = np.argsort(-np.abs(diff))[:top]
        return [Pull(profile.words[f], "function word", "more" if diff[f] > 0 else "less", round(float(abs(diff[f])), 3))
                for f in order]

    def off_voice_sentences(self, text: str, creator: str, top: int = 3) -> list[SentenceScore]:
        """The passages (a sentence, or short sentences joined to 12+ words) that sound least like
        the creator under the n-gram model, worst first."""
        self._require_fitted()
        creator = self._slug(creator)
        if creator not in self.classes:
            raise ScriptwrightError(f"No voice profile for '{creator}' in this model.")
        j = int(np.searchsorted(self.classes, creator))
        units = passages(text)
        if len(units) < 2:
            return []
        logp = self.experts.lr.predict_log_proba(self.experts.vectorizer.transform(units))
        odds = _log_odds(logp[:, j])
        order = np.argsort(odds)[:top]
        return [SentenceScore(int(i), units[i], round(float(odds[i]), 3)) for i in order]

    # ---- persistence -------------------------------------------------------------------------

    def save(self, path: Path) -> Path:
        self._require_fitted()
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump({"version": MODEL_VERSION, "model": self}, path)
        return path

    @staticmethod
    def load(path: Path) -> VoiceModel:
        path = Path(path)
        if not path.exists():
            raise ScriptwrightError(f"No voice model at {path}; train one first.")
        try:
            blob = joblib.load(path)
        except Exception as exc:  # a truncated or foreign file
            raise ScriptwrightError(f"{path} is not a readable voice model ({exc}); retrain it.") from exc
        if not isinstance(blob, dict) or blob.get("version") != MODEL_VERSION or not isinstance(blob.get("model"), VoiceModel):
            raise ScriptwrightError(f"{path} was saved by another version of Scriptwright; retrain the voice model.")
        return blob["model"]


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


def model_path(settings: Settings) -> Path:
    """Where the app keeps its trained voice model."""
    return settings.root / "models" / "voice.joblib"


def train(settings: Settings, creators: list[str] | None = None) -> VoiceModel:
    """A voice model trained on the stored videos of these creators (all when None)."""
    from pipelines.voice.documents import load_documents

    return VoiceModel().fit(load_documents(settings, creators))


__all__ = ["FUNCTION_WORDS", "MIN_VIDEOS", "MIN_WORDS", "Pull", "SentenceScore", "VoiceModel", "VoiceScore",
           "model_path", "passages", "scoring_windows", "train"]
