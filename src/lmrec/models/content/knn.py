# SPDX-License-Identifier: MIT
"""Content-based recommender: users as weighted means of the LM embeddings of their items."""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import scipy.sparse as sp
from pydantic import Field

from lmrec.data import Dataset
from lmrec.models._base import UserBatch
from lmrec.models.content._text import TextConfig, TextRecommender
from lmrec.text import l2_normalise


class ContentKNNConfig(TextConfig):
    """Hyperparameters of :class:`ContentKNN`."""

    rating_weight: bool = Field(True, description="weight items by rating / max rating")
    half_life: float | None = Field(
        None, gt=0, description="recency half-life in events (known users; None: no decay)"
    )
    query_weight: float = Field(1.0, ge=0, description="weight of a text query vs the history")


class ContentKNN(TextRecommender):
    """Scores items by cosine between their text embedding and the user's profile vector.

    The profile is the (rating- and recency-weighted) mean embedding of the user's items, plus
    the encoded query text when one is given. Works for items without any interactions.

    Stability: full.
    """

    name: ClassVar[str] = "content"
    config_class = ContentKNNConfig
    config: ContentKNNConfig

    def _fit_text(self, train: Dataset, valid: Dataset | None) -> None:
        self.weights_ = self._history_weights(train)

    def _history_weights(self, train: Dataset) -> sp.csr_matrix:
        """Per-user item weights: rating share times recency decay (same shape as train)."""
        cfg = self.config
        w = sp.csr_matrix(self.train_, dtype=np.float32, copy=True)
        if not cfg.rating_weight or w.nnz == 0:
            w.data[:] = 1.0
        else:
            w.data /= max(float(w.data.max()), 1e-9)
        if cfg.half_life is None or train.timestamps is None:
            return w
        order = np.lexsort((train.timestamps, train.user_index))
        users = train.user_index[order]
        counts = np.bincount(users, minlength=train.n_users)
        ends = np.cumsum(counts)
        age = ends[users] - 1 - (np.arange(len(order)))  # 0 for each user's latest event
        decay = np.power(0.5, age / cfg.half_life).astype(np.float32)
        rec = sp.csr_matrix(
            (decay, (users, train.item_index[order])), shape=w.shape, dtype=np.float32
        )
        rec.sum_duplicates()
        return w.multiply(rec.minimum(1.0)).tocsr()

    def _score(self, batch: UserBatch) -> np.ndarray:
        hist = batch.history.astype(np.float32)
        known = batch.known
        if self.config.rating_weight and hist.nnz:
            hist.data /= max(float(hist.data.max()), 1e-9)
        if known.all():  # known users: the fitted rating/recency weights
            hist = self.weights_[batch.index]
        elif known.any():
            own = self.weights_[np.maximum(batch.index, 0)]
            keep = sp.diags(known.astype(np.float32))
            hist = (keep @ own + sp.diags((~known).astype(np.float32)) @ hist).tocsr()
        profile = l2_normalise(np.asarray(hist @ self.item_vecs_))
        if batch.text is not None:
            profile = l2_normalise(profile + self.config.query_weight * self.query_vectors(batch))
        return profile @ self.item_vecs_.T

    def _state(self) -> dict[str, np.ndarray]:
        w = self.weights_
        return {**super()._state(), "w_data": w.data, "w_indices": w.indices, "w_indptr": w.indptr}

    def _set_state(self, state: dict[str, np.ndarray]) -> None:
        super()._set_state(state)
        self.weights_ = sp.csr_matrix(
            (state["w_data"], state["w_indices"], state["w_indptr"]), shape=self.train_.shape
        )

    def _added_items(self, vecs: np.ndarray) -> None:
        extra = sp.csr_matrix((self.n_users, len(vecs)), dtype=np.float32)
        self.weights_ = sp.hstack([self.weights_, extra], format="csr")
