# SPDX-License-Identifier: MIT
"""Top-K for every user, locally or sharded over Ray workers, written as Parquet parts."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from lmrec.distributed._ray import init_ray
from lmrec.errors import ConfigError
from lmrec.models import Recommender


def _chunk(model: Recommender, users: np.ndarray, k: int, part: Path | None) -> pd.DataFrame:
    frame = model.recommend(users, k=k).to_frame()
    if part is not None:
        frame.to_parquet(part, index=False)
    return frame


def recommend_all(
    model: Recommender,
    users: np.ndarray | None = None,
    k: int = 10,
    path: str | Path | None = None,
    backend: Literal["local", "ray"] = "local",
    chunk_size: int = 1024,
    workers: int = 2,
    address: str | None = None,
) -> pd.DataFrame:
    """Top-``k`` lists of ``users`` (all known users when None), seen items excluded.

    The users are cut into chunks of ``chunk_size``; each chunk is one task. With ``path`` (a
    folder) every chunk is written as ``part-NNNNN.parquet`` by whoever computed it (on a
    cluster: a shared filesystem or object store path). ``backend="ray"`` puts the model in the
    object store once and runs the chunks as Ray tasks (``workers`` CPUs locally); the output is
    identical to ``backend="local"``.

    Returns:
        The lists as one frame (user, rank, item, score, user_id, item_id).
    """
    if chunk_size < 1 or k < 1:
        raise ConfigError(f"chunk_size and k must be ≥ 1, got {chunk_size} and {k}")
    users = np.arange(model.n_users) if users is None else np.asarray(users, np.int64)
    chunks = [users[s : s + chunk_size] for s in range(0, len(users), chunk_size)]
    folder = None if path is None else Path(path)
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
    parts = [
        None if folder is None else folder / f"part-{i:05d}.parquet" for i in range(len(chunks))
    ]
    if backend == "local":
        frames = [_chunk(model, c, k, p) for c, p in zip(chunks, parts, strict=True)]
    elif backend == "ray":
        ray = init_ray(num_cpus=workers, address=address)
        remote = ray.remote(num_cpus=1)(_chunk)
        ref = ray.put(model)  # broadcast once; every task reads the same object
        frames = ray.get([remote.remote(ref, c, k, p) for c, p in zip(chunks, parts, strict=True)])
    else:
        raise ConfigError(f"unknown backend {backend!r}; use 'local' or 'ray'")
    if not frames:
        return pd.DataFrame(columns=["user", "rank", "item", "score", "user_id", "item_id"])
    return pd.concat(frames, ignore_index=True)


def read_parts(path: str | Path) -> pd.DataFrame:
    """The lists written by :func:`recommend_all` (parts in order)."""
    files: list[Any] = sorted(Path(path).glob("part-*.parquet"))
    if not files:
        raise ConfigError(f"{path}: no part-*.parquet files")
    return pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
