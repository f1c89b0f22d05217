# SPDX-License-Identifier: MIT
"""Closed-form user fold-in for implicit-feedback factor models."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from lmrec.errors import DataError


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


class RunningFoldIn:
    """User fold-ins kept current event by event, when every confidence is 1.

    Then the fold-in matrix ``A = YᵀY + λI`` is the same for every user, and a user's vector is
    ``A⁻¹ s_u`` with ``s_u = Σ y_i`` over their distinct items. An event adds one row of ``Y``
    to ``s_u`` (when the pair is new) and re-solving a user is one ``f × f`` product: the
    vectors :func:`fold_in` gives on the whole history, without re-reading the history.
    The item factors stay fixed.

    Args:
        item_factors: ``[n_items, f]``.
        regularization: λ.
        history: ``[n_users, n_items]`` CSR; stored entries count as interactions (value 1).
        gram: ``YᵀY`` in float64 when the caller keeps it.
    """

    def __init__(
        self,
        item_factors: np.ndarray,
        regularization: float,
        history: sp.csr_matrix,
        gram: np.ndarray | None = None,
    ) -> None:
        y = np.asarray(item_factors, dtype=np.float64)
        h = sp.csr_matrix(history, dtype=np.float64, copy=True)
        h.sum_duplicates()
        if h.shape[1] != y.shape[0]:
            raise DataError(f"history has {h.shape[1]} item columns, the factors {y.shape[0]} rows")
        h.data[:] = 1.0
        f = y.shape[1]
        self._y = y
        self._inverse = np.linalg.inv(
            (y.T @ y if gram is None else gram) + regularization * np.eye(f)
        )
        self._sums = np.asarray(h @ y)
        self._n_items = h.shape[1]
        h.sort_indices()
        rows = np.repeat(np.arange(h.shape[0], dtype=np.int64), np.diff(h.indptr))
        self._stored = rows * self._n_items + h.indices  # sorted keys of the history's pairs
        self._added: set[int] = set()  # keys of the pairs added since

    def add(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Record events (row and column indices); returns the users with a new pair, unique."""
        users = np.asarray(users, np.int64)
        items = np.asarray(items, np.int64)
        n_users = self._sums.shape[0]
        if len(users) != len(items):
            raise DataError(f"{len(users)} users but {len(items)} items")
        if len(users) and (
            (users | items).min() < 0 or users.max() >= n_users or items.max() >= self._n_items
        ):
            raise DataError(f"index out of range: users [0, {n_users}), items [0, {self._n_items})")
        keys = users * self._n_items + items
        if len(self._stored):
            at = np.minimum(np.searchsorted(self._stored, keys), len(self._stored) - 1)
            new = self._stored[at] != keys
        else:
            new = np.ones(len(keys), bool)
        fresh = keys[new].tolist()
        if len(set(fresh)) == len(fresh) and self._added.isdisjoint(fresh):
            self._added.update(fresh)  # the usual case: distinct pairs never seen
        else:
            for j in np.flatnonzero(new).tolist():
                key = int(keys[j])
                new[j] = key not in self._added
                self._added.add(key)
        users, items = users[new], items[new]
        order = np.argsort(users, kind="stable")
        users, items = users[order], items[order]
        if not len(users):
            return users
        first = np.empty(len(users), bool)
        first[0] = True
        np.not_equal(users[1:], users[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        touched = users[starts]
        # per-user sums of the new rows (np.add.at is ~5× slower)
        self._sums[touched] += np.add.reduceat(self._y[items], starts, axis=0)
        return touched

    def vectors(self, users: np.ndarray) -> np.ndarray:
        """The users' fold-in vectors, ``[len(users), f]`` float32."""
        return (self._sums[users] @ self._inverse).astype(np.float32)
