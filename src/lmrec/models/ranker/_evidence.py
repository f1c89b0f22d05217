# SPDX-License-Identifier: MIT
"""Text evidence for the LM ranker's head: how the user rated the items whose text is most
like the candidate's (a content k-nearest-neighbour signal from the language model's item
embeddings, complementary to a collaborative prior)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

#: Columns of :func:`text_evidence`.
EVIDENCE = ("deviation", "deviation_x_max_sim", "max_sim", "mean_sim")
#: Similarities are sharpened by this power before weighting ratings (negatives count 0).
SHARPEN = 3


def text_evidence(
    vecs: np.ndarray,
    history: sp.csr_matrix,
    rows: np.ndarray,
    items: np.ndarray,
    k: int,
) -> np.ndarray:
    """``float32 [n, 4]`` per (history row, item) pair, from the ``k`` items of the row's
    history most similar to the item by the unit-length ``vecs`` (the item itself excluded):

    - ``deviation``: the user's ratings of those items minus the user's mean rating (over the
      history without the item, so a fine-tuning pair's own rating never leaks in), averaged
      with weights ``max(sim, 0) ** 3`` (0 for implicit data, where every value is equal);
    - ``deviation × max_sim``: the same, trusted more when a close neighbour exists;
    - ``max_sim`` and ``mean_sim``: how close the item is to the history at all.

    Rows without any other history get zeros.
    """
    rows = np.asarray(rows, np.int64)
    items = np.asarray(items, np.int64)
    out = np.zeros((len(rows), len(EVIDENCE)), np.float32)
    if not len(rows):
        return out
    order = np.argsort(rows, kind="stable")
    bounds = np.flatnonzero(np.diff(rows[order])) + 1
    for group in np.split(order, bounds):
        r = int(rows[group[0]])
        lo, hi = history.indptr[r], history.indptr[r + 1]
        hist, vals = history.indices[lo:hi], history.data[lo:hi].astype(np.float32)
        if not len(hist):
            continue
        sims = vecs[items[group]] @ vecs[hist].T  # [pairs, history]
        itself = items[group][:, None] == hist[None, :]
        sims[itself] = -np.inf  # never the item itself, neither as neighbour nor in the mean
        others = np.maximum(len(hist) - itself.sum(1), 1)
        mean = (vals.sum() - (itself * vals).sum(1)) / others
        top = min(k, len(hist))
        idx = np.argpartition(-sims, top - 1, axis=1)[:, :top]
        s = np.take_along_axis(sims, idx, axis=1)
        valid = np.isfinite(s)
        s = np.where(valid, s, 0.0)
        dev = vals[idx] - mean[:, None]
        w = np.where(valid, np.maximum(s, 0.0) ** SHARPEN, 0.0)
        d = (w * dev).sum(1) / np.maximum(w.sum(1), 1e-6)
        n_valid = np.maximum(valid.sum(1), 1)
        smax = np.where(valid.any(1), np.where(valid, s, -np.inf).max(1), 0.0)
        out[group] = np.column_stack([d, d * smax, smax, s.sum(1) / n_valid])
    return out


__all__ = ["EVIDENCE", "text_evidence"]
