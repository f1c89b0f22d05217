# SPDX-License-Identifier: MIT
"""Sparse top-k cosine similarity, computed in column blocks to bound memory."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from tqdm.auto import tqdm


def topk_cosine(
    x: sp.csr_matrix,
    k: int,
    shrink: float = 0.0,
    alpha: float = 0.5,
    block_bytes: int = 256 << 20,
    progress: bool = False,
) -> sp.csr_matrix:
    """Row-pruned similarity between the columns of ``x``.

    ``sim(i, j) = <x_i, x_j> / (|x_i|^(2α) · |x_j|^(2(1-α)) + shrink)``: α = 0.5 is cosine,
    other values give the asymmetric cosine. The diagonal is zero. Row ``i`` keeps its ``k``
    largest entries, so ``scores = history @ S`` sums the similarities of each history item to
    its ``k`` nearest neighbours.

    Args:
        x: ``[n_rows, n_cols]`` sparse matrix; columns are the objects compared.
        k: neighbours kept per row of the result.
        shrink: added to the denominator, damping similarities built on little overlap.
        alpha: asymmetry exponent.
        block_bytes: memory bound for one dense block of the Gram matrix.

    Returns:
        ``[n_cols, n_cols]`` CSR float32 similarity matrix.
    """
    xc = sp.csc_matrix(x, dtype=np.float32)
    n = xc.shape[1]
    sq = np.asarray(xc.multiply(xc).sum(axis=0)).ravel()
    left = np.power(sq, alpha, dtype=np.float64)
    right = np.power(sq, 1.0 - alpha, dtype=np.float64)
    xt = sp.csr_matrix(xc.T)
    step = max(1, int(block_bytes // max(1, 4 * n)))
    k = min(k, max(n - 1, 1))
    rows, cols, vals = [], [], []
    blocks = range(0, n, step)
    for start in tqdm(blocks, desc="similarity", disable=not progress, leave=False):
        stop = min(start + step, n)
        # rows start..stop of the symmetric Gram matrix, as a dense block
        gram = (xt[start:stop] @ xc).toarray()
        denom = left[start:stop, None] * right[None, :] + shrink
        with np.errstate(divide="ignore", invalid="ignore"):
            sim = np.where(denom > 0, gram / denom, 0.0).astype(np.float32)
        sim[np.arange(stop - start), np.arange(start, stop)] = 0.0
        if k < n:
            top = np.argpartition(-sim, k - 1, axis=1)[:, :k]
        else:
            top = np.tile(np.arange(n), (stop - start, 1))
        v = np.take_along_axis(sim, top, axis=1)
        keep = v > 0
        rows.append(np.repeat(np.arange(start, stop), keep.sum(axis=1)))
        cols.append(top[keep])
        vals.append(v[keep])
    s = sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(n, n)
    )
    s.sort_indices()
    return s
