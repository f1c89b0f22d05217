# SPDX-License-Identifier: MIT
"""Click / binary-relevance metrics: AUC (global and per user) and log loss.

* **AUC** is the Mann–Whitney probability that a random positive scores above a random
  negative, ``P(s⁺ > s⁻) + 0.5 · P(s⁺ = s⁻)``: tied pairs count one half. With only one class
  present the AUC is undefined and the functions return ``NaN`` (no exception, no warning), so a
  per-user average can drop those users with ``np.nanmean``.
* **log loss** = −mean(y·ln p + (1 − y)·ln(1 − p)) in nats, with ``p`` clipped to
  ``[eps, 1 − eps]`` so a confident wrong answer costs ``−ln(eps)`` instead of infinity.

:func:`auc_per_row` is the vectorised full-ranking AUC used by the harness: for each user,
relevant (test) items against every other *candidate* item, seen items excluded.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike
from scipy.stats import rankdata

__all__ = ["auc", "auc_per_row", "log_loss"]

_CHUNK_ELEMENTS = 1 << 22  # rows per auc_per_row block = this // n_columns (≈ 4M cells)


def _binary_labels(y_true: ArrayLike, n: int | None = None) -> np.ndarray:
    y = np.asarray(y_true).ravel()
    if n is not None and y.size != n:
        raise ValueError(f"y_true has {y.size} values but the scores have {n}; pass one per row")
    if y.size == 0:
        raise ValueError("y_true is empty; AUC needs at least one labelled example")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y_true must hold binary labels (0/1 or False/True)")
    return y.astype(bool)


def auc(y_true: ArrayLike, y_score: ArrayLike) -> float:
    """Area under the ROC curve (Mann–Whitney U / (n⁺·n⁻)), ties counted one half.

    Args:
        y_true: binary labels (0/1 or bool), any shape (flattened).
        y_score: scores, same number of elements; higher means "more likely positive".

    Returns:
        AUC in ``[0, 1]``; ``NaN`` when ``y_true`` holds only one class.

    Raises:
        ValueError: on empty input, mismatched sizes, non-binary labels or non-finite scores.

    Example:
        >>> auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])  # pairs won: 3 of 4
        0.75
    """
    s = np.asarray(y_score, dtype=np.float64).ravel()
    y = _binary_labels(y_true, s.size)
    if not np.all(np.isfinite(s)):
        raise ValueError("y_score must be finite (found NaN or inf)")
    n_pos = int(y.sum())
    n_neg = y.size - n_pos
    if n_pos == 0 or n_neg == 0:
        return float("nan")
    ranks = rankdata(s)  # average ranks for ties
    u = ranks[y].sum() - n_pos * (n_pos + 1) / 2.0
    return float(u / (n_pos * n_neg))


def log_loss(y_true: ArrayLike, p: ArrayLike, eps: float = 1e-7) -> float:
    """Mean binary cross-entropy (natural log) with probabilities clipped to ``[eps, 1 - eps]``.

    Args:
        y_true: labels in ``[0, 1]`` (0/1, or soft labels).
        p: predicted probabilities of the positive class, same number of elements.
        eps: clipping margin, ``0 < eps < 0.5``.

    Returns:
        ``-mean(y * ln(p) + (1 - y) * ln(1 - p))``.

    Raises:
        ValueError: on empty input, mismatched sizes, labels outside ``[0, 1]``, non-finite
            probabilities or a bad ``eps``.

    Example:
        >>> round(log_loss([1, 0], [0.8, 0.2]), 6)  # -ln(0.8)
        0.223144
    """
    if not 0.0 < eps < 0.5:
        raise ValueError(f"eps must lie in (0, 0.5), got {eps}")
    y = np.asarray(y_true, dtype=np.float64).ravel()
    q = np.asarray(p, dtype=np.float64).ravel()  # float64 so that 1 - eps is representable
    if y.size != q.size:
        raise ValueError(f"y_true has {y.size} values but p has {q.size}; pass one per example")
    if y.size == 0:
        raise ValueError("y_true and p are empty; log loss needs at least one example")
    if not np.all((y >= 0) & (y <= 1)):
        raise ValueError("y_true must lie in [0, 1]")
    if not np.all(np.isfinite(q)):
        raise ValueError("p must be finite (found NaN or inf)")
    q = np.clip(q, eps, 1.0 - eps)
    return float(-np.mean(y * np.log(q) + (1.0 - y) * np.log1p(-q)))


def _count_below(srt: np.ndarray, rows: np.ndarray, q: np.ndarray, strict: bool) -> np.ndarray:
    """Per query, how many entries of row ``rows[j]`` of ``srt`` are ``< q[j]`` (or ``<=``).

    ``srt`` is sorted along rows with NaN (excluded entries) last, so the predicate is monotone
    and one binary search, run for all queries at once, finds the count.
    """
    lo = np.zeros(q.size, dtype=np.int64)
    hi = np.full(q.size, srt.shape[1], dtype=np.int64)
    while True:
        active = lo < hi
        if not active.any():
            return lo
        mid = (lo + hi) // 2
        val = srt[rows, np.minimum(mid, srt.shape[1] - 1)]
        below = (val < q) if strict else (val <= q)  # NaN compares False
        lo = np.where(active & below, mid + 1, lo)
        hi = np.where(active & ~below, mid, hi)


def _auc_block(scores: np.ndarray, rel: sp.csr_matrix, cand: np.ndarray) -> np.ndarray:
    """AUC of each row of a block (see :func:`auc_per_row`)."""
    n = scores.shape[0]
    rows = np.repeat(np.arange(n), np.diff(rel.indptr))
    cols = rel.indices
    is_pos = cand[rows, cols]
    neg_scores = np.where(cand, scores, np.nan)  # excluded columns: NaN, sorted last
    neg_scores[rows, cols] = np.nan  # relevant items are never negatives
    srt = np.sort(neg_scores, axis=1)
    n_neg = cand.sum(axis=1) - np.bincount(rows[is_pos], minlength=n)
    rows, cols = rows[is_pos], cols[is_pos]
    q = scores[rows, cols]
    below = _count_below(srt, rows, q, strict=True)
    below_or_tied = _count_below(srt, rows, q, strict=False)
    wins = np.bincount(rows, weights=0.5 * (below + below_or_tied), minlength=n)
    n_pos = np.bincount(rows, minlength=n)
    pairs = (n_pos * n_neg).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pairs > 0, wins / pairs, np.nan)


def auc_per_row(
    scores: np.ndarray, relevant: sp.csr_matrix, candidates: np.ndarray | None = None
) -> np.ndarray:
    """Full-ranking AUC of every row: relevant vs. non-relevant among the candidate columns.

    For row ``u`` the positives are the columns with a nonzero in ``relevant[u]`` and
    ``candidates[u]`` True, the negatives the other candidate columns; columns with
    ``candidates`` False (e.g. items seen in training) are ignored entirely, even if relevant.
    Each row's non-relevant candidate scores are sorted once (``np.sort`` per row block, no
    Python loop over users); every relevant item then counts the negatives strictly below and
    tied with its score by a vectorised binary search. Equal scores count one half, including
    ``-inf`` ties.

    Args:
        scores: ``[n, m]`` float scores (float32 is fine); must be finite or ``-inf`` /
            ``+inf`` on candidate columns, NaN is an error.
        relevant: ``[n, m]`` sparse matrix whose nonzeros mark each row's relevant items.
        candidates: bool ``[n, m]``; ``None`` means every column is a candidate.

    Returns:
        float64 ``[n]``; ``NaN`` for rows with no relevant or no non-relevant candidate.

    Raises:
        ValueError: on mismatched shapes or NaN scores on candidate columns.
    """
    s = np.asarray(scores)
    if s.ndim != 2:
        raise ValueError(f"scores must be a 2-D [n, m] array, got shape {s.shape}")
    rel = sp.csr_matrix(relevant, copy=True)
    rel.sum_duplicates()
    rel.eliminate_zeros()  # explicitly stored zeros are not relevant
    if rel.shape != s.shape:
        raise ValueError(f"relevant has shape {rel.shape} but scores have shape {s.shape}")
    if candidates is None:
        cand = np.ones(s.shape, dtype=bool)
    else:
        cand = np.asarray(candidates, dtype=bool)
        if cand.shape != s.shape:
            raise ValueError(f"candidates has shape {cand.shape} but scores have {s.shape}")
    if not np.issubdtype(s.dtype, np.floating):
        s = s.astype(np.float64)
    n, m = s.shape
    out = np.full(n, np.nan)
    if n == 0 or m == 0:
        return out
    step = max(1, _CHUNK_ELEMENTS // m)
    for lo in range(0, n, step):  # memory-bounded row blocks, each fully vectorised
        hi = min(n, lo + step)
        block_c = cand[lo:hi]
        block_s = s[lo:hi]
        if (np.isnan(block_s) & block_c).any():
            raise ValueError("scores hold NaN on candidate columns; mask them via candidates")
        out[lo:hi] = _auc_block(block_s, rel[lo:hi], block_c)
    return out
