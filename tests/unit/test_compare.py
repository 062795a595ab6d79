"""Paired bootstrap, win/tie/loss and regressions between two runs."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.compare import compare_scores, paired_bootstrap, regressions, win_tie_loss
from pipelines.errors import ScriptwrightError


def test_mean_diff_is_exact_on_a_small_list() -> None:
    r = paired_bootstrap([0.2, 0.4, 0.9], [0.5, 0.4, 0.6], n_resamples=200)
    assert r["n"] == 3
    assert r["mean_a"] == pytest.approx(0.5) and r["mean_b"] == pytest.approx(0.5)
    assert r["mean_diff"] == pytest.approx((0.3 + 0.0 - 0.3) / 3, abs=1e-12)


def test_identical_lists_give_zero_and_a_zero_interval() -> None:
    a = [0.1, 0.7, 0.3, 0.95]
    r = paired_bootstrap(a, list(a), n_resamples=500)
    assert r["mean_diff"] == 0 and r["ci_low"] == 0 and r["ci_high"] == 0 and r["p_b_better"] == 0


def test_a_constant_shift_gives_a_point_interval() -> None:
    a = [0.1, 0.25, 0.5, 0.62, 0.8]
    r = paired_bootstrap(a, [x + 0.1 for x in a], n_resamples=500)
    assert r["mean_diff"] == pytest.approx(0.1, abs=1e-12)
    assert r["ci_low"] == pytest.approx(0.1, abs=1e-12) and r["ci_high"] == pytest.approx(0.1, abs=1e-12)
    assert r["p_b_better"] == 1.0


def test_interval_contains_the_mean_and_narrows_with_more_examples() -> None:
    rng = np.random.default_rng(7)
    widths = []
    for n in (10, 200):
        a = rng.uniform(0, 1, n)
        b = a + 0.05 + rng.normal(0, 0.2, n)
        r = paired_bootstrap(list(a), list(b), n_resamples=2000, seed=1)
        assert r["ci_low"] <= r["mean_diff"] <= r["ci_high"]
        widths.append(r["ci_high"] - r["ci_low"])
    assert widths[1] < widths[0] / 2  # width falls as 1/sqrt(n): 20x the examples, ~4.5x narrower


def test_same_seed_same_result_other_seed_other_interval() -> None:
    a, b = [0.1, 0.5, 0.3, 0.9, 0.4], [0.2, 0.4, 0.6, 0.7, 0.8]
    assert paired_bootstrap(a, b, n_resamples=300, seed=3) == paired_bootstrap(a, b, n_resamples=300, seed=3)
    assert paired_bootstrap(a, b, n_resamples=300, seed=3) != paired_bootstrap(a, b, n_resamples=300, seed=4)


def test_two_examples_match_the_exact_bootstrap_distribution() -> None:
    # diffs [0, 1]: a resample mean is 0 (p 1/4), 0.5 (p 1/2) or 1 (p 1/4), so the 2.5 % and
    # 97.5 % percentiles are 0 and 1 and B is better in 3/4 of resamples
    r = paired_bootstrap([0.5, 0.0], [0.5, 1.0], n_resamples=20_000, seed=0)
    assert r["mean_diff"] == 0.5
    assert r["ci_low"] == 0.0 and r["ci_high"] == 1.0
    assert r["p_b_better"] == pytest.approx(0.75, abs=0.02)


def test_win_tie_loss_counts() -> None:
    a = [0.5, 0.5, 0.5, 0.5, 0.5]
    b = [0.7, 0.505, 0.495, 0.3, 0.52]
    assert win_tie_loss(a, b) == {"win": 2, "tie": 2, "loss": 1}
    assert win_tie_loss(a, b, tie=0.05) == {"win": 1, "tie": 3, "loss": 1}


def test_regressions_worst_first_and_only_drops() -> None:
    ids = ["e1", "e2", "e3", "e4", "e5"]
    a = [0.9, 0.5, 0.6, 0.2, 0.8]
    b = [0.4, 0.6, 0.5, 0.2, 0.35]
    got = regressions(ids, a, b, k=5)
    assert [g["example_id"] for g in got] == ["e1", "e5", "e3"]
    assert got[0] == {"example_id": "e1", "a": 0.9, "b": 0.4, "diff": pytest.approx(-0.5)}
    assert [g["example_id"] for g in regressions(ids, a, b, k=1)] == ["e1"]


def test_compare_scores_is_one_flat_dict() -> None:
    c = compare_scores(["x", "y", "z"], [0.2, 0.8, 0.5], [0.6, 0.7, 0.5], n_resamples=100, k=2)
    assert c["n"] == 3 and c["ci_low"] <= c["mean_diff"] <= c["ci_high"]
    assert (c["win"], c["tie"], c["loss"]) == (1, 1, 1)
    assert [r["example_id"] for r in c["regressions"]] == ["y"]


@pytest.mark.parametrize("call, match", [
    (lambda: paired_bootstrap([0.1, 0.2], [0.3]), "equal lengths"),
    (lambda: paired_bootstrap([], []), "no paired scores"),
    (lambda: paired_bootstrap([0.1, float("nan")], [0.2, 0.3]), "finite"),
    (lambda: paired_bootstrap([0.1], [0.2], n_resamples=0), "n_resamples"),
    (lambda: win_tie_loss([0.1], [0.2, 0.3]), "equal lengths"),
    (lambda: regressions(["a"], [0.1, 0.2], [0.3, 0.4]), "one example id per score"),
])
def test_errors(call, match: str) -> None:
    with pytest.raises(ScriptwrightError, match=f"(?i){match}"):
        call()
