# SPDX-License-Identifier: MIT
"""Off-policy estimators of a target policy's value from logs with propensities.

Inputs are plain per-round arrays so anyone can check them by hand. For logged round ``i``
with reward ``r_i``, logging propensity ``p_i = μ(a_i | x_i)`` and target probability
``w_i = π(a_i | x_i)`` of the logged action:

* IPS   ``V = mean(w_i / p_i · r_i)`` (unbiased when ``p_i > 0`` wherever ``π > 0``);
* SNIPS ``V = Σ (w_i/p_i) r_i / Σ (w_i/p_i)`` (self-normalised: small bias, less variance);
* DR    ``V = mean(q̂_π(x_i) + w_i/p_i · (r_i − q̂(x_i, a_i)))`` with a reward model ``q̂``:
  ``q̂_π(x_i) = Σ_a π(a|x_i) q̂(x_i, a)`` (unbiased if either the propensities or ``q̂`` are
  right; lower variance the better ``q̂``).

Each returns an :class:`Estimate` with a percentile-bootstrap CI over rounds (seeded).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from lmrec.evaluate.stats import bootstrap_ci

__all__ = ["Estimate", "dr", "ips", "snips"]


@dataclass(frozen=True)
class Estimate:
    """A policy-value estimate with its bootstrap ``1 − alpha`` interval.

    ``variance`` is the estimator's sampling variance (the bootstrap variance of the value).
    """

    name: str
    value: float
    low: float
    high: float
    variance: float
    n: int

    def covers(self, truth: float) -> bool:
        """Whether ``truth`` lies inside the interval."""
        return self.low <= truth <= self.high

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


def _arrays(*xs: ArrayLike) -> list[np.ndarray]:
    out = [np.asarray(x, np.float64).ravel() for x in xs]
    n = len(out[0])
    if any(len(x) != n for x in out):
        raise ValueError(f"per-round arrays differ in length: {[len(x) for x in out]}")
    if n == 0:
        raise ValueError("no logged rounds")
    return out


def _check_props(p: np.ndarray) -> None:
    if np.any(~(p > 0)) or np.any(p > 1):
        raise ValueError("propensities must lie in (0, 1]; log them when serving")


def _boot(
    name: str,
    stat: Callable[[np.ndarray], float],
    n: int,
    n_boot: int,
    alpha: float,
    seed: int,
) -> Estimate:
    """Percentile bootstrap of ``stat(rows)`` over resampled round indices."""
    rng = np.random.default_rng(seed)
    vals = np.array([stat(rng.integers(0, n, n)) for _ in range(n_boot)])
    low, high = np.quantile(vals, [alpha / 2, 1 - alpha / 2])
    return Estimate(name, stat(np.arange(n)), float(low), float(high), float(vals.var()), n)


def _mean_estimate(name: str, terms: np.ndarray, n_boot: int, alpha: float, seed: int) -> Estimate:
    mean, low, high = bootstrap_ci(terms, n_boot=n_boot, alpha=alpha, seed=seed)
    return Estimate(name, mean, low, high, float(terms.var() / len(terms)), len(terms))


def ips(
    rewards: ArrayLike,
    propensities: ArrayLike,
    target_probs: ArrayLike,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> Estimate:
    """Inverse propensity scoring.

    Args:
        rewards: ``r_i`` per logged round.
        propensities: logging policy's probability of the logged action, in (0, 1].
        target_probs: target policy's probability of the logged action.
        n_boot, alpha, seed: bootstrap settings.

    The reported variance is the analytic ``var(terms)/n`` of the mean.
    """
    r, p, w = _arrays(rewards, propensities, target_probs)
    _check_props(p)
    return _mean_estimate("ips", w / p * r, n_boot, alpha, seed)


def snips(
    rewards: ArrayLike,
    propensities: ArrayLike,
    target_probs: ArrayLike,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> Estimate:
    """Self-normalised IPS (arguments as :func:`ips`); the variance is the bootstrap one."""
    r, p, w = _arrays(rewards, propensities, target_probs)
    _check_props(p)
    ratio = w / p

    def stat(rows: np.ndarray) -> float:
        total = ratio[rows].sum()
        return float((ratio[rows] * r[rows]).sum() / total) if total > 0 else 0.0

    return _boot("snips", stat, len(r), n_boot, alpha, seed)


def dr(
    rewards: ArrayLike,
    propensities: ArrayLike,
    target_probs: ArrayLike,
    reward_logged: ArrayLike,
    reward_target: ArrayLike,
    n_boot: int = 1000,
    alpha: float = 0.05,
    seed: int = 0,
) -> Estimate:
    """Doubly robust estimator.

    Args:
        rewards, propensities, target_probs: as in :func:`ips`.
        reward_logged: reward model's prediction ``q̂(x_i, a_i)`` for the logged action.
        reward_target: the reward model's value of the target policy in that context,
            ``Σ_a π(a|x_i) q̂(x_i, a)``.
        n_boot, alpha, seed: bootstrap settings.

    The reported variance is the analytic ``var(terms)/n`` of the mean.
    """
    r, p, w, ql, qt = _arrays(rewards, propensities, target_probs, reward_logged, reward_target)
    _check_props(p)
    return _mean_estimate("dr", qt + w / p * (r - ql), n_boot, alpha, seed)
