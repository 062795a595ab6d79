"""Whose voice is this? Open-set fidelity to a creator, and attribution among known creators.

Fidelity — does this text sound like creator C rather than like anyone else? — comes from the
open-set verifier (`verification.py`), trained against a background of many real voices, so
it means the same in a one-creator workspace. With two or more creators the model also
attributes a text among them (closed set), which is what the rest of this docstring describes.

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

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import joblib
import numpy as np
from scipy.optimize import minimize
from scipy.special import log_softmax
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold

from pipelines.errors import ScriptwrightError
from pipelines.voice.documents import Document
from pipelines.voice.ngrams import (
    SPOKEN_FUNCTION_WORDS,
    Profile,
    function_ratio,
    log_odds,
    passages,
    scoring_windows,
)
from pipelines.voice.tfidf import NgramTfidf
from pipelines.voice.verification import Pull, Verifier, training_windows

MIN_WORDS = 50  # below this a text gets flags, no number
MIN_VIDEOS = 3  # a creator needs this many videos for a voice profile
NON_ENGLISH_RATIO = 0.2  # English prose runs at 0.4-0.6 function words per word
INNER_FOLDS = 3
MODEL_VERSION = 2  # 2: open-set verifier against the background

class _Experts:
    """The n-gram model and the function-word profile, fit on one set of windows."""

    def fit(self, texts: list[str], labels: np.ndarray, classes: np.ndarray) -> _Experts:
        self.vectorizer = NgramTfidf()
        x = self.vectorizer.fit_transform(texts)
        self.lr = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
        self.lr.fit(x, labels)
        if list(self.lr.classes_) != list(classes):
            raise ScriptwrightError("Every creator needs training windows; one has none.")
        self.profile = Profile().fit(texts, labels, classes)
        return self

    def outputs(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """(n-gram log-probabilities, Delta distances), both texts × creators."""
        x = self.vectorizer.transform(texts)
        return self.lr.predict_log_proba(x), self.profile.distances(texts)


@dataclass(frozen=True)
class SentenceScore:
    index: int  # position of the sentence (or group of short sentences) in the text
    text: str
    score: float  # the verifier's log-odds that this passage is the creator's; lower = less like them


@dataclass(frozen=True)
class VoiceScore:
    creator: str
    n_words: int
    probability: float | None = None  # P(this creator | text) among the workspace's creators (2+ creators)
    fidelity: float | None = None  # calibrated 0..1: this creator rather than anyone else (open set)
    best_match: str | None = None  # the most likely creator among the workspace's ones (2+ creators)
    too_short: bool = False
    non_english: bool = False
    threshold: float | None = None  # the operating point: at or above it the text sounds like the creator
    sounds_like: bool | None = None  # fidelity >= threshold
    # Function-word (Delta) distance to the creator's profile in standard deviations of their
    # own held-out windows: 0 is as typical as their average window, 2+ is unusual for them.
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



class VoiceModel:
    """A workspace's voice model: open-set fidelity to each creator against a background of
    other voices (`verification.Verifier`) and, with two or more creators, attribution among them."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.classes: np.ndarray = np.array([])
        self.names: dict[str, str] = {}
        self.n_videos: dict[str, int] = {}
        self.verifier: Verifier | None = None
        self.attributes = False  # whether the closed-set attribution part is trained

    # ---- training -------------------------------------------------------------------------

    @staticmethod
    def check(documents: list[Document], min_videos: int = MIN_VIDEOS, min_creators: int = 2) -> dict[str, int]:
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
        if len(per) < min_creators:
            raise ScriptwrightError(
                f"Attribution compares creators: it needs at least {min_creators} creators with videos; "
                f"found {len(per)}. Ingest another creator's videos first." if min_creators > 1 else
                "A voice model needs at least one creator with videos; ingest some first."
            )
        return dict(per)

    def fit(self, documents: list[Document], min_videos: int = MIN_VIDEOS,
            background: Sequence[Document] = ()) -> VoiceModel:
        """Train on windows of these videos (creators with < `min_videos` videos are an error).

        With a background, every creator gets an open-set verifier and one creator is enough;
        without one, only attribution is trained and two creators are needed."""
        self.n_videos = self.check(documents, min_videos, 1 if background else 2)
        self.classes = np.array(sorted(self.n_videos))
        self.names = {d.creator: d.creator_name for d in documents}
        usable = [d for d in documents if len(d.text.split()) >= MIN_WORDS]
        if len(self.classes) >= 2:
            texts, labels, groups = training_windows(usable)
            y = np.array(labels)
            self._fit = self._fit_combiner(texts, y, np.array(groups))
            self.experts = _Experts().fit(texts, y, self.classes)
            self.attributes = True
        if background:
            self.verifier = Verifier(self.seed).fit(usable, background)
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
        return np.stack([log_odds(combined), (dist - fit.own_mu) / fit.own_sd], axis=2)

    # ---- scoring ----------------------------------------------------------------------------

    def _require_fitted(self) -> None:
        if not self.attributes and self.verifier is None:
            raise ScriptwrightError("The voice model is not trained yet; fit it on some creators' videos first.")

    def _require_attribution(self) -> None:
        if not self.attributes:
            raise ScriptwrightError("Attribution compares creators, and this model knows fewer than two.")

    def _slug(self, creator: str) -> str:
        """A creator's slug from its slug or display name."""
        if creator in self.classes:
            return creator
        by_name = {name.lower(): slug for slug, name in self.names.items()}
        return by_name.get(creator.lower(), creator)

    def window_scores(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each text as one window, closed set: (combined log-probabilities, fidelities), texts × creators."""
        self._require_attribution()
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
        self._require_attribution()
        out = np.zeros((len(texts), len(self.classes)))
        for i, text in enumerate(texts):
            if not text or not text.split():
                raise ScriptwrightError("Cannot score an empty text; paste or write some script first.")
            out[i] = np.exp(self._pooled(scoring_windows(text))[0])
        return [str(c) for c in self.classes], out

    def score_text(self, text: str, creator: str, top: int = 5) -> VoiceScore:
        """How much a text sounds like one creator rather than anyone else, and what pulls it away."""
        self._require_fitted()
        if self.verifier is None:
            raise ScriptwrightError("This voice model was trained without the background of other voices, "
                                    "so it cannot give a fidelity; retrain it.")
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
        if function_ratio(text) < NON_ENGLISH_RATIO:
            return VoiceScore(creator, n_words, non_english=True,
                              message="This does not read as English; the voice model only knows English.")
        found = self.verifier.assess(text, creator, self.names.get(creator, creator), top)
        probability = best_match = None
        if self.attributes:
            pooled = self._pooled(scoring_windows(text))[0]
            probability = float(np.exp(pooled[int(np.searchsorted(self.classes, creator))]))
            best_match = str(self.classes[int(np.argmax(pooled))])
        return VoiceScore(
            creator, n_words, probability=probability, fidelity=found.fidelity, best_match=best_match,
            threshold=found.threshold, sounds_like=found.fidelity >= found.threshold,
            profile_z=round(found.profile_z, 3), n_windows=found.n_windows, pulls_away=found.pulls,
            off_voice_sentences=tuple(self.off_voice_sentences(text, creator, top=min(top, 3))),
        )

    def off_voice_sentences(self, text: str, creator: str, top: int = 3) -> list[SentenceScore]:
        """The passages (a sentence, or short sentences joined to 12+ words) that sound least like
        the creator rather than anyone else, worst first."""
        self._require_fitted()
        if self.verifier is None:
            raise ScriptwrightError("This voice model was trained without the background of other voices; retrain it.")
        return [SentenceScore(*found) for found in self.verifier.off_voice(text, self._slug(creator), top)]

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




__all__ = ["SPOKEN_FUNCTION_WORDS", "MIN_VIDEOS", "MIN_WORDS", "Pull", "SentenceScore", "VoiceModel", "VoiceScore",
           "passages", "scoring_windows"]
