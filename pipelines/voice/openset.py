"""Open-set validation: does the verifier accept a creator's own unseen videos and turn away
voices it has never seen — neither in its training set nor in its background?

For one creator: grouped k-fold by video over their videos. Each fold trains the verifier
exactly as the product does (the creator's training videos, the workspace's other creators,
the background) and scores the creator's held-out videos and every video of the unseen
creators. Figures: ROC AUC of fidelity (own vs unseen) for whole videos, ~300-word and
~150-word (hook-sized) windows; the equal error rate on 300-word windows; and the false-accept
rate at the operating point — the share of unseen videos (windows) at or above the fidelity
that 90 % of the creator's own held-out videos (windows) reach.

Nothing can leak: an unseen creator that is also a training creator, or an unseen text that
is also a training or background text, is an error, and `protocol_check` is called on what
each fold actually trains on.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import GroupKFold

from pipelines.errors import ScriptwrightError
from pipelines.voice.background import is_background
from pipelines.voice.documents import Document, windows
from pipelines.voice.ngrams import scoring_windows
from pipelines.voice.verification import MIN_WORDS, OWN_ACCEPT, Verifier

MIN_OWN_VIDEOS = 3
HOOK_WORDS = 150

PROTOCOL = (
    "Open set, leave-creators-out: grouped {folds}-fold cross-validation by video over {creator}'s videos "
    "(scikit-learn GroupKFold, shuffled with seed {seed}). Each fold trains the verifier as the product does — "
    "{creator}'s training videos, {others}, and the shipped background of {n_background} real videos{held} — and "
    "scores {creator}'s held-out videos and every video of {n_unseen_creators} unseen voice(s) (each fold scores "
    "all of them; the held-out background channels only in their own fold) that are in "
    "neither the training set nor the background. AUC: ROC AUC of fidelity, own vs unseen, on whole videos, on "
    "non-overlapping 300-word windows and on 150-word windows. EER on 300-word windows. far_at_90: the share of "
    "unseen videos at or above the fidelity that 90% of the own held-out videos reach (window_far_at_90: the "
    "same on windows)."
)


def _digest(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


def protocol_check(train: Sequence[Document], background: Sequence[Document], unseen: Sequence[Document],
                   held_out: Sequence[Document] = ()) -> None:
    """A ScriptwrightError if an unseen creator or text, or a held-out video of the creator under
    test, is also trained on or in the background."""
    trained = {d.creator for d in train}
    shared = sorted(trained & {d.creator for d in unseen})
    if shared:
        raise ScriptwrightError(f"Open-set validation would leak: {', '.join(shared)} is both a training creator "
                                "and an unseen one.")
    known = {_digest(d.text): d for d in list(train) + list(background)}
    for label, docs in (("unseen", unseen), ("held-out", held_out)):
        for d in docs:
            hit = known.get(_digest(d.text))
            if hit is not None:
                where = "background" if is_background(hit.creator) else "training set"
                raise ScriptwrightError(f"Open-set validation would leak: {label} video {d.creator}/{d.video_id} is "
                                        f"also in the {where} ({hit.creator}/{hit.video_id}).")


def _auc(own: np.ndarray, unseen: np.ndarray) -> float | None:
    if not len(own) or not len(unseen):
        return None
    return float(roc_auc_score(np.r_[np.ones(len(own)), np.zeros(len(unseen))], np.r_[own, unseen]))


def _eer(own: np.ndarray, unseen: np.ndarray) -> float | None:
    if not len(own) or not len(unseen):
        return None
    fpr, tpr, _ = roc_curve(np.r_[np.ones(len(own)), np.zeros(len(unseen))], np.r_[own, unseen])
    i = int(np.argmin(np.abs((1 - tpr) - fpr)))
    return float((1 - tpr[i] + fpr[i]) / 2)


def _far(own: np.ndarray, unseen: np.ndarray) -> tuple[float | None, float | None]:
    """(false-accept rate, threshold) at the point where OWN_ACCEPT of the own scores pass."""
    if not len(own) or not len(unseen):
        return None, None
    point = float(np.quantile(own, 1 - OWN_ACCEPT))
    return float(np.mean(unseen >= point)), point


def _scores(verifier: Verifier, creator: str, d: Document) -> dict[str, np.ndarray]:
    """One document's fidelity as a whole video and per 300- and 150-word window."""
    j = verifier.index(creator)
    parts = {"video": scoring_windows(d.text), "window": windows(d.text) or [d.text],
             "hook": windows(d.text, HOOK_WORDS) or [d.text]}
    odds = verifier.log_odds([w for ws in parts.values() for w in ws], creator)
    out, at = {}, 0
    for key, ws in parts.items():
        chunk, at = odds[at:at + len(ws)], at + len(ws)
        out[key] = verifier.calibrate(np.array([chunk.mean()]) if key == "video" else chunk, j)
    return out


def _figures(own: dict[str, list[np.ndarray]], unseen: dict[str, list[np.ndarray]]) -> dict[str, Any]:
    o = {k: np.concatenate(v) if v else np.zeros(0) for k, v in own.items()}
    u = {k: np.concatenate(v) if v else np.zeros(0) for k, v in unseen.items()}
    far, point = _far(o["video"], u["video"])
    wfar, wpoint = _far(o["window"], u["window"])
    hfar, _ = _far(o["hook"], u["hook"])
    return {
        "video_auc": _auc(o["video"], u["video"]), "window_auc": _auc(o["window"], u["window"]),
        "hook_window_auc": _auc(o["hook"], u["hook"]), "eer": _eer(o["window"], u["window"]),
        "far_at_90": far, "window_far_at_90": wfar, "hook_window_far_at_90": hfar,
        "video_point": point, "window_point": wpoint,
        "n_own_videos": len(o["video"]), "n_unseen_videos": len(u["video"]),
        "n_own_windows": len(o["window"]), "n_unseen_windows": len(u["window"]),
    }


def validate_open_set(own: Sequence[Document], unseen: Sequence[Document], background: Sequence[Document],
                      others: Sequence[Document] = (), folds: int = 5, seed: int = 0,
                      hold_out_background: bool = False,
                      progress: Callable[[float, str], None] | None = None) -> dict[str, Any]:
    """Open-set figures for the creator of `own` (see the module docstring).

    `others` are the workspace's other creators (trained on, never unseen). With
    `hold_out_background`, the background's source channels are also dealt to the folds and
    each fold's share is left out of its background and scored as unseen: a one-creator
    workspace then has never-seen voices to measure against."""
    own = [d for d in own if len(d.text.split()) >= MIN_WORDS]
    creators = {d.creator for d in own}
    if len(creators) != 1:
        raise ScriptwrightError("Open-set validation takes one creator's videos at a time.")
    creator = creators.pop()
    if len(own) < MIN_OWN_VIDEOS:
        raise ScriptwrightError(f"Open-set validation needs at least {MIN_OWN_VIDEOS} videos of {creator}; "
                                f"there are {len(own)}.")
    unseen = [d for d in unseen if len(d.text.split()) >= MIN_WORDS]
    protocol_check(list(own) + list(others), background, unseen)
    k = min(folds, len(own))
    if k < 2:
        raise ScriptwrightError("Open-set validation needs at least 2 folds.")
    channels = sorted({d.creator for d in background})
    held_by_fold = {f: set(channels[f::k]) for f in range(k)} if hold_out_background else {f: set() for f in range(k)}
    keys = {"video": [], "window": [], "hook": []}
    own_scores: dict[str, list[np.ndarray]] = {key: [] for key in keys}
    unseen_scores: dict[str, list[np.ndarray]] = {key: [] for key in keys}
    by_source: dict[str, dict[str, list[np.ndarray]]] = {}
    seen: dict[str, set[str]] = {}
    splitter = GroupKFold(n_splits=k, shuffle=True, random_state=seed)
    for f, (tr, te) in enumerate(splitter.split(np.zeros(len(own)), groups=[d.video_id for d in own])):
        fold_background = [d for d in background if d.creator not in held_by_fold[f]]
        fold_unseen = list(unseen) + [d for d in background if d.creator in held_by_fold[f]]
        train = [own[i] for i in tr] + list(others)
        protocol_check(train, fold_background, fold_unseen, [own[i] for i in te])
        if progress:
            progress(f / k, f"fold {f + 1} of {k}")
        verifier = Verifier(seed).fit(train, fold_background)
        for i in te:
            for key, v in _scores(verifier, creator, own[i]).items():
                own_scores[key].append(v)
        for d in fold_unseen:
            source = "background (held out)" if is_background(d.creator) else d.creator
            mine = by_source.setdefault(source, {key: [] for key in keys})
            seen.setdefault(source, set()).add(f"{d.creator}/{d.video_id}")
            for key, v in _scores(verifier, creator, d).items():
                unseen_scores[key].append(v)
                mine[key].append(v)
    report = _figures(own_scores, unseen_scores)
    # every fold scores every unseen video: count the videos once, and say how many scores there are
    held_docs = sum(1 for d in background if d.creator in set().union(*held_by_fold.values()))
    report["n_unseen_scores"], report["n_unseen_videos"] = report["n_unseen_videos"], len(unseen) + held_docs
    report["n_unseen_window_scores"] = report.pop("n_unseen_windows")
    point, wpoint = report["video_point"], report["window_point"]
    report["by_source"] = {}
    for source, sc in sorted(by_source.items()):
        vids, wins = np.concatenate(sc["video"]), np.concatenate(sc["window"])
        report["by_source"][source] = {
            "n_videos": len(seen[source]), "n_scores": len(vids), "median_fidelity": float(np.median(vids)),
            "far_at_90": float(np.mean(vids >= point)) if point is not None else None,
            "window_far_at_90": float(np.mean(wins >= wpoint)) if wpoint is not None else None,
        }
    others_note = (f"the workspace's other creators ({', '.join(sorted({d.creator for d in others}))})"
                   if others else "no other creators")
    held = "; each fold's share of the background's source channels is left out and scored as unseen" \
        if hold_out_background else ""
    report.update({
        "creator": creator, "folds": k, "seed": seed,
        "unseen_creators": dict(Counter(d.creator for d in unseen)),
        "protocol": PROTOCOL.format(folds=k, creator=creator, seed=seed, others=others_note,
                                    n_background=len(background), held=held,
                                    n_unseen_creators=len({d.creator for d in unseen}) + len(channels) * bool(held)),
    })
    return report
