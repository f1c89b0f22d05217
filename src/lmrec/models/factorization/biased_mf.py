# SPDX-License-Identifier: MIT
"""Biased matrix factorisation for explicit ratings, fitted by alternating least squares.

``r̂(u, i) = μ + b_u + b_i + p_u·q_i``. Each half-step solves every user's (or item's) ridge
regression in closed form, batched with numpy, so a fit is deterministic given the seed and
needs no learning rate. Regularisation is weighted by the number of ratings (ALS-WR).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from pydantic import Field

from lmrec.data import Dataset
from lmrec.evaluate.metrics.rating import rmse
from lmrec.models._base import ModelConfig, Recommender, UserBatch


class BiasedMFConfig(ModelConfig):
    """Hyperparameters of :class:`BiasedMF`.

    Attributes:
        factors: latent dimensions.
        regularization: L2 weight of the factors (times the row's rating count).
        bias_regularization: L2 weight of the user/item biases (times the rating count).
        iterations: ALS sweeps; with a validation set the sweep with the lowest RMSE is kept.
        seed: initialisation seed.
        clip: clip predicted ratings to the training rating range in :meth:`predict`.
    """

    factors: int = Field(32, ge=1)
    regularization: float = Field(0.1, ge=0)
    bias_regularization: float = Field(0.1, ge=0)
    iterations: int = Field(15, ge=1)
    seed: int = 0
    clip: bool = True


def _solve(
    ratings: sp.csr_matrix,
    other: np.ndarray,
    offset: np.ndarray,
    reg: np.ndarray,
) -> np.ndarray:
    """Ridge solutions ``w_r`` of ``Σ_j (t_rj − z_j·w_r)² + n_r·wᵀDw`` for every row ``r``.

    ``ratings`` holds the targets ``t``; ``other`` the fixed side ``z_j = [q_j, 1]``;
    ``offset[j]`` is subtracted from each target (μ + the other side's bias); ``reg`` is the
    diagonal ``D``. Each row's Gram matrix is one BLAS product over its rated columns; the
    systems are then solved in one batched call.
    """
    n, d = ratings.shape[0], other.shape[1]
    a = np.empty((n, d, d))
    b = np.empty((n, d))
    indptr, indices, data = ratings.indptr, ratings.indices, ratings.data
    for r in range(n):
        cols = indices[indptr[r] : indptr[r + 1]]
        z = other[cols]
        a[r] = z.T @ z
        b[r] = z.T @ (data[indptr[r] : indptr[r + 1]] - offset[cols])
    counts = np.maximum(np.diff(indptr), 1)
    a += counts[:, None, None] * np.diag(reg)[None]
    return np.linalg.solve(a, b[..., None])[..., 0]


class BiasedMF(Recommender):
    """Explicit-rating biased MF (SVD-style); scores are predicted ratings."""

    name = "biased_mf"
    config_class = BiasedMFConfig
    config: BiasedMFConfig
    predicts_ratings = True

    def _fit(self, train: Dataset, valid: Dataset | None) -> None:
        c = self.config
        r = sp.csr_matrix(self.train_, dtype=np.float64)
        rng = np.random.default_rng(c.seed)
        self.mu_ = float(r.data.mean())
        self.range_ = np.array([r.data.min(), r.data.max()], np.float32)
        p = rng.normal(0, 0.1, (r.shape[0], c.factors))
        q = rng.normal(0, 0.1, (r.shape[1], c.factors))
        bu = np.zeros(r.shape[0])
        bi = np.zeros(r.shape[1])
        reg = np.r_[np.full(c.factors, c.regularization), c.bias_regularization]
        rt = sp.csr_matrix(r.T)
        best = np.inf
        kept = (p, q, bu, bi)
        for _ in range(c.iterations):
            w = _solve(r, np.c_[q, np.ones(len(q))], self.mu_ + bi, reg)
            p, bu = w[:, :-1], w[:, -1]
            w = _solve(rt, np.c_[p, np.ones(len(p))], self.mu_ + bu, reg)
            q, bi = w[:, :-1], w[:, -1]
            self._set_params(p, q, bu, bi)
            if valid is not None and valid.n_events:
                err = rmse(valid.values, self.predict(valid.user_index, valid.item_index))
                if err >= best:
                    self._set_params(*kept)
                    break
                best, kept = err, (p, q, bu, bi)

    def _set_params(self, p: np.ndarray, q: np.ndarray, bu: np.ndarray, bi: np.ndarray) -> None:
        self.user_factors_ = p.astype(np.float32)
        self.item_factors_ = q.astype(np.float32)
        self.user_bias_ = bu.astype(np.float32)
        self.item_bias_ = bi.astype(np.float32)

    def _user_params(self, batch: UserBatch) -> tuple[np.ndarray, np.ndarray]:
        known = batch.index >= 0
        p = np.zeros((len(batch), self.config.factors), np.float32)
        bu = np.zeros(len(batch), np.float32)
        p[known] = self.user_factors_[batch.index[known]]
        bu[known] = self.user_bias_[batch.index[known]]
        if (~known).any():
            rows = np.flatnonzero(~known)
            reg = np.r_[
                np.full(self.config.factors, self.config.regularization),
                self.config.bias_regularization,
            ]
            q = self.item_factors_.astype(np.float64)
            w = _solve(
                sp.csr_matrix(batch.history[rows], dtype=np.float64),
                np.c_[q, np.ones(len(q))],
                self.mu_ + self.item_bias_.astype(np.float64),
                reg,
            )
            p[rows], bu[rows] = w[:, :-1], w[:, -1]
        return p, bu

    def _score(self, batch: UserBatch) -> np.ndarray:
        p, bu = self._user_params(batch)
        scores = p @ self.item_factors_.T + bu[:, None] + self.item_bias_[None, :] + self.mu_
        return scores.astype(np.float32)

    def _fallback_scores(self) -> np.ndarray:
        return (self.mu_ + self.item_bias_).astype(np.float32)

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """Predicted ratings of (user, item) pairs of known users (clipped if configured)."""
        self._check_fitted()
        users = np.asarray(users, np.int64)
        items = np.asarray(items, np.int64)
        pred = (
            self.mu_
            + self.user_bias_[users]
            + self.item_bias_[items]
            + np.einsum("ij,ij->i", self.user_factors_[users], self.item_factors_[items])
        )
        if self.config.clip:
            pred = np.clip(pred, self.range_[0], self.range_[1])
        return pred.astype(np.float32)

    def _state(self) -> dict[str, np.ndarray]:
        return {
            "user_factors": self.user_factors_,
            "item_factors": self.item_factors_,
            "user_bias": self.user_bias_,
            "item_bias": self.item_bias_,
            "mu": np.array([self.mu_]),
            "range": self.range_,
        }

    def _set_state(self, state: dict[str, np.ndarray]) -> None:
        self._set_params(
            state["user_factors"], state["item_factors"], state["user_bias"], state["item_bias"]
        )
        self.mu_ = float(state["mu"][0])
        self.range_ = state["range"]
