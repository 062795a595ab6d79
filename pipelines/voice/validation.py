"""How well does the voice model tell creators apart on videos it has never seen?

Grouped k-fold cross-validation by video: each video is a test video exactly once, its
windows never sit on both sides of a split, and every fitted part of the model
(vocabularies, idf, z-scores, profiles, combiner and calibration) is fit on the training
folds alone — `VoiceModel.fit` is simply called on the training videos of each fold.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedGroupKFold

from pipelines.errors import ScriptwrightError
from pipelines.voice.attribution import MIN_VIDEOS, VoiceModel, scoring_windows
from pipelines.voice.documents import Document, windows

RECOMMENDED_CREATORS = 3
RECOMMENDED_VIDEOS = 5

PROTOCOL = (
    "Grouped {folds}-fold cross-validation by video (scikit-learn StratifiedGroupKFold, shuffled with seed "
    "{seed}, stratified by creator): every video is tested exactly once, by a model trained only on the "
    "other folds' videos, and a video's windows never appear on both sides. The model — TF-IDF vocabularies "
    "and idf, function-word z-scores and creator profiles, the combiner and the fidelity calibration (the "
    "last two from an inner cross-validation grouped by video) — is fit on the training videos alone. Test "
    "videos are cut into non-overlapping 300-word windows (a last partial window is kept when it has at "
    "least 150 words; a video shorter than that is one window). `accuracy` is top-1 attribution of whole "
    "test videos (log-probabilities summed over windows of about 300 words that cover the whole video), "
    "`window_accuracy` the same on the single 300-word windows, "
    "both balanced: the mean over creators of each creator's share correctly attributed. `auc` is the mean "
    "over creators of the one-vs-rest ROC AUC of that creator's fidelity score on all test windows."
)


def corpus_warnings(documents: list[Document]) -> list[str]:
    """Plain warnings when a validation would rest on too little data to mean much."""
    per = Counter(d.creator for d in documents)
    out = []
    if len(per) < RECOMMENDED_CREATORS:
        out.append(f"Only {len(per)} creator(s): attribution among fewer than {RECOMMENDED_CREATORS} creators "
                   "is an easy test and says little about fidelity.")
    thin = sorted(c for c, n in per.items() if n < RECOMMENDED_VIDEOS)
    if thin:
        out.append("Fewer than {} videos for {}: their figures rest on very few test videos.".format(
            RECOMMENDED_VIDEOS, ", ".join(f"{c} ({per[c]})" for c in thin)))
    return out


def splits(documents: list[Document], folds: int = 5, seed: int = 0) -> list[tuple[list[int], list[int]]]:
    """(train indices, test indices) of each fold: grouped by video, stratified by creator."""
    if folds < 2:
        raise ScriptwrightError("Cross-validation needs at least 2 folds.")
    keys = [f"{d.creator}\x00{d.video_id}" for d in documents]
    per = Counter(d.creator for d in documents)
    few = sorted(c for c, n in per.items() if n < MIN_VIDEOS)
    if few:
        raise ScriptwrightError(
            f"Validation needs at least {MIN_VIDEOS} videos per creator; "
            + ", ".join(f"{c} has {per[c]}" for c in few) + ". Ingest more of their videos first."
        )
    if len(per) < 2:
        raise ScriptwrightError("Validation compares creators: it needs at least two creators with videos.")
    n_groups = len(set(keys))
    if n_groups < folds:
        raise ScriptwrightError(f"{folds} folds need at least {folds} videos; there are {n_groups}.")
    labels = np.array([d.creator for d in documents])
    group_ids = np.unique(keys, return_inverse=True)[1]
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    return [(sorted(tr.tolist()), sorted(te.tolist()))
            for tr, te in splitter.split(np.zeros(len(documents)), labels, group_ids)]


def _key(d: Document) -> str:
    return f"{d.creator}/{d.video_id}"


def _run_fold(documents: list[Document], train: list[int], test: list[int], seed: int) -> dict[str, Any]:
    model = VoiceModel(seed=seed).fit([documents[i] for i in train], min_videos=2)
    out = []
    for i in test:
        text = documents[i].text
        video, _ = model.window_scores(scoring_windows(text))
        combined, fidelity = model.window_scores(windows(text) or [text])
        out.append({"index": i, "video": video, "windows": combined, "fidelity": fidelity})
    return {"classes": list(model.classes), "videos": out}


def _balanced(true: np.ndarray, pred: np.ndarray, labels: list[str]) -> tuple[float, dict[str, float]]:
    per = {c: float(np.mean(pred[true == c] == c)) for c in labels if np.any(true == c)}
    return float(np.mean(list(per.values()))), per


def validate(documents: list[Document], folds: int = 5, seed: int = 0, n_jobs: int = 1) -> dict[str, Any]:
    """Grouped k-fold cross-validation of the voice model by video; see PROTOCOL."""
    fold_splits = splits(documents, folds, seed)
    labels = sorted({d.creator for d in documents})
    if n_jobs == 1:
        results = [_run_fold(documents, tr, te, seed) for tr, te in fold_splits]
    else:
        from joblib import Parallel, delayed

        results = Parallel(n_jobs=n_jobs)(delayed(_run_fold)(documents, tr, te, seed) for tr, te in fold_splits)
    k = len(labels)
    vid_true, vid_pred, win_true, win_pred, win_fid, fold_of = [], [], [], [], [], {}
    for f, res in enumerate(results):
        if res["classes"] != labels:  # a fold's training set lacks a creator
            raise ScriptwrightError(f"Fold {f + 1} has no training videos of some creator; use fewer folds.")
        for v in res["videos"]:
            d = documents[v["index"]]
            fold_of[v["index"]] = f
            vid_true.append(d.creator)
            vid_pred.append(labels[int(np.argmax(v["video"].sum(0)))])
            win_true += [d.creator] * len(v["windows"])
            win_pred += [labels[j] for j in v["windows"].argmax(1)]
            win_fid.append(v["fidelity"])
    vt, vp = np.array(vid_true), np.array(vid_pred)
    wt, wp = np.array(win_true), np.array(win_pred)
    fid = np.vstack(win_fid) if win_fid else np.zeros((0, k))
    accuracy, per_video = _balanced(vt, vp, labels)
    window_accuracy, per_window = _balanced(wt, wp, labels)
    aucs = {}
    for j, c in enumerate(labels):
        positives = wt == c
        if positives.any() and (~positives).any():
            aucs[c] = float(roc_auc_score(positives, fid[:, j]))
    confusion = [[int(np.sum((vt == a) & (vp == b))) for b in labels] for a in labels]
    window_confusion = [[int(np.sum((wt == a) & (wp == b))) for b in labels] for a in labels]
    per_creator = {}
    for c in labels:
        predicted = vp == c
        per_creator[c] = {
            "precision": float(np.mean(vt[predicted] == c)) if predicted.any() else 0.0,
            "recall": per_video.get(c, 0.0),
            "window_accuracy": per_window.get(c, 0.0),
            "auc": aucs.get(c),
            "n_videos": int(np.sum(vt == c)),
            "n_windows": int(np.sum(wt == c)),
        }
    return {
        "accuracy": accuracy,
        "window_accuracy": window_accuracy,
        "auc": float(np.mean(list(aucs.values()))) if aucs else float("nan"),
        "n_test_videos": len(vt),
        "n_test_windows": len(wt),
        "per_creator": per_creator,
        "confusion": {"labels": labels, "matrix": confusion, "windows": window_confusion},
        "folds": folds,
        "seed": seed,
        "splits": [{"train": [_key(documents[i]) for i in tr], "test": [_key(documents[i]) for i in te]}
                   for tr, te in fold_splits],
        "fold_of": {_key(documents[i]): f for i, f in sorted(fold_of.items())},
        "protocol": PROTOCOL.format(folds=folds, seed=seed),
        "warnings": corpus_warnings(documents),
    }
