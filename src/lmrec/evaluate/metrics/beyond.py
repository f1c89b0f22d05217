# SPDX-License-Identifier: MIT
"""Beyond-accuracy metrics: coverage, novelty, intra-list diversity, popularity bias.

Every function takes ``recommended`` either as a padded ``[n, K]`` integer array of dense item
indices (``-1`` = padding) or as a sequence of lists of dense item indices (lists may differ in
length). Lists are taken as given: a repeated item counts each time it appears (the harness
never produces repeats).

Definitions (``L_u`` = the valid items of user ``u``'s list, ``c_i`` = training interaction
count of item ``i``):

* **catalogue coverage** = |∪_u L_u| / n_items.
* **novelty** (per user) = mean over ``i ∈ L_u`` of the self-information ``−log2(p_i)``,
  ``p_i = max(c_i, 1) / n_users``: an item never seen in training is treated as seen once, so
  novelty stays finite.
* **intra-list diversity** (per user) = 1 − mean cosine similarity over the pairs ``i < j`` of
  ``L_u``, from ``item_vectors`` (e.g. text embeddings). An all-zero vector has cosine 0 with
  everything. Lists with fewer than 2 items give NaN.
* **average recommendation popularity** (ARP, per user) = mean of ``c_i`` over ``L_u``.
* **Gini of exposure** over all ``n_items`` catalogue items (never-recommended ones included):
  with exposure counts ``x_1 ≤ … ≤ x_n`` (times recommended),
  ``G = Σ_i (2i − n − 1)·x_i / (n·Σ_i x_i)``: 0 when all items are recommended equally often,
  ``(n − 1)/n`` (→ 1) when one item takes all exposure.

Per-user functions return NaN for users whose list is empty.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp
from numpy.typing import ArrayLike

__all__ = [
    "average_popularity",
    "catalog_coverage",
    "gini_exposure",
    "intra_list_diversity",
    "novelty",
]

Recommended = np.ndarray | Sequence[Sequence[int]]


def _as_padded(recommended: Recommended, n_items: int | None = None) -> np.ndarray:
    """``[n, K]`` int64 with ``-1`` padding from an array or a ragged sequence of lists."""
    if isinstance(recommended, np.ndarray) and recommended.ndim == 2:
        rec = recommended
        if rec.size and not np.issubdtype(rec.dtype, np.integer):
            raise ValueError(f"recommended must hold integer item indices, got {rec.dtype}")
        rec = rec.astype(np.int64, copy=False)
    else:
        lists = [np.asarray(r).ravel() for r in recommended]
        width = max((len(r) for r in lists), default=0)
        rec = np.full((len(lists), width), -1, dtype=np.int64)
        for u, r in enumerate(lists):  # conversion of ragged input only
            if r.size and not np.issubdtype(r.dtype, np.integer):
                raise ValueError(f"user {u}: recommended must hold integer item indices")
            rec[u, : r.size] = r
    if rec.size and rec.min() < -1:
        raise ValueError("recommended holds negative item indices other than the -1 padding")
    if n_items is not None and rec.size and rec.max() >= n_items:
        raise ValueError(
            f"recommended holds item index {rec.max()} but the catalogue has {n_items} items"
        )
    return rec


def _per_item(values: ArrayLike, name: str) -> np.ndarray:
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be a 1-D array with one value per item, got {arr.shape}")
    if np.any(arr < 0) or not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must hold finite, non-negative values")
    return arr


def _mean_of(rec: np.ndarray, per_item: np.ndarray) -> np.ndarray:
    """Per-user mean of ``per_item`` over the valid entries of ``rec`` (NaN for empty lists)."""
    valid = rec >= 0
    vals = np.where(valid, per_item[np.where(valid, rec, 0)], 0.0)
    counts = valid.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, vals.sum(axis=1) / counts, np.nan)


def catalog_coverage(recommended: Recommended, n_items: int) -> float:
    """Share of the catalogue that appears in at least one recommended list.

    Args:
        recommended: padded ``[n, K]`` array or sequence of lists of dense item indices.
        n_items: catalogue size, ``>= 1``.

    Returns:
        distinct recommended items / ``n_items``, in ``[0, 1]``.

    Example:
        >>> catalog_coverage([[0, 1], [1, 2]], n_items=6)  # {0, 1, 2} of 6
        0.5
    """
    if n_items < 1:
        raise ValueError(f"n_items must be >= 1, got {n_items}")
    rec = _as_padded(recommended, n_items)
    return float(np.unique(rec[rec >= 0]).size / n_items)


def novelty(recommended: Recommended, item_counts: ArrayLike, n_users: int) -> np.ndarray:
    """Mean self-information ``-log2(max(count, 1) / n_users)`` of each user's list, in bits.

    Args:
        recommended: padded ``[n, K]`` array or sequence of lists of dense item indices.
        item_counts: ``[n_items]`` training popularity of each item (e.g. number of users who
            interacted with it); a zero count is treated as 1 to keep the value finite.
        n_users: number of training users (the denominator of the popularity ``p_i``).

    Returns:
        float64 ``[n]``; NaN for empty lists.

    Example:
        >>> novelty([[0, 1]], item_counts=[4, 1], n_users=8)  # mean(-log2(1/2), -log2(1/8))
        array([2.])
    """
    counts = _per_item(item_counts, "item_counts")
    if n_users < 1:
        raise ValueError(f"n_users must be >= 1, got {n_users}")
    rec = _as_padded(recommended, counts.size)
    info = -np.log2(np.maximum(counts, 1.0) / n_users)
    return _mean_of(rec, info)


def average_popularity(recommended: Recommended, item_counts: ArrayLike) -> np.ndarray:
    """Average recommendation popularity (ARP): mean training count of each user's items.

    Args:
        recommended: padded ``[n, K]`` array or sequence of lists of dense item indices.
        item_counts: ``[n_items]`` training interaction count of each item.

    Returns:
        float64 ``[n]``; NaN for empty lists.

    Example:
        >>> average_popularity([[0, 2], [1]], item_counts=[10, 3, 0])
        array([5., 3.])
    """
    counts = _per_item(item_counts, "item_counts")
    return _mean_of(_as_padded(recommended, counts.size), counts)


def intra_list_diversity(recommended: Recommended, item_vectors: ArrayLike) -> np.ndarray:
    """1 − mean pairwise cosine similarity of each user's recommended items.

    Uses ``Σ_{i<j} cos(v_i, v_j) = (‖Σ_i v̂_i‖² − Σ_i ‖v̂_i‖²) / 2`` over unit vectors ``v̂``
    (zero rows stay zero), computed for all users with one sparse product.

    Args:
        recommended: padded ``[n, K]`` array or sequence of lists of dense item indices.
        item_vectors: ``[n_items, d]`` item representations (e.g. text embeddings).

    Returns:
        float64 ``[n]``; NaN for lists with fewer than 2 items.

    Example:
        >>> intra_list_diversity([[0, 1, 2]], [[1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
        array([0.66666667])
    """
    vec = np.asarray(item_vectors, dtype=np.float64)
    if vec.ndim != 2:
        raise ValueError(f"item_vectors must be a 2-D [n_items, d] array, got shape {vec.shape}")
    if not np.all(np.isfinite(vec)):
        raise ValueError("item_vectors must be finite (found NaN or inf)")
    rec = _as_padded(recommended, vec.shape[0])
    norms = np.linalg.norm(vec, axis=1)
    unit = vec / np.where(norms > 0, norms, 1.0)[:, None]
    valid = rec >= 0
    rows = np.nonzero(valid)[0]
    counts = sp.csr_matrix(
        (np.ones(rows.size), (rows, rec[valid])), shape=(rec.shape[0], vec.shape[0])
    )  # duplicates sum: each occurrence is one list element
    total = counts @ unit  # [n, d] sum of unit vectors per list
    self_sim = counts @ (norms > 0).astype(np.float64)  # Σ ‖v̂_i‖² (1 per nonzero vector)
    size = valid.sum(axis=1).astype(np.float64)
    pair_sum = np.einsum("ij,ij->i", total, total) - self_sim  # = 2 · Σ_{i<j} cos
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_cos = pair_sum / (size * (size - 1.0))
    return np.where(size >= 2, 1.0 - mean_cos, np.nan)


def gini_exposure(recommended: Recommended, n_items: int) -> float:
    """Gini coefficient of how often each catalogue item is recommended.

    Args:
        recommended: padded ``[n, K]`` array or sequence of lists of dense item indices.
        n_items: catalogue size; items never recommended count with exposure 0.

    Returns:
        ``G`` in ``[0, (n_items - 1) / n_items]``; NaN when nothing is recommended.

    Example:
        >>> gini_exposure([[3], [3]], n_items=4)  # exposure [0, 0, 0, 2]
        0.75
    """
    if n_items < 1:
        raise ValueError(f"n_items must be >= 1, got {n_items}")
    rec = _as_padded(recommended, n_items)
    x = np.sort(np.bincount(rec[rec >= 0], minlength=n_items)).astype(np.float64)
    total = x.sum()
    if total == 0:
        return float("nan")
    i = np.arange(1, n_items + 1, dtype=np.float64)
    return float(np.sum((2.0 * i - n_items - 1.0) * x) / (n_items * total))
