# SPDX-License-Identifier: MIT
"""Deterministic top-K selection over score matrices."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def topk(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` columns of each row, best first; equal scores rank the lower index first.

    Entries equal to ``-inf`` are never selected: short rows are padded with index -1 and
    score ``-inf``.

    Args:
        scores: ``[n, m]`` float array.
        k: list length; may exceed ``m``.

    Returns:
        ``(indices [n, k] int64, scores [n, k] float32)``.
    """
    scores = np.asarray(scores)
    n, m = scores.shape
    kk = min(k, m)
    if kk == 0 or n == 0:
        return np.full((n, k), -1, np.int64), np.full((n, k), -np.inf, np.float32)
    neg = -scores
    if kk < m:
        part = np.argpartition(neg, kk - 1, axis=1)[:, :kk]
        sel = np.take_along_axis(neg, part, axis=1)
        thr = sel.max(axis=1)  # the k-th best score (negated)
        # rows where ties straddle the cut: the partition may have picked arbitrary tied items
        n_tied_all = (neg == thr[:, None]).sum(axis=1)
        n_tied_sel = (sel == thr[:, None]).sum(axis=1)
        fix = np.flatnonzero(n_tied_all != n_tied_sel)
        if len(fix):
            part[fix] = np.argsort(neg[fix], axis=1, kind="stable")[:, :kk]
    else:
        part = np.broadcast_to(np.arange(m), (n, m)).copy()
    vals = np.take_along_axis(neg, part, axis=1)
    order = np.lexsort((part, vals), axis=1)
    idx = np.take_along_axis(part, order, axis=1).astype(np.int64)
    out = -np.take_along_axis(vals, order, axis=1).astype(np.float32)
    dead = ~np.isfinite(out) & (out < 0)
    idx[dead] = -1
    if kk < k:
        idx = np.pad(idx, ((0, 0), (0, k - kk)), constant_values=-1)
        out = np.pad(out, ((0, 0), (0, k - kk)), constant_values=-np.inf)
    return idx, out


def mask_rows(scores: np.ndarray, mask: sp.csr_matrix, value: float = -np.inf) -> np.ndarray:
    """Set ``scores[r, c] = value`` wherever the sparse ``mask`` has an entry (in place)."""
    mask = sp.csr_matrix(mask)
    rows = np.repeat(np.arange(mask.shape[0]), np.diff(mask.indptr))
    scores[rows, mask.indices] = value
    return scores
