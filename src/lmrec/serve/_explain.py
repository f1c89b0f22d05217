# SPDX-License-Identifier: MIT
"""Item vectors, similar items and per-item reasons for any lmrec model.

Vectors come from the model when it has them (text models' ``item_vectors()``, factor models'
``item_factors_``); otherwise items are compared by co-occurrence (cosine of their columns in
the training matrix), which every model carries.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

from lmrec.models import Recommender, topk


def item_vectors(model: Recommender) -> np.ndarray | None:
    """``[n_items, d]`` unit vectors of the model's items, or None when it has none."""
    fn = getattr(model, "item_vectors", None)
    vecs = fn() if callable(fn) else getattr(model, "item_factors_", None)
    if vecs is None:
        return None
    vecs = np.asarray(vecs, np.float32)
    return vecs / np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-9)


def similarity(model: Recommender, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """Cosine ``[len(rows), len(cols)]`` between items (vectors, else co-occurrence)."""
    vecs = item_vectors(model)
    if vecs is not None:
        return np.asarray(vecs[rows] @ vecs[cols].T)
    x = sp.csc_matrix(model.train_, dtype=np.float32)
    x.data[:] = 1.0
    a, b = x[:, rows], x[:, cols]
    co = np.asarray((a.T @ b).toarray(), np.float32)
    na = np.sqrt(np.asarray(a.sum(axis=0)).ravel())
    nb = np.sqrt(np.asarray(b.sum(axis=0)).ravel())
    return np.asarray(co / np.maximum(np.outer(na, nb), 1e-9), np.float32)


def similar(model: Recommender, item: int, k: int) -> list[tuple[Any, float]]:
    """The ``k`` items most similar to dense index ``item`` (external ids, scores)."""
    native = getattr(model, "similar_items", None)
    if callable(native):
        return list(native(model.items_.ids[item], k))
    sims = similarity(model, np.array([item]), np.arange(model.n_items))
    sims[0, item] = -np.inf
    sims[0, sims[0] <= 0] = -np.inf
    idx, vals = topk(sims, k)
    keep = idx[0] >= 0
    return [
        (model.items_.ids[i].item(), float(v))
        for i, v in zip(idx[0][keep], vals[0][keep], strict=True)
    ]


def reasons(
    model: Recommender, recs: np.ndarray, history: np.ndarray, query: str | None, top: int = 3
) -> list[dict[str, Any]]:
    """One reason per recommended dense index: the most similar history items, else the
    query, else popularity."""
    if len(history) == 0 or len(recs) == 0:
        if query:
            return [{"kind": "query", "text": query} for _ in recs]
        return [{"kind": "popular"} for _ in recs]
    sims = similarity(model, recs, history)
    out: list[dict[str, Any]] = []
    ids = model.items_.ids
    for row in sims:
        order = np.argsort(-row, kind="stable")[:top]
        order = order[row[order] > 0]
        if len(order):
            out.append(
                {
                    "kind": "history",
                    "items": ids[history[order]].tolist(),
                    "similarity": [round(float(s), 4) for s in row[order]],
                }
            )
        else:
            out.append({"kind": "query", "text": query} if query else {"kind": "popular"})
    return out
