# SPDX-License-Identifier: MIT
"""Helpers for tests and benchmarks: seeded synthetic embeddings, brute-force truth, recall."""

from __future__ import annotations

import numpy as np


def unit_vectors(n: int, dim: int, seed: int = 0) -> np.ndarray:
    """``n`` random unit vectors with no cluster structure (float32)."""
    return _unit(np.random.default_rng(seed).standard_normal((n, dim))).astype(np.float32)


def clustered_vectors(
    n: int,
    dim: int,
    n_clusters: int,
    noise: float = 0.5,
    seed: int = 0,
    centres: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``n`` unit vectors scattered around random cluster centres, like text embeddings.

    Each vector is a random unit centre plus isotropic Gaussian noise of total norm about
    ``noise``, then L2-normalised. Pass the returned ``centres`` back in to draw queries from the
    same clusters.

    Returns:
        ``(vectors float32 [n, dim], centres float32 [n_clusters, dim])``.
    """
    rng = np.random.default_rng(seed)
    if centres is None:
        centres = _unit(rng.standard_normal((n_clusters, dim)))
    which = rng.integers(0, len(centres), n)
    x = centres[which] + rng.standard_normal((n, dim)) * (noise / np.sqrt(dim))
    return _unit(x).astype(np.float32), centres.astype(np.float32)


def brute_force_topk(
    queries: np.ndarray, items: np.ndarray, k: int, metric: str = "ip", batch: int = 1024
) -> np.ndarray:
    """Row positions of the true top-``k`` items for each query, by numpy (stable argsort)."""
    queries = np.asarray(queries, np.float64)
    items = np.asarray(items, np.float64)
    if metric == "cosine":
        queries, items = _unit(queries), _unit(items)
    out = []
    for start in range(0, len(queries), batch):
        q = queries[start : start + batch]
        scores = q @ items.T
        if metric == "l2":
            scores = 2 * scores - (items**2).sum(1)[None, :] - (q**2).sum(1)[:, None]
        out.append(np.argsort(-scores, axis=1, kind="stable")[:, :k])
    return np.concatenate(out) if out else np.empty((0, k), np.int64)


def recall_at_k(found: np.ndarray, truth: np.ndarray) -> float:
    """Mean share of each row's true ids (``-1`` padding ignored) that ``found`` contains."""
    shares = []
    for f, t in zip(found, truth, strict=True):
        t = t[t >= 0]
        shares.append(len(np.intersect1d(f, t)) / len(t) if len(t) else 1.0)
    return float(np.mean(shares)) if shares else float("nan")


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)
