# SPDX-License-Identifier: MIT
"""Row-wise score normalisation and rank contributions (pure numpy)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from lmrec.models._topk import topk


def pool_mask(scores: np.ndarray, history: sp.csr_matrix) -> np.ndarray:
    """Items each row may rank: finite scores outside the user's history."""
    pool = np.isfinite(scores)
    rows = np.repeat(np.arange(history.shape[0]), np.diff(history.indptr))
    pool[rows, history.indices] = False
    return pool


def normalize(scores: np.ndarray, pool: np.ndarray, method: str) -> np.ndarray:
    """Per-row normalised scores (float64); statistics over ``pool``, non-finite → ``-inf``.

    ``minmax`` maps the pool to [0, 1], ``zscore`` to mean 0 / std 1 (affine, so every finite
    item is transformed), ``rank`` gives each item its mid-rank percentile among the pool.
    """
    finite = np.isfinite(scores)
    s = np.where(finite, scores, 0.0).astype(np.float64)
    if method == "rank":
        out = _percentile(s, pool & finite)
    else:
        n = np.maximum(pool.sum(axis=1, keepdims=True), 1)
        if method == "zscore":
            mean = np.where(pool, s, 0.0).sum(axis=1, keepdims=True) / n
            var = (np.where(pool, s - mean, 0.0) ** 2).sum(axis=1, keepdims=True) / n
            std = np.sqrt(var)
            out = (s - mean) / np.where(std > 0, std, 1.0)
        else:
            lo = np.where(pool, s, np.inf).min(axis=1, keepdims=True)
            hi = np.where(pool, s, -np.inf).max(axis=1, keepdims=True)
            lo = np.where(np.isfinite(lo), lo, 0.0)
            span = np.where(np.isfinite(hi) & (hi > lo), hi - lo, 1.0)
            out = (s - lo) / span
    out[~finite] = -np.inf
    return out


def _percentile(s: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """Share of the row's pool scoring below each item, ties counted half (in [0, 1])."""
    n, m = s.shape
    order = np.argsort(s, axis=1, kind="stable")
    sv = np.take_along_axis(s, order, axis=1)
    inpool = np.take_along_axis(pool, order, axis=1).astype(np.int64)
    upto = np.cumsum(inpool, axis=1)  # pool items at or before each sorted position
    before = upto - inpool
    pos = np.broadcast_to(np.arange(m), (n, m))
    starts = np.ones((n, m), bool)
    starts[:, 1:] = sv[:, 1:] != sv[:, :-1]
    first = np.maximum.accumulate(np.where(starts, pos, 0), axis=1)
    ends = np.ones((n, m), bool)
    ends[:, :-1] = starts[:, 1:]
    last = np.minimum.accumulate(np.where(ends, pos, m - 1)[:, ::-1], axis=1)[:, ::-1]
    below = np.take_along_axis(before, first, axis=1)
    tied = np.take_along_axis(upto, last, axis=1) - below
    total = np.maximum(upto[:, -1:], 1)
    out = np.empty((n, m), np.float64)
    np.put_along_axis(out, order, (below + 0.5 * tied) / total, axis=1)
    return out


def top_ranks(scores: np.ndarray, pool: np.ndarray, depth: int) -> np.ndarray:
    """1-based rank of each item among the row's top-``depth`` pool items (0 elsewhere)."""
    idx, _ = topk(np.where(pool, scores, -np.inf), depth)
    ranks = np.zeros(scores.shape, np.int32)
    rows, cols = np.nonzero(idx >= 0)
    ranks[rows, idx[rows, cols]] = cols + 1
    return ranks


def rank_points(ranks: np.ndarray, method: str, depth: int, rrf_k: float) -> np.ndarray:
    """``1/(rrf_k + rank)`` (rrf) or ``depth - rank + 1`` (borda); 0 outside the top."""
    r = ranks.astype(np.float64)
    pts = 1.0 / (rrf_k + r) if method == "rrf" else depth - r + 1.0
    return np.where(ranks > 0, pts, 0.0)


def floor_dead(values: np.ndarray) -> np.ndarray:
    """Replace non-finite entries by the row's lowest finite value (0 for empty rows)."""
    finite = np.isfinite(values)
    if finite.all():
        return values
    low = np.where(finite, values, np.inf).min(axis=1, keepdims=True)
    low = np.where(np.isfinite(low), low, 0.0)
    return np.where(finite, values, low)


def weighted_sum(parts: list[np.ndarray], weights: np.ndarray) -> np.ndarray:
    """``Σ w_c · part_c`` (float64), skipping zero weights."""
    out = np.zeros(parts[0].shape, np.float64)
    for w, part in zip(weights, parts, strict=True):
        if w != 0:
            out += w * part
    return out


def ndcg_per_user(top: np.ndarray, truth: sp.csr_matrix, k: int) -> np.ndarray:
    """Binary NDCG@k of ranked lists ``top`` (-1 padded) for rows with relevant items."""
    rel = truth.toarray() > 0
    top = top[:, :k]
    hits = np.take_along_axis(rel, np.maximum(top, 0), axis=1) & (top >= 0)
    disc = 1.0 / np.log2(np.arange(2, top.shape[1] + 2))
    dcg = (hits * disc).sum(axis=1)
    n_rel = np.minimum(rel.sum(axis=1), top.shape[1])
    idcg = np.r_[0.0, np.cumsum(disc)][n_rel]
    ok = n_rel > 0
    return np.asarray(dcg[ok] / idcg[ok])
