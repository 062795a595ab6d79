"""Comparing two evaluation runs scored on the same examples: B against A."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from pipelines.errors import ScriptwrightError

_CHUNK_CELLS = 1_000_000  # resample indices drawn at a time, to bound memory on large sets


def _diffs(a: list[float], b: list[float]) -> np.ndarray:
    """b − a per example; a ScriptwrightError unless the lists pair up and are finite."""
    if len(a) != len(b):
        raise ScriptwrightError(f"Paired scores need equal lengths; got {len(a)} and {len(b)}.")
    if not a:
        raise ScriptwrightError("No paired scores to compare; the runs share no examples.")
    if not all(math.isfinite(x) for x in [*a, *b]):
        raise ScriptwrightError("Scores must be finite numbers; found NaN or infinity.")
    return np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64)


def paired_bootstrap(a: list[float], b: list[float], n_resamples: int = 10_000, seed: int = 0,
                     alpha: float = 0.05) -> dict[str, Any]:
    """Mean difference b − a with a percentile bootstrap CI (examples resampled with replacement,
    pairs kept together) and the share of resamples in which B is better."""
    d = _diffs(a, b)
    if n_resamples < 1 or not 0 < alpha < 1:
        raise ScriptwrightError(f"Need n_resamples >= 1 and 0 < alpha < 1; got {n_resamples} and {alpha}.")
    n = len(d)
    rng = np.random.default_rng(seed)
    step = max(1, _CHUNK_CELLS // n)
    means = np.concatenate([d[rng.integers(0, n, size=(min(step, n_resamples - i), n))].mean(axis=1)
                            for i in range(0, n_resamples, step)])
    low, high = np.quantile(means, [alpha / 2, 1 - alpha / 2])
    return {"n": n, "mean_a": float(np.mean(a)), "mean_b": float(np.mean(b)), "mean_diff": float(d.mean()),
            "ci_low": float(low), "ci_high": float(high), "p_b_better": float((means > 0).mean())}


def win_tie_loss(a: list[float], b: list[float], tie: float = 0.01) -> dict[str, int]:
    """Examples where B beats A by more than `tie`, is within it, or loses by more."""
    d = _diffs(a, b)
    return {"win": int((d > tie).sum()), "tie": int((np.abs(d) <= tie).sum()), "loss": int((d < -tie).sum())}


def regressions(ids: list[str], a: list[float], b: list[float], k: int = 5) -> list[dict[str, Any]]:
    """Up to k examples where B scores below A, the largest drop first (ties in input order)."""
    d = _diffs(a, b)
    if len(ids) != len(d):
        raise ScriptwrightError(f"Need one example id per score; got {len(ids)} ids for {len(d)} scores.")
    order = [i for i in np.argsort(d, kind="stable") if d[i] < 0][:k]
    return [{"example_id": ids[i], "a": float(a[i]), "b": float(b[i]), "diff": float(d[i])} for i in order]


def compare_scores(ids: list[str], a: list[float], b: list[float], *, n_resamples: int = 10_000, seed: int = 0,
                   alpha: float = 0.05, tie: float = 0.01, k: int = 5) -> dict[str, Any]:
    """paired_bootstrap, win_tie_loss and regressions in one flat dict."""
    return {**paired_bootstrap(a, b, n_resamples, seed, alpha), **win_tie_loss(a, b, tie),
            "regressions": regressions(ids, a, b, k)}
