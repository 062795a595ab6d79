"""Open-set verification: does a text sound like creator C rather than like anyone else?

Closed-set attribution picks the nearest of the creators a workspace knows, so with one
real creator every human transcript is "theirs". A verifier instead compares each creator
with a background of many real voices (`background.py`) plus the workspace's other
creators, the impostor setting of authorship verification (Koppel & Winter's General
Impostors; speaker verification's universal background model).

For each creator a class-balanced logistic regression separates their ~300-word windows
from every other voice's, over the same topic-masked and plain n-gram TF-IDF views as the
attribution model (`tfidf.NgramTfidf`). Its log-odds become a fidelity in 0..1 calibrated on
the creator's own windows, scored out of fold by an inner cross-validation grouped by video:
the **operating point** — the log-odds that 90 % of their own held-out windows reach — maps
to 0.5, and their median held-out window to 0.9. So for every creator, fidelity ≥ 0.5 means
"sounds like them" and 0.9 "as typical as their usual passage". How often voices the model
has never seen pass 0.5 is measured by `openset.validate_open_set`, not assumed. A longer
text averages its windows' log-odds before calibration.

Each creator's windows also give negatives: their **neutral copies** (`neutral_copy`), the
same words with the speaker's manner stripped out. Without them the verifier learned "not
conversational ASR" — the background is spoken — and neutral encyclopedic prose on the
creator's own topics passed as them (0.6–0.97 on our probe); with them it scores 0.02–0.10
for 3b1b while the open-set figures held or improved.

We measured simpler alternatives under the leave-creators-out protocol on the shared corpora
(one creator + background, the other three creators unseen): adding the function-word
Delta, cohort score normalisation (T-norm over background channels), feature-sampled General
Impostors, style-only views and stripping ASR fillers and punctuation were all no better and
mostly worse than this one regression. The figures are in the README.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.sparse import spmatrix
from scipy.special import expit
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedGroupKFold

from pipelines.errors import ScriptwrightError
from pipelines.voice.documents import Document
from pipelines.voice.ngrams import (
    SPOKEN_FUNCTION_WORDS,
    Profile,
    passages,
    scoring_windows,
)
from pipelines.voice.tfidf import NgramTfidf

OWN_ACCEPT = 0.9  # the operating point passes this share of the creator's own held-out windows
THRESHOLD = 0.5  # fidelity at the operating point
TYPICAL_LOGIT = float(np.log(9.0))  # the creator's median held-out window scores expit(this) = 0.9
INNER_FOLDS = 3
BACKGROUND = ""  # the owner label of every impostor window that is not a workspace creator
MIN_WORDS = 50


@dataclass(frozen=True)
class Pull:
    """One thing in a text that pulls it away from a creator's voice."""

    feature: str  # a word or two-word phrase
    direction: str  # "more": the text says it more often than the creator usually does; "less": less often
    weight: float  # how much it lowers the score, in log-odds points (one scale for every pull)
    explanation: str  # the same in a sentence a creator understands


@dataclass(frozen=True)
class Assessment:
    fidelity: float  # calibrated 0..1
    threshold: float  # the operating point: "sounds like them" at or above it
    profile_z: float  # function-word distance from the creator's profile, in sds of their own held-out windows
    n_windows: int
    pulls: tuple[Pull, ...]


_PERSONAL = re.compile(r"[?!]|\b(?:i|i'm|i've|i'll|i'd|me|my|you|you're|you've|you'll|you'd|your|yours|we|we're|"
                       r"we've|we'll|let's|us|our|ours)\b", re.IGNORECASE)
_MARKERS = re.compile(r"\b(?:uh+|um+|okay|ok|well|so|now|actually|basically|really|just|pretty|kind of|sort of|"
                      r"you know|i mean|right)\b,?\s*", re.IGNORECASE)
_CONTRACTIONS = {"n't": " not", "'s": " is", "'re": " are", "'ve": " have", "'ll": " will", "'d": " would",
                 "'m": " am"}
_CONTRACTED = re.compile(r"(?:can't|won't)|(n't|'s|'re|'ve|'ll|'d|'m)\b", re.IGNORECASE)


def neutral_copy(text: str) -> str:
    """The same words stripped of a speaker's manner: sentences that address anyone or ask or
    exclaim are dropped, discourse markers and fillers removed, contractions spelled out. What
    is left reads like plain written exposition on the creator's own topics: a contrast that
    teaches a verifier to reward how the creator talks, not what they talk about."""
    kept = [p for p in passages(text, min_words=1) if not _PERSONAL.search(p)]
    out = _MARKERS.sub("", " ".join(kept))
    out = _CONTRACTED.sub(lambda m: {"can't": "cannot", "won't": "will not"}.get(m.group(0).lower())
                          or _CONTRACTIONS[m.group(1).lower()], out)
    return re.sub(r"\s+", " ", out).strip()


def training_windows(documents: Sequence[Document],
                     contrast: set[str] = frozenset()) -> tuple[list[str], list[str], list[str]]:
    """Windows, their owners and video groups; for creators in `contrast`, each window's neutral
    copy joins as a window of the background, grouped with its video so it never crosses a fold."""
    texts, owners, groups = [], [], []
    for d in documents:
        if len(d.text.split()) < MIN_WORDS:
            continue
        group = f"{d.creator}\x00{d.video_id}"
        for w in scoring_windows(d.text):
            texts.append(w)
            owners.append(d.creator)
            groups.append(group)
            if d.creator in contrast:
                plain_copy = neutral_copy(w)
                if len(plain_copy.split()) >= MIN_WORDS:
                    texts.append(plain_copy)
                    owners.append(BACKGROUND)
                    groups.append(group)
    return texts, owners, groups


class _Part:
    """A function-word profile and one binary regression per creator, over a fitted vectorizer's features."""

    def fit(self, vec: NgramTfidf | None, x: spmatrix, texts: list[str], owners: np.ndarray, creators: list[str]) -> _Part:
        self.vectorizer = vec
        self.lrs = []
        for c in creators:
            y = owners == c
            if not y.any():
                raise ScriptwrightError(f"{c} has no training windows in a fold; it needs more videos.")
            self.lrs.append(LogisticRegression(C=1.0, class_weight="balanced", max_iter=3000).fit(x, y))
        self.profile = Profile().fit(texts, owners, np.array(creators))
        return self

    def decisions(self, texts: list[str], x: spmatrix | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(log-odds, Delta distances), both texts × creators."""
        x = self.vectorizer.transform(texts) if x is None else x
        return np.column_stack([lr.decision_function(x) for lr in self.lrs]), self.profile.distances(texts)


class Verifier:
    """One open-set verifier per creator, against the background and the other creators."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self.creators: list[str] = []

    def fit(self, documents: Sequence[Document], background: Sequence[Document]) -> Verifier:
        """Train on the creators' windows (every creator in `documents`) against each other and the background."""
        if not background:
            raise ScriptwrightError("Voice verification needs the background of other voices; none was given.")
        self.creators = sorted({d.creator for d in documents})
        texts, owners, groups = training_windows(list(documents) + list(background), set(self.creators))
        owner = np.array([o if o in self.creators else BACKGROUND for o in owners])
        # the TF-IDF vocabulary and idf are fit once on every training window: unsupervised, no labels
        vec = NgramTfidf()
        x = vec.fit_transform(texts)
        oof, dist = self._out_of_fold(x, texts, owner, np.array(groups))
        k = len(self.creators)
        self.offset, self.scale = np.zeros(k), np.ones(k)
        self.own_mu, self.own_sd = np.zeros(k), np.ones(k)
        for j, c in enumerate(self.creators):
            own = owner == c
            point, typical = np.quantile(oof[own, j], [1 - OWN_ACCEPT, 0.5])
            self.offset[j] = point
            self.scale[j] = TYPICAL_LOGIT / max(float(typical - point), 1e-3)
            self.own_mu[j], self.own_sd[j] = dist[own, j].mean(), dist[own, j].std() + 1e-3
        self.part = _Part().fit(vec, x, texts, owner, self.creators)
        self.means = [np.asarray(x[owner == c].mean(0)).ravel() for c in self.creators]
        names = self.part.vectorizer.get_feature_names_out()
        self.feature_names = np.array([n.partition("__")[2] for n in names], dtype=object)
        self.word_features = np.array([n.startswith("word__") for n in names])
        self.function_features = self.word_features & np.array(
            [all(w in SPOKEN_FUNCTION_WORDS for w in n.split()) for n in self.feature_names])
        return self

    def _out_of_fold(self, x: spmatrix, texts: list[str], owner: np.ndarray,
                     groups: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each window's log-odds and Delta distance for every creator, from a model that never saw its video."""
        per_group: dict[str, str] = {}
        for g, o in zip(groups, owner):
            per_group.setdefault(g, o)  # a video's own windows come before their neutral copies
        n_splits = min(INNER_FOLDS, min(sum(o == c for o in per_group.values()) for c in self.creators))
        if n_splits < 2:
            raise ScriptwrightError("A voice profile needs at least 2 videos per creator.")
        oof = np.zeros((len(texts), len(self.creators)))
        dist = np.zeros_like(oof)
        arr = np.array(texts, dtype=object)
        splitter = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=self.seed)
        for tr, te in splitter.split(arr, owner, groups):
            part = _Part().fit(None, x[tr], list(arr[tr]), owner[tr], self.creators)
            oof[te], dist[te] = part.decisions(list(arr[te]), x[te])
        return oof, dist

    # ---- scoring ----------------------------------------------------------------------------

    def index(self, creator: str) -> int:
        if creator not in self.creators:
            raise ScriptwrightError(f"No voice profile for '{creator}' (the verifier knows "
                                    f"{', '.join(self.creators) or 'no creators'}).")
        return self.creators.index(creator)

    def log_odds(self, texts: list[str], creator: str) -> np.ndarray:
        """Raw log-odds that each text (as one window) is the creator's."""
        return self.part.lrs[self.index(creator)].decision_function(self.part.vectorizer.transform(texts))

    def calibrate(self, log_odds: np.ndarray, j: int) -> np.ndarray:
        """Log-odds to fidelity: the operating point maps to 0.5, the creator's median held-out window to 0.9."""
        return expit(self.scale[j] * (np.asarray(log_odds) - self.offset[j]))

    def assess(self, text: str, creator: str, name: str = "", top: int = 5) -> Assessment:
        """Fidelity, profile z and what pulls the text away, from one pass over its windows."""
        j = self.index(creator)
        windows = scoring_windows(text)
        x = self.part.vectorizer.transform(windows)
        odds = self.part.lrs[j].decision_function(x)
        dist = self.part.profile.distances(windows)[:, j]
        fidelity = float(self.calibrate(odds.mean(), j))
        return Assessment(fidelity, THRESHOLD, float((dist.mean() - self.own_mu[j]) / self.own_sd[j]),
                          len(windows), tuple(self._pulls(np.asarray(x.mean(0)).ravel(), j, name or creator, top)))

    def _pulls(self, x: np.ndarray, j: int, name: str, top: int) -> list[Pull]:
        """Words and two-word phrases whose use, compared with the creator's typical window,
        lowers the score most: (text's rate - creator's mean rate) × the regression weight. Words
        the text lacks count only when they are function words (a missing topic word says nothing
        about voice)."""
        more = x > self.means[j]
        named = self.word_features & (more | self.function_features)
        contrib = np.where(named, (x - self.means[j]) * self.part.lrs[j].coef_[0], 0.0)
        out = []
        worst = np.argpartition(contrib, top)[:top] if 0 < top < len(contrib) else np.arange(0)
        for f in worst[np.argsort(contrib[worst])]:
            if contrib[f] >= 0:
                break
            gram = str(self.feature_names[f])
            direction = "more" if more[f] else "less"
            out.append(Pull(gram, direction, round(float(-contrib[f]), 3),
                            f"says “{gram}” {direction} often than {name} usually does"))
        return out

    def off_voice(self, text: str, creator: str, top: int = 3) -> list[tuple[int, str, float]]:
        """(index, passage, log-odds) of the passages that sound least like the creator, worst first."""
        units = passages(text)
        if len(units) < 2:
            return []
        odds = self.log_odds(units, creator)
        return [(int(i), units[i], round(float(odds[i]), 3)) for i in np.argsort(odds)[:top]]
