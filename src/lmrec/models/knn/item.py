# SPDX-License-Identifier: MIT
"""Item-based k nearest neighbours (Deshpande & Karypis style, for implicit feedback)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from pydantic import Field

from lmrec.data import Dataset
from lmrec.models._base import ModelConfig, Recommender, UserBatch, as_input
from lmrec.models.knn._similarity import topk_cosine


class ItemKNNConfig(ModelConfig):
    """Hyperparameters of :class:`ItemKNN`.

    Attributes:
        k: neighbours kept per item.
        shrink: similarity shrinkage (denominator term) for items with little overlap.
        alpha: 0.5 = cosine; other values give the asymmetric cosine.
        binarize: treat every interaction as 1 (otherwise values weight the vectors).
    """

    k: int = Field(100, ge=1)
    shrink: float = Field(0.0, ge=0)
    alpha: float = Field(0.5, ge=0, le=1)
    binarize: bool = True


class ItemKNN(Recommender):
    """Score of item j = Σ over history items i of sim(i, j), with i's k nearest neighbours."""

    name = "item_knn"
    config_class = ItemKNNConfig
    config: ItemKNNConfig

    def _fit(self, train: Dataset, valid: Dataset | None) -> None:
        c = self.config
        x = as_input(self.train_, c.binarize)
        self.sim_ = topk_cosine(x, c.k, c.shrink, c.alpha)

    def _score(self, batch: UserBatch) -> np.ndarray:
        h = as_input(batch.history, self.config.binarize)
        return np.asarray((h @ self.sim_).toarray(), dtype=np.float32)

    def _state(self) -> dict[str, np.ndarray]:
        s = self.sim_
        return {"sim_indptr": s.indptr, "sim_indices": s.indices, "sim_data": s.data}

    def _set_state(self, state: dict[str, np.ndarray]) -> None:
        n = len(self.items_)
        self.sim_ = sp.csr_matrix(
            (state["sim_data"], state["sim_indices"], state["sim_indptr"]), shape=(n, n)
        )
