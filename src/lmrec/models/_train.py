# SPDX-License-Identifier: MIT
"""Shared pieces of the torch training loops: seeding and early stopping."""

from __future__ import annotations

import copy
from typing import Any

import numpy as np


def seeded(seed: int, threads: int | None) -> np.random.Generator:
    """Seed torch (and set its thread count when given); a numpy generator for batching."""
    import torch

    if threads:
        torch.set_num_threads(threads)
    torch.manual_seed(seed)
    return np.random.default_rng(seed)


class EarlyStopping:
    """Keeps the best network weights by a validation metric (higher is better)."""

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.best = -1.0
        self.state: dict[str, Any] | None = None
        self.stale = 0

    def step(self, metric: float, net: Any) -> None:
        """Record one validation; a new best snapshots ``net``'s weights."""
        if metric > self.best:
            self.best, self.state, self.stale = metric, copy.deepcopy(net.state_dict()), 0
        else:
            self.stale += 1

    @property
    def stop(self) -> bool:
        """Whether ``patience`` validations passed without a gain."""
        return self.stale >= self.patience

    def restore(self, net: Any) -> None:
        """Load the best weights into ``net`` (no-op when nothing was validated)."""
        if self.state is not None:
            net.load_state_dict(self.state)
