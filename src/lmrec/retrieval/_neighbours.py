# SPDX-License-Identifier: MIT
"""Item-to-item neighbours over a vector index (what models use for ``similar_items``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from lmrec.errors import ModelError, UnknownIdError
from lmrec.retrieval._base import VectorIndex


def nearest_items(
    index: VectorIndex,
    item_vectors: np.ndarray | None,
    items: Any,
    k: int,
    exclude_self: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` items nearest to each of ``items``.

    Args:
        index: an index holding the item vectors under their dense item indices.
        item_vectors: ``[n_items, dim]`` matrix whose row ``i`` is item ``i``; ``None`` reads the
            query vectors back from the index with :meth:`VectorIndex.reconstruct`.
        items: dense item indices to query.
        k: neighbours per item.
        exclude_self: leave each item out of its own list.

    Returns:
        ``(ids int64 [n, k], scores float32 [n, k])``, best first, padded with ``-1``/``-inf``.

    Raises:
        UnknownIdError: an item is outside ``item_vectors`` (or not in the index).
    """
    idx = np.asarray(items)
    idx = idx[None] if idx.ndim == 0 else idx
    if idx.ndim != 1 or (len(idx) and not np.issubdtype(idx.dtype, np.integer)):
        raise ModelError(f"items must be a 1-D sequence of item indices; got {items!r}")
    idx = idx.astype(np.int64)
    if item_vectors is None:
        queries = np.stack([index.reconstruct(int(i)) for i in idx]) if len(idx) else None
    else:
        bad = idx[(idx < 0) | (idx >= len(item_vectors))]
        if len(bad):
            n = len(item_vectors)
            raise UnknownIdError(f"item {int(bad[0])} is outside item_vectors (n={n})")
        queries = np.asarray(item_vectors)[idx]
    if queries is None:
        return np.empty((0, k), np.int64), np.empty((0, k), np.float32)
    exclude = [{int(i)} for i in idx] if exclude_self else None
    scores, ids = index.search(queries, k, exclude=exclude)
    return ids, scores
