# SPDX-License-Identifier: MIT
"""Data-parallel training of the torch models on Ray Train (DDP on CPU over gloo)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from lmrec.data import Dataset
from lmrec.distributed._ray import init_ray
from lmrec.errors import ConfigError
from lmrec.models import Recommender

#: models whose training loop runs data-parallel under torch.distributed
DDP_MODELS = ("sasrec", "sasrec_adapted", "lm_ranker")


def _loop(config: dict[str, Any]) -> None:
    """One Ray Train worker: the model's own fit, each rank on a slice of every batch."""
    import ray.train
    from ray.train import Checkpoint

    from lmrec.models import create

    model = create(config["name"], **config["params"])
    model.fit(config["train"], config["valid"])
    history = getattr(model, "history_", [])
    metrics: dict[str, Any] = {"validations": len(history)}
    if any("valid_ndcg@10" in h for h in history):  # sequential: higher is better
        metrics["best_valid_ndcg@10"] = max(h["valid_ndcg@10"] for h in history)
    if any("valid" in h for h in history):  # ranker: RMSE or log loss, lower is better
        metrics["best_valid_loss"] = min(h["valid"] for h in history)
    if ray.train.get_context().get_world_rank() == 0:
        with tempfile.TemporaryDirectory() as tmp:
            model.save(Path(tmp) / "model")  # the registry format: checksummed, no pickle
            ray.train.report(metrics, checkpoint=Checkpoint.from_directory(tmp))
    else:
        ray.train.report(metrics)


def fit_ddp(
    name: str,
    train: Dataset,
    valid: Dataset | None = None,
    workers: int = 2,
    address: str | None = None,
    **params: Any,
) -> Recommender:
    """Fit model ``name`` with DistributedDataParallel over ``workers`` Ray Train workers.

    Every worker runs the model's usual training loop (same seed, same batches, same early
    stopping on validation); each takes a ``1/workers`` slice of every batch, so the global
    batch is ``batch_size`` as in a single process, and gradients are averaged over gloo.
    Rank 0 saves the result in the model registry format; it is loaded and returned.

    Raises:
        ConfigError: the model has no data-parallel loop, or Ray is missing.
    """
    if name not in DDP_MODELS:
        raise ConfigError(f"fit_ddp: {name!r} has no data-parallel loop; use {DDP_MODELS}")
    init_ray(num_cpus=workers, address=address)
    from ray.train import RunConfig, ScalingConfig
    from ray.train.torch import TorchConfig, TorchTrainer

    from lmrec.models import load

    threads = {"threads": params.pop("threads", 1)}
    with tempfile.TemporaryDirectory() as storage:
        trainer = TorchTrainer(
            _loop,
            train_loop_config={
                "name": name,
                "params": {**params, **threads},
                "train": train,
                "valid": valid,
            },
            scaling_config=ScalingConfig(num_workers=workers, use_gpu=False),
            torch_config=TorchConfig(backend="gloo"),
            run_config=RunConfig(storage_path=storage, name="lmrec-ddp"),
        )
        result = trainer.fit()
        if result.checkpoint is None:
            raise ConfigError(f"fit_ddp: training produced no checkpoint ({result.error})")
        with result.checkpoint.as_directory() as folder:
            model = load(Path(folder) / "model")
    model.ddp_metrics_ = dict(result.metrics or {})  # type: ignore[attr-defined]
    return model
