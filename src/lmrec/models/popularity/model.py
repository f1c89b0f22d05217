# SPDX-License-Identifier: MIT
"""Most-popular: every user gets the items with the most training users (not personalised)."""

from __future__ import annotations

from typing import Literal

import numpy as np

from lmrec.data import Dataset
from lmrec.models._base import ModelConfig, Recommender, UserBatch


class PopularConfig(ModelConfig):
    """Hyperparameters of :class:`Popular`.

    Attributes:
        by: ``"users"`` counts distinct users per item; ``"events"`` counts every event;
            ``"value"`` sums the values (e.g. play counts).
    """

    by: Literal["users", "events", "value"] = "users"


class Popular(Recommender):
    """Scores each item by its training popularity; ties rank the lower item index first."""

    name = "popular"
    config_class = PopularConfig
    config: PopularConfig

    def _fit(self, train: Dataset, valid: Dataset | None) -> None:
        if self.config.by == "users":
            scores = train.item_counts.astype(np.float32)
        elif self.config.by == "events":
            scores = np.bincount(train.item_index, minlength=train.n_items).astype(np.float32)
        else:
            scores = np.bincount(
                train.item_index, weights=train.values, minlength=train.n_items
            ).astype(np.float32)
        self.scores_ = scores

    def _score(self, batch: UserBatch) -> np.ndarray:
        return np.broadcast_to(self.scores_, (len(batch), len(self.scores_))).copy()

    def _fallback_scores(self) -> np.ndarray:
        return self.scores_

    def _state(self) -> dict[str, np.ndarray]:
        return {"scores": self.scores_}

    def _set_state(self, state: dict[str, np.ndarray]) -> None:
        self.scores_ = state["scores"]
