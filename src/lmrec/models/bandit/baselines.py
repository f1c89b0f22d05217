# SPDX-License-Identifier: MIT
"""Reference policies: uniform random and greedy on fixed scores (e.g. most popular)."""

from __future__ import annotations

from typing import Any

import numpy as np

from lmrec.models._base import ModelConfig
from lmrec.models.bandit._base import Context, Events, Policy, greedy_slate


class UniformRandom(Policy):
    """Uniformly random slate; the propensity of slot ``j`` is ``1/(m − j)`` (exact)."""

    name = "random"
    config_class = ModelConfig

    def init(self, n_arms: int) -> UniformRandom:
        """Start with ``n_arms`` arms; returns self."""
        self.n_arms_ = int(n_arms)
        return self

    def add_arms(self, n: int, **_: Any) -> np.ndarray:
        """Append ``n`` arms; returns their indices."""
        start = self.n_arms_
        self.n_arms_ += int(n)
        return np.arange(start, self.n_arms_)

    def select(
        self, context: Context, candidates: np.ndarray, k: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        c = self._check(candidates, k)
        k = min(k, len(c))
        pos = rng.permutation(len(c))[:k]
        return c[pos], 1.0 / (len(c) - np.arange(k))

    def update(self, events: Events) -> None:
        """Nothing to learn."""
        self._check_events(events)


class StaticGreedy(Policy):
    """Serves the best fixed scores (e.g. training popularity: "most-popular greedy"); never
    learns or explores. New arms get ``new_arm_score`` (default: the lowest score)."""

    name = "static_greedy"
    config_class = ModelConfig

    def init(self, scores: np.ndarray) -> StaticGreedy:
        """Start with one arm per entry of ``scores``; returns self."""
        self.scores_ = np.asarray(scores, np.float64).ravel().copy()
        self.n_arms_ = len(self.scores_)
        return self

    def add_arms(self, n: int, scores: np.ndarray | None = None, **_: Any) -> np.ndarray:
        """Append ``n`` arms with ``scores`` (default: the current minimum)."""
        low = float(self.scores_.min()) if len(self.scores_) else 0.0
        new = np.full(n, low) if scores is None else np.asarray(scores, np.float64).ravel()
        start = self.n_arms_
        self.scores_ = np.r_[self.scores_, new]
        self.n_arms_ = len(self.scores_)
        return np.arange(start, self.n_arms_)

    def select(
        self, context: Context, candidates: np.ndarray, k: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        c = self._check(candidates, k)
        pos, props = greedy_slate(self.scores_[c], k, rng)
        return c[pos], props

    def update(self, events: Events) -> None:
        """Nothing to learn."""
        self._check_events(events)
