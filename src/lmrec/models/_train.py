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


def process_group() -> tuple[int, int]:
    """``(rank, world size)`` of an initialised torch.distributed group, else ``(0, 1)``:
    under one (e.g. Ray Train) the training loops run data-parallel."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        return dist.get_rank(), dist.get_world_size()
    return 0, 1


def data_parallel(module: Any) -> tuple[Any, int, int]:
    """``(module to call, rank, world)``: ``module`` wrapped in DistributedDataParallel when a
    process group is up, else itself."""
    import torch

    rank, world = process_group()
    if world > 1:
        module = torch.nn.parallel.DistributedDataParallel(module, find_unused_parameters=True)
    return module, rank, world


class EarlyStopping:
    """Keeps the best network weights by a validation metric (higher is better)."""

    def __init__(self, patience: int) -> None:
        self.patience = patience
        self.best = -float("inf")  # any first metric is a gain (negated losses too)
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
