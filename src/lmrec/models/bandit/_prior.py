# SPDX-License-Identifier: MIT
"""Priors of new arms from their text: what similar known arms earned."""

from __future__ import annotations

import numpy as np

from lmrec.errors import ModelError


def text_prior(
    new_vectors: np.ndarray,
    arm_vectors: np.ndarray,
    arm_means: np.ndarray,
    arm_weights: np.ndarray | None = None,
    n_neighbours: int = 20,
    default: float = 0.5,
) -> np.ndarray:
    """Prior mean reward of each new arm: the similarity-weighted mean of its nearest known arms.

    For each row of ``new_vectors`` the ``n_neighbours`` known arms with the highest cosine
    similarity (only positive similarities, and only arms with ``arm_weights > 0``, e.g. pulls)
    are averaged with weights ``similarity × weight``; arms with no such neighbour get
    ``default``.

    Args:
        new_vectors: ``[n_new, d]`` text embeddings of the new arms.
        arm_vectors: ``[n_arms, d]`` text embeddings of the known arms.
        arm_means: ``[n_arms]`` estimated mean reward of each known arm.
        arm_weights: ``[n_arms]`` confidence of each estimate (default: all 1).
        n_neighbours: neighbours averaged per new arm.
        default: prior for arms without neighbours.

    Returns:
        ``[n_new]`` float64 prior means.
    """
    new = np.asarray(new_vectors, np.float64)
    old = np.asarray(arm_vectors, np.float64)
    if new.ndim != 2 or old.ndim != 2 or new.shape[1] != old.shape[1]:
        raise ModelError(f"text_prior: vector shapes {new.shape} and {old.shape} do not match")
    w = np.ones(len(old)) if arm_weights is None else np.asarray(arm_weights, np.float64)
    if len(old) == 0:
        return np.full(len(new), default)

    def unit(x: np.ndarray) -> np.ndarray:
        return x / np.maximum(np.linalg.norm(x, axis=1, keepdims=True), 1e-12)

    sim = unit(new) @ unit(old).T
    sim = np.where((sim > 0) & (w > 0)[None, :], sim, 0.0)
    n = min(n_neighbours, sim.shape[1])
    top = np.argpartition(-sim, n - 1, axis=1)[:, :n]
    s = np.take_along_axis(sim, top, axis=1) * w[top]
    total = s.sum(axis=1)
    means = (s * np.asarray(arm_means, np.float64)[top]).sum(axis=1)
    return np.where(total > 0, means / np.maximum(total, 1e-12), default)
