# SPDX-License-Identifier: MIT
"""Exploration inside a ranked list: reserved exploration slots over any base Recommender."""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field

from lmrec.errors import ModelError
from lmrec.models._base import ModelConfig, Recommender
from lmrec.models.bandit._base import Context, Events, Policy


class ReservedSlotsConfig(ModelConfig):
    """``n_explore`` of the ``k`` slots (the last ones) are filled by the explorer policy."""

    n_explore: int = Field(1, ge=0)


class ReservedSlots(Policy):
    """Top-K slate: the first ``k − n_explore`` slots are the base Recommender's best
    candidates for ``context.user`` (popularity for users it does not know); the remaining slots
    come from ``explorer`` (any :class:`Policy`, e.g. Beta Thompson sampling over the same
    arms) among the candidates left. Arms are the base model's dense item indices.

    Propensities: 1 for the exploitation slots (deterministic; ties broken by item index) and
    the explorer's own propensities for the others. :meth:`update` passes every served slot's
    event to the explorer, so it also learns from the base model's picks.
    """

    name = "reserved_slots"
    config_class = ReservedSlotsConfig
    config: ReservedSlotsConfig

    def init(self, base: Recommender, explorer: Policy) -> ReservedSlots:
        """Wrap a fitted ``base`` model and an initialised ``explorer``; returns self."""
        if explorer.n_arms != base.n_items:
            raise ModelError(
                f"explorer has {explorer.n_arms} arms but the base model {base.n_items} items"
            )
        self.base_ = base
        self.explorer_ = explorer
        self.n_arms_ = base.n_items
        return self

    def add_arms(self, n: int, **kwargs: Any) -> np.ndarray:
        """Not supported: the base model's catalogue is fixed (refit it to add items)."""
        raise ModelError(f"{self.name}: the base model's catalogue is fixed; refit it")

    def _base_scores(self, context: Context, c: np.ndarray) -> np.ndarray:
        if 0 <= context.user < self.base_.n_users:
            return self.base_.score([context.user], c)[0].astype(np.float64)
        return np.asarray(self.base_._fallback_scores(), np.float64)[c]

    def select(
        self, context: Context, candidates: np.ndarray, k: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        c = self._check(candidates, k)
        k = min(k, len(c))
        n_greedy = max(k - self.config.n_explore, 0)
        order = np.argsort(-self._base_scores(context, c), kind="stable")
        head = c[order[:n_greedy]]
        items, props = [head], [np.ones(n_greedy)]
        rest = c[order[n_greedy:]]
        if k > n_greedy:
            tail, p = self.explorer_.select(context, rest, k - n_greedy, rng)
            items.append(tail)
            props.append(p)
        return np.concatenate(items), np.concatenate(props)

    def update(self, events: Events) -> None:
        """The explorer learns from every served slot's reward."""
        self._check_events(events)
        self.explorer_.update(events)
