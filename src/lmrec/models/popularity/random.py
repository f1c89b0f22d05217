# SPDX-License-Identifier: MIT
"""Uniformly random recommender: the floor every model must clear."""

from __future__ import annotations

from typing import ClassVar

import numpy as np

from lmrec.data import Dataset
from lmrec.models._base import ModelConfig, Recommender, UserBatch


class RandomConfig(ModelConfig):
    """Hyperparameters of :class:`Random`."""

    seed: int = 0


class Random(Recommender):
    """Random scores, fixed per (seed, user): repeatable, batch-independent.

    Ad-hoc users (index -1) share one random ordering. Items without interactions are ranked like
    any other, so this is the chance level of cold-item evaluation.

    Stability: full.
    """

    name: ClassVar[str] = "random"
    config_class = RandomConfig
    config: RandomConfig

    def _fit(self, train: Dataset, valid: Dataset | None) -> None:
        pass

    def _score(self, batch: UserBatch) -> np.ndarray:
        out = np.empty((len(batch), self.n_items), np.float32)
        for row, user in enumerate(batch.index):
            rng = np.random.default_rng([self.config.seed, int(user) + 1])
            out[row] = rng.random(self.n_items, dtype=np.float32)
        return out

    def _fallback_scores(self) -> np.ndarray:
        return np.random.default_rng([self.config.seed, 0]).random(self.n_items, dtype=np.float32)
