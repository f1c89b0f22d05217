# SPDX-License-Identifier: MIT
"""Stacking: a logistic combiner over per-child features of the candidate items."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ChildView:
    """What stacking sees of one child for a batch: normalised scores and top ranks."""

    norm: np.ndarray  # [n, m] float64, non-finite already floored
    ranks: np.ndarray  # [n, m] int, 1-based within the top-depth, 0 elsewhere


def feature_names(labels: list[str], popularity: bool) -> list[str]:
    """Names of the stacking features, in coefficient order."""
    names = [f"{lab}:{kind}" for lab in labels for kind in ("score", "rr")]
    return [*names, "log_popularity"] if popularity else names


def candidate_features(
    views: list[ChildView], logpop: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows ``[n_candidates, f]`` and the candidates' ``(row, item)`` coordinates.

    Candidates are the union of the children's top-depth items of each row.
    """
    cand = np.logical_or.reduce([v.ranks > 0 for v in views])
    rows, items = np.nonzero(cand)
    cols: list[np.ndarray] = []
    for v in views:
        r = v.ranks[rows, items]
        cols += [v.norm[rows, items], np.where(r > 0, 1.0 / np.maximum(r, 1), 0.0)]
    if logpop is not None:
        cols.append(logpop[items])
    return np.column_stack(cols), np.stack([rows, items])


def linear_scores(
    views: list[ChildView], logpop: np.ndarray | None, coef: np.ndarray, intercept: float
) -> np.ndarray:
    """``intercept + coef · features`` for every (row, item), without materialising features."""
    out = np.full(views[0].norm.shape, intercept, np.float64)
    for c, v in enumerate(views):
        rr = np.where(v.ranks > 0, 1.0 / np.maximum(v.ranks, 1), 0.0)
        out += coef[2 * c] * v.norm + coef[2 * c + 1] * rr
    if logpop is not None:
        out += coef[-1] * logpop[None, :]
    return out


def below_candidates(lin: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """Shift each row's non-candidates (keeping their order) strictly below its candidates."""
    lo = np.where(cand, lin, np.inf).min(axis=1, keepdims=True)
    hi = np.where(cand, -np.inf, lin).max(axis=1, keepdims=True)
    shift = np.where(np.isfinite(lo) & np.isfinite(hi), np.maximum(hi - lo + 1.0, 0.0), 0.0)
    return np.where(cand, lin, lin - shift)


def fit_logistic(x: np.ndarray, y: np.ndarray, c: float) -> tuple[np.ndarray, float]:
    """Class-balanced L2 logistic regression on standardised features.

    Returns coefficients and intercept on the raw feature scale.
    """
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    lr = LogisticRegression(C=c, class_weight="balanced", max_iter=1000)
    lr.fit((x - mean) / scale, y)
    coef = lr.coef_[0] / scale
    intercept = float(lr.intercept_[0] - (coef * mean).sum())
    return coef.astype(np.float64), intercept
