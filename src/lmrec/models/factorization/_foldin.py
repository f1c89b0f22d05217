# SPDX-License-Identifier: MIT
"""Closed-form user fold-in for implicit-feedback factor models."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def fold_in(
    item_factors: np.ndarray,
    history: sp.csr_matrix,
    regularization: float,
    alpha: float = 1.0,
    gram: np.ndarray | None = None,
) -> np.ndarray:
    """User vectors that minimise the implicit-ALS loss with item factors held fixed.

    Solves ``(YᵀY + Σ_i (c_i − 1) y_i y_iᵀ + λI) x = Σ_i c_i y_i`` per user with confidence
    ``c_i = α·value`` over the history items (the equations of implicit's ALS), batched.

    Args:
        item_factors: ``[n_items, f]``.
        history: ``[n_users, n_items]`` CSR of values.
        regularization: λ.
        alpha: confidence scale.
        gram: ``YᵀY`` in float64 when the caller keeps it (with float64 ``item_factors``),
            which saves recomputing it on every call.

    Returns:
        ``[n_users, f]`` float32.
    """
    y = np.asarray(item_factors, dtype=np.float64)
    f = y.shape[1]
    h = sp.csr_matrix(history, dtype=np.float64)
    base = (y.T @ y if gram is None else gram) + regularization * np.eye(f)
    out = np.zeros((h.shape[0], f), np.float32)
    # users whose every confidence is 1 share the matrix YᵀY + λI: one solve for all of them
    other = np.zeros(h.shape[0], bool)
    rows = np.repeat(np.arange(h.shape[0]), np.diff(h.indptr))
    other[rows[alpha * h.data != 1.0]] = True
    plain = np.flatnonzero(~other & (np.diff(h.indptr) > 0))
    if len(plain):
        out[plain] = np.linalg.solve(base, np.asarray(h[plain] @ y).T).T
    for u in np.flatnonzero(other).tolist():
        lo, hi = h.indptr[u], h.indptr[u + 1]
        yi = y[h.indices[lo:hi]]
        c = alpha * h.data[lo:hi]
        a = base + (yi.T * (c - 1.0)) @ yi
        out[u] = np.linalg.solve(a, yi.T @ c)
    return out
