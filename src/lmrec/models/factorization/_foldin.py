# SPDX-License-Identifier: MIT
"""Closed-form user fold-in for implicit-feedback factor models."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp


def fold_in(
    item_factors: np.ndarray, history: sp.csr_matrix, regularization: float, alpha: float = 1.0
) -> np.ndarray:
    """User vectors that minimise the implicit-ALS loss with item factors held fixed.

    Solves ``(YᵀY + Σ_i (c_i − 1) y_i y_iᵀ + λI) x = Σ_i c_i y_i`` per user with confidence
    ``c_i = α·value`` over the history items (the equations of implicit's ALS), batched.

    Args:
        item_factors: ``[n_items, f]``.
        history: ``[n_users, n_items]`` CSR of values.
        regularization: λ.
        alpha: confidence scale.

    Returns:
        ``[n_users, f]`` float32.
    """
    y = np.asarray(item_factors, dtype=np.float64)
    f = y.shape[1]
    h = sp.csr_matrix(history, dtype=np.float64)
    base = y.T @ y + regularization * np.eye(f)
    out = np.zeros((h.shape[0], f), np.float32)
    for u in range(h.shape[0]):
        lo, hi = h.indptr[u], h.indptr[u + 1]
        if lo == hi:
            continue
        yi = y[h.indices[lo:hi]]
        c = alpha * h.data[lo:hi]
        a = base + (yi.T * (c - 1.0)) @ yi
        out[u] = np.linalg.solve(a, yi.T @ c)
    return out
