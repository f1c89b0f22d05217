# SPDX-License-Identifier: MIT
"""Shared pieces of the torch training loops: seeding, early stopping and resumable
checkpoints."""

from __future__ import annotations

import copy
import json
import os
from pathlib import Path
from typing import Any

import numpy as np

from lmrec.errors import ArtifactError


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

    def state_dict(self) -> dict[str, Any]:
        """Best metric, best weights and validations since (for a checkpoint)."""
        return {"best": self.best, "state": self.state, "stale": self.stale}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Continue from :meth:`state_dict`."""
        self.best, self.state, self.stale = float(state["best"]), state["state"], state["stale"]


def save_checkpoint(path: Path, identity: str, state: dict[str, Any], rng: Any) -> None:
    """Write a training loop's ``state`` (tensors, numbers, containers of them) with the torch
    and numpy ``rng`` states and the run's ``identity`` to ``path``, atomically (a temporary
    file renamed into place), so an interruption leaves the previous checkpoint whole."""
    import torch

    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        **state,
        "identity": identity,
        "torch_rng": torch.get_rng_state(),
        "numpy_rng": json.dumps(rng.bit_generator.state),
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(payload, tmp)
    os.replace(tmp, path)


def load_checkpoint(path: Path, identity: str, rng: Any) -> dict[str, Any] | None:
    """The state saved by :func:`save_checkpoint` for the run ``identity``, with the torch and
    numpy ``rng`` states restored; None when ``path`` does not exist. A checkpoint of another
    run (other data or settings) is an error, not silently overwritten."""
    import torch

    if not path.exists():
        return None
    try:
        payload = torch.load(path, weights_only=True)
    except Exception as err:
        raise ArtifactError(f"{path}: not a readable training checkpoint ({err})") from err
    if payload.get("identity") != identity:
        raise ArtifactError(
            f"{path}: checkpoint of another run (other data or settings); delete it or choose "
            "another checkpoint path"
        )
    torch.set_rng_state(payload.pop("torch_rng"))
    rng.bit_generator.state = json.loads(payload.pop("numpy_rng"))
    return payload


def run_identity(config: Any, *datasets: Any, extra: str = "") -> str:
    """What a training run's course depends on: its settings (bar where checkpoints go, progress
    display and thread count) and the exact data (fingerprints; None for absent data)."""
    settings = config.model_dump(mode="json", exclude={"checkpoint", "progress", "threads"})
    prints = [None if ds is None else ds.fingerprint for ds in datasets]
    return json.dumps({"settings": settings, "data": prints, "extra": extra}, sort_keys=True)
