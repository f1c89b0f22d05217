# SPDX-License-Identifier: MIT
"""Uncertainty over users: bootstrap confidence intervals and paired significance tests.

Both functions take per-user metric values (as kept by the harness), drop NaN entries (users for
whom a metric is undefined), and resample *users*: the percentile bootstrap draws an
``[n_boot, n]`` matrix of user indices (in memory-bounded chunks) and averages each row.
Results are deterministic for a given ``seed``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from scipy import stats as sps

__all__ = ["bootstrap_ci", "paired_test"]

_CHUNK_ELEMENTS = 1 << 22  # resampled values held at once (≈ 32 MB of float64)


def _check_boot(n_boot: int, alpha: float) -> None:
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1, got {n_boot}")
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie in (0, 1), got {alpha}")


def _boot_means(x: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """Means of ``n_boot`` resamples (with replacement) of ``x``."""
    rng = np.random.default_rng(seed)
    n = x.size
    step = max(1, _CHUNK_ELEMENTS // n)
    out = np.empty(n_boot)
    for lo in range(0, n_boot, step):
        hi = min(n_boot, lo + step)
        idx = rng.integers(0, n, size=(hi - lo, n))
        out[lo:hi] = x[idx].mean(axis=1)
    return out


def _percentile_ci(x: np.ndarray, n_boot: int, alpha: float, seed: int) -> tuple[float, float]:
    means = _boot_means(x, n_boot, seed)
    low, high = np.quantile(means, [alpha / 2.0, 1.0 - alpha / 2.0])
    return float(low), float(high)


def bootstrap_ci(
    values: ArrayLike, n_boot: int = 1000, alpha: float = 0.05, seed: int = 0
) -> tuple[float, float, float]:
    """Mean of ``values`` and its percentile-bootstrap ``1 - alpha`` confidence interval.

    Args:
        values: per-user values, 1-D; NaNs are dropped first.
        n_boot: number of bootstrap resamples.
        alpha: 1 − confidence level (0.05 → 95% interval).
        seed: random seed; the same inputs and seed give the same interval.

    Returns:
        ``(mean, low, high)``; all NaN when no finite value remains, and ``(v, v, v)`` for a
        single value.

    Raises:
        ValueError: if ``values`` is not 1-D, or on a bad ``n_boot`` / ``alpha``.

    Example:
        >>> bootstrap_ci([1.0, 1.0, 1.0])
        (1.0, 1.0, 1.0)
    """
    _check_boot(n_boot, alpha)
    x = np.asarray(values, dtype=np.float64)
    if x.ndim != 1:
        raise ValueError(f"values must be 1-D (one value per user), got shape {x.shape}")
    x = x[~np.isnan(x)]
    if x.size == 0:
        return (float("nan"), float("nan"), float("nan"))
    low, high = _percentile_ci(x, n_boot, alpha, seed)
    return float(x.mean()), low, high


def _t_pvalue(d: np.ndarray) -> float:
    """Two-sided paired t-test p-value on differences ``d`` (edge cases handled explicitly)."""
    if d.size < 2 or not np.any(d):
        return float("nan")
    if np.ptp(d) == 0:  # constant non-zero shift: zero variance, t = ±inf
        return 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # near-constant data precision notes
        return float(sps.ttest_1samp(d, 0.0).pvalue)


def _wilcoxon_pvalue(d: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p-value (zero differences dropped); NaN if all zero."""
    if not np.any(d):
        return float("nan")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return float(sps.wilcoxon(d[d != 0]).pvalue)


def paired_test(
    a: ArrayLike, b: ArrayLike, n_boot: int = 1000, seed: int = 0, alpha: float = 0.05
) -> dict[str, Any]:
    """Compare two models on the same users: is ``mean(a - b)`` different from zero?

    ``a[i]`` and ``b[i]`` must be the same user's values (e.g. NDCG@10 of model A and model B);
    pairs where either value is NaN are dropped.

    Args:
        a: per-user values of the first model.
        b: per-user values of the second model, aligned with ``a``.
        n_boot: bootstrap resamples for the interval of the mean difference.
        seed: random seed of the bootstrap.
        alpha: significance level of ``significant`` and 1 − level of the interval.

    Returns:
        A JSON-ready dict:

        * ``n``: number of complete pairs;
        * ``mean_a``, ``mean_b``: means over those pairs;
        * ``diff``: ``mean(a - b)`` (positive when ``a`` scores higher);
        * ``ci_low``, ``ci_high``: percentile-bootstrap interval of ``diff``;
        * ``p_value_t``: two-sided paired t-test (NaN with < 2 pairs or all differences zero,
          0.0 for a constant non-zero difference);
        * ``p_value_wilcoxon``: two-sided Wilcoxon signed-rank test, zero differences dropped
          (NaN when every difference is zero);
        * ``significant``: ``p_value_t < alpha`` (False when the p-value is NaN).

    Raises:
        ValueError: if ``a`` and ``b`` differ in length or are not 1-D.
    """
    _check_boot(n_boot, alpha)
    x = np.asarray(a, dtype=np.float64)
    y = np.asarray(b, dtype=np.float64)
    if x.ndim != 1 or y.ndim != 1:
        raise ValueError("a and b must be 1-D arrays of per-user values")
    if x.shape != y.shape:
        raise ValueError(
            f"a has {x.size} values but b has {y.size}; pass values for the same users, "
            "aligned by position"
        )
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    d = x - y
    nan = float("nan")
    if d.size == 0:
        ci_low = ci_high = nan
    else:
        ci_low, ci_high = _percentile_ci(d, n_boot, alpha, seed)
    p_t = _t_pvalue(d)
    return {
        "n": int(d.size),
        "mean_a": float(x.mean()) if d.size else nan,
        "mean_b": float(y.mean()) if d.size else nan,
        "diff": float(d.mean()) if d.size else nan,
        "ci_low": ci_low,
        "ci_high": ci_high,
        "p_value_t": p_t,
        "p_value_wilcoxon": _wilcoxon_pvalue(d),
        "significant": bool(p_t < alpha),
    }
