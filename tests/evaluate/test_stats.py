# SPDX-License-Identifier: MIT
"""Tests of bootstrap confidence intervals and paired tests (lmrec.evaluate.stats)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lmrec.evaluate import stats as stats_module
from lmrec.evaluate.stats import bootstrap_ci, paired_test

# ---------------------------------------------------------------- bootstrap_ci


def test_bootstrap_ci_contains_the_mean_and_is_deterministic():
    values = np.random.default_rng(0).random(300)
    mean, low, high = bootstrap_ci(values, n_boot=500, seed=3)
    assert mean == pytest.approx(values.mean())
    assert low < mean < high
    assert bootstrap_ci(values, n_boot=500, seed=3) == (mean, low, high)
    assert bootstrap_ci(values, n_boot=500, seed=4) != (mean, low, high)


def test_bootstrap_ci_shrinks_with_n_like_the_standard_error():
    rng = np.random.default_rng(1)
    widths = {}
    for n in (100, 10_000):
        _, low, high = bootstrap_ci(rng.standard_normal(n), n_boot=1000)
        widths[n] = high - low
        # normal theory: 95% width ≈ 2 · 1.96 · sd / sqrt(n) with sd = 1
        assert widths[n] == pytest.approx(2 * 1.96 / math.sqrt(n), rel=0.2)
    assert widths[10_000] < widths[100] / 5  # ≈ 10× narrower


def test_bootstrap_ci_drops_nan_and_handles_degenerate_input():
    # NaN entries are dropped: the mean is over [1, 2, 3]
    mean, low, high = bootstrap_ci([1.0, np.nan, 2.0, 3.0, np.nan])
    assert mean == pytest.approx(2.0) and 1.0 <= low <= mean <= high <= 3.0
    assert bootstrap_ci([0.7, 0.7, 0.7]) == pytest.approx((0.7, 0.7, 0.7))
    assert bootstrap_ci([0.25]) == (0.25, 0.25, 0.25)
    assert all(math.isnan(v) for v in bootstrap_ci([np.nan, np.nan]))


def test_bootstrap_ci_alpha_widens_the_interval():
    values = np.random.default_rng(2).random(200)
    _, low95, high95 = bootstrap_ci(values, alpha=0.05)
    _, low50, high50 = bootstrap_ci(values, alpha=0.5)
    assert low95 < low50 < high50 < high95


def test_bootstrap_ci_chunking_does_not_change_the_result(monkeypatch):
    values = np.random.default_rng(5).random(100)
    whole = bootstrap_ci(values, n_boot=300)
    monkeypatch.setattr(stats_module, "_CHUNK_ELEMENTS", 1000)  # 10 resamples per chunk
    assert bootstrap_ci(values, n_boot=300) == whole


def test_bootstrap_ci_validates():
    with pytest.raises(ValueError, match="1-D"):
        bootstrap_ci(np.ones((2, 2)))
    with pytest.raises(ValueError, match="n_boot"):
        bootstrap_ci([1.0], n_boot=0)
    with pytest.raises(ValueError, match="alpha"):
        bootstrap_ci([1.0], alpha=1.0)


# ---------------------------------------------------------------- paired_test


def test_paired_test_known_answer():
    # a - b = [1, 2, 3]: mean 2, sd 1, t = 2 / (1 / sqrt(3)) = sqrt(12), df = 2.
    # For df = 2 the two-sided p-value is 1 - |t| / sqrt(t² + 2) = 1 - sqrt(12 / 14) ≈ 0.0742.
    # Wilcoxon, exact: all 3 differences positive -> p = 2 · (1/2)³ = 0.25.
    out = paired_test([2.0, 4.0, 6.0], [1.0, 2.0, 3.0])
    assert out["n"] == 3
    assert out["mean_a"] == pytest.approx(4.0) and out["mean_b"] == pytest.approx(2.0)
    assert out["diff"] == pytest.approx(2.0)
    assert out["p_value_t"] == pytest.approx(1 - math.sqrt(12 / 14))
    assert out["p_value_wilcoxon"] == pytest.approx(0.25)
    assert out["significant"] is False
    assert 1.0 <= out["ci_low"] <= 2.0 <= out["ci_high"] <= 3.0


def test_paired_test_detects_a_real_shift():
    rng = np.random.default_rng(0)
    b = rng.random(500)
    a = b + 0.05 + 0.1 * rng.standard_normal(500)  # a beats b by 0.05 on average
    out = paired_test(a, b)
    assert out["diff"] == pytest.approx(0.05, abs=0.015)
    assert 0.0 < out["ci_low"] < out["diff"] < out["ci_high"]
    assert out["p_value_t"] < 1e-6 and out["p_value_wilcoxon"] < 1e-6
    assert out["significant"] is True
    # swapping the arguments flips the sign, not the conclusion
    swapped = paired_test(b, a)
    assert swapped["diff"] == pytest.approx(-out["diff"])
    assert swapped["p_value_t"] == pytest.approx(out["p_value_t"])


def test_paired_test_does_not_detect_a_zero_shift():
    # differences ±0.1 in equal numbers: mean exactly 0 -> t = 0, p = 1
    a = np.array([0.5, 0.6, 0.3, 0.8])
    out = paired_test(a, a + np.array([0.1, -0.1, 0.1, -0.1]))
    assert out["diff"] == pytest.approx(0.0, abs=1e-15)
    assert out["p_value_t"] == pytest.approx(1.0)
    assert out["significant"] is False
    # pure noise with no shift (fixed seed, so deterministic)
    rng = np.random.default_rng(1)
    a = rng.random(400)
    out = paired_test(a, a + 0.1 * rng.standard_normal(400))
    assert out["p_value_t"] > 0.05 and out["significant"] is False
    assert out["ci_low"] < 0.0 < out["ci_high"]


def test_paired_test_identical_and_constant_shift():
    a = np.array([0.1, 0.4, 0.9])
    same = paired_test(a, a)
    assert same["diff"] == 0.0
    assert math.isnan(same["p_value_t"]) and math.isnan(same["p_value_wilcoxon"])
    assert same["significant"] is False
    shifted = paired_test(a + 0.25, a)  # every user improves by 0.25 (up to rounding)
    assert shifted["p_value_t"] < 1e-12 and shifted["significant"] is True
    exact = paired_test([0.75, 1.25, 2.25], [0.5, 1.0, 2.0])  # exactly 0.25: zero variance
    assert exact["p_value_t"] == 0.0 and exact["significant"] is True
    assert shifted["ci_low"] == pytest.approx(0.25) and shifted["ci_high"] == pytest.approx(0.25)


def test_paired_test_drops_nan_pairs():
    out = paired_test([1.0, np.nan, 3.0, 5.0], [0.0, 1.0, np.nan, 4.0])
    # complete pairs: (1, 0) and (5, 4)
    assert out["n"] == 2 and out["mean_a"] == 3.0 and out["mean_b"] == 2.0
    empty = paired_test([np.nan], [1.0])
    assert empty["n"] == 0 and math.isnan(empty["diff"]) and empty["significant"] is False


def test_paired_test_validates():
    with pytest.raises(ValueError, match="same users"):
        paired_test([1.0, 2.0], [1.0])
    with pytest.raises(ValueError, match="1-D"):
        paired_test(np.ones((2, 2)), np.ones((2, 2)))
