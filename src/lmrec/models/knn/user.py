# SPDX-License-Identifier: MIT
"""User-based k nearest neighbours."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from pydantic import Field

from lmrec.data import Dataset
from lmrec.models._base import ModelConfig, Recommender, UserBatch, as_input


class UserKNNConfig(ModelConfig):
    """Hyperparameters of :class:`UserKNN`.

    Attributes:
        k: neighbours per user.
        shrink: similarity shrinkage for users with little overlap.
        binarize: treat every interaction as 1.
    """

    k: int = Field(50, ge=1)
    shrink: float = Field(0.0, ge=0)
    binarize: bool = True


class UserKNN(Recommender):
    """Score of item j = Σ over the k most similar training users v of cos(u, v)·x_vj.

    Similarities are computed at scoring time, so ad-hoc users (a history only) work as known
    users do; a known user is never their own neighbour.
    """

    name = "user_knn"
    config_class = UserKNNConfig
    config: UserKNNConfig

    def _fit(self, train: Dataset, valid: Dataset | None) -> None:
        self._prepare()

    def _prepare(self) -> None:
        """Derived state (rebuilt on load rather than saved)."""
        x = as_input(self.train_, self.config.binarize)
        self.x_ = x
        self.xt_ = sp.csr_matrix(x.T)
        self.norms_ = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel()).astype(np.float32)

    def _score(self, batch: UserBatch) -> np.ndarray:
        h = as_input(batch.history, self.config.binarize)
        hn = np.sqrt(np.asarray(h.multiply(h).sum(axis=1)).ravel())
        dots = (h @ self.xt_).toarray()
        denom = hn[:, None] * self.norms_[None, :] + self.config.shrink
        with np.errstate(divide="ignore", invalid="ignore"):
            sims = np.where(denom > 0, dots / denom, 0.0).astype(np.float32)
        known = np.flatnonzero(batch.index >= 0)
        sims[known, batch.index[known]] = 0.0
        k = min(self.config.k, sims.shape[1])
        top = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        vals = np.take_along_axis(sims, top, axis=1)
        w = sp.csr_matrix(
            (vals.ravel(), (np.repeat(np.arange(len(batch)), k), top.ravel())),
            shape=sims.shape,
        )
        w.eliminate_zeros()
        return np.asarray((w @ self.x_).toarray(), dtype=np.float32)

    def _set_state(self, state: dict[str, np.ndarray]) -> None:
        self._prepare()
