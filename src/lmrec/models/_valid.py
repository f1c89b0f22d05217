# SPDX-License-Identifier: MIT
"""Validation NDCG for early stopping (shared by the models that train iteratively)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from lmrec.data import Dataset
from lmrec.models._base import UserBatch
from lmrec.models._topk import mask_rows, topk


def valid_ndcg(
    batch: Callable[[np.ndarray], UserBatch],
    score: Callable[[UserBatch], np.ndarray],
    valid: Dataset,
    popularity: np.ndarray,
    k: int = 10,
    max_users: int | None = None,
    seed: int = 0,
) -> float:
    """Mean binary NDCG@k on ``valid`` with history items excluded.

    ``batch`` builds a :class:`UserBatch` for dense user indices and ``score`` returns raw
    ``[n, n_items]`` scores. When every validation item is absent from training (``popularity``
    zero: a cold-item split), ranking is among the items without training events, as the
    cold-start protocol does. ``max_users`` evaluates a seeded random sample of users.
    """
    truth = valid.interactions
    users = np.flatnonzero(np.diff(truth.indptr) > 0)
    if max_users is not None and len(users) > max_users:
        users = np.sort(np.random.default_rng(seed).choice(users, max_users, replace=False))
    cold = popularity == 0
    cold_split = bool(len(truth.indices)) and bool(cold[truth.indices].all())
    total = 0.0
    discounts = 1.0 / np.log2(np.arange(2, k + 2))
    for start in range(0, len(users), 1024):
        rows = users[start : start + 1024]
        b = batch(rows)
        scores = score(b)
        mask_rows(scores, b.history)
        if cold_split:
            scores[:, ~cold] = -np.inf
        top, _ = topk(scores, k)
        rel = truth[rows]
        for r, items in enumerate(top):
            relevant = rel.indices[rel.indptr[r] : rel.indptr[r + 1]]
            hits = np.isin(items, relevant)
            ideal = discounts[: min(len(relevant), k)].sum()
            total += float((hits * discounts).sum() / ideal)
    return total / max(len(users), 1)
