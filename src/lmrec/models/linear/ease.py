# SPDX-License-Identifier: MIT
"""EASE: embarrassingly shallow autoencoder (Steck, 2019), closed form."""

from __future__ import annotations

import numpy as np
import scipy.linalg as sla
from pydantic import Field

from lmrec.data import Dataset
from lmrec.errors import ConfigError
from lmrec.models._base import ModelConfig, Recommender, UserBatch, as_input


class EASEConfig(ModelConfig):
    """Hyperparameters of :class:`EASE`.

    Attributes:
        lam: L2 regularisation λ added to the Gram matrix diagonal.
        binarize: treat every interaction as 1.
        max_items: refuse catalogues larger than this (the fit needs ~16·n_items² bytes).
    """

    lam: float = Field(500.0, gt=0)
    binarize: bool = True
    max_items: int = Field(40_000, ge=1)


class EASE(Recommender):
    """``B = I − P·diag(1/diag(P))`` with ``P = (XᵀX + λI)⁻¹`` and zero diagonal;
    scores are ``history @ B``. Works for ad-hoc users unchanged."""

    name = "ease"
    config_class = EASEConfig
    config: EASEConfig

    def _fit(self, train: Dataset, valid: Dataset | None) -> None:
        n = self.train_.shape[1]
        if n > self.config.max_items:
            gb = 16 * n * n / 1e9
            raise ConfigError(
                f"ease: {n} items need ~{gb:.0f} GB for the closed form; raise max_items if you "
                "have the memory, or use item_knn / als"
            )
        x = as_input(self.train_, self.config.binarize)
        gram = np.asarray((x.T @ x).toarray(), dtype=np.float64)
        gram[np.diag_indices(n)] += self.config.lam
        # inverse of a symmetric positive-definite matrix through its Cholesky factor
        c, info = sla.lapack.dpotrf(gram, lower=False, overwrite_a=True)
        if info != 0:
            raise ConfigError(f"ease: Gram matrix not positive definite (info={info}); raise lam")
        p, info = sla.lapack.dpotri(c, lower=False, overwrite_c=True)
        p = np.triu(p) + np.triu(p, 1).T
        b = -p / np.diag(p)[None, :]
        b[np.diag_indices(n)] = 0.0
        self.weights_ = b.astype(np.float32)

    def _score(self, batch: UserBatch) -> np.ndarray:
        h = as_input(batch.history, self.config.binarize)
        return np.asarray(h @ self.weights_, dtype=np.float32)

    def _state(self) -> dict[str, np.ndarray]:
        return {"weights": self.weights_}

    def _set_state(self, state: dict[str, np.ndarray]) -> None:
        self.weights_ = state["weights"]
