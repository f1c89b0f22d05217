# SPDX-License-Identifier: MIT
"""Text encoding spread over Ray workers (Ray Data ``map_batches`` over encoder actors)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from lmrec.distributed._ray import init_ray


class _EncodeActor:
    """One encoder per worker process, loaded once and reused for every batch."""

    def __init__(self, name: str, params: dict[str, Any], queries: bool) -> None:
        import torch

        from lmrec.text import get_encoder

        torch.set_num_threads(1)
        self.encoder = get_encoder(name, cache=False, **params)
        self.queries = queries

    def __call__(self, batch: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        texts = [str(t) for t in batch["text"]]
        fn = self.encoder.encode_queries if self.queries else self.encoder.encode
        return {"row": batch["row"], "vec": np.asarray(fn(texts, batch_size=64), np.float32)}


class RayEncoder:
    """A :class:`~lmrec.text.TextEncoder` whose ``encode`` runs on ``workers`` Ray actors.

    Same vectors as ``get_encoder(name, **params)`` (to float tolerance). Wrap it in
    :class:`~lmrec.text.CachedEncoder` to read and fill the usual on-disk cache: only texts the
    cache lacks are shipped to the workers.

    >>> from lmrec.text import CachedEncoder
    >>> enc = CachedEncoder(RayEncoder("minilm", workers=2))   # doctest: +SKIP
    """

    def __init__(
        self,
        name: str = "minilm",
        workers: int = 2,
        batch_size: int = 256,
        address: str | None = None,
        **params: Any,
    ) -> None:
        from lmrec.text import get_encoder

        self.encoder_name = name
        self.params = params
        self.workers = workers
        self.batch_size = batch_size
        self.address = address
        self._local = get_encoder(name, cache=False, **params)  # name and dim (lazy weights)

    @property
    def name(self) -> str:
        return self._local.name

    @property
    def dim(self) -> int:
        return self._local.dim

    def _run(self, texts: Sequence[str], queries: bool) -> np.ndarray:
        if not len(texts):
            return np.zeros((0, self.dim), np.float32)
        ray = init_ray(num_cpus=self.workers, address=self.address)
        items = [{"row": i, "text": str(t)} for i, t in enumerate(texts)]
        out = ray.data.from_items(items).map_batches(
            _EncodeActor,
            fn_constructor_args=(self.encoder_name, self.params, queries),
            batch_size=self.batch_size,
            concurrency=self.workers,
            num_cpus=1,
            batch_format="numpy",
        )
        rows, vecs = [], []
        for batch in out.iter_batches(batch_size=None, batch_format="numpy"):
            rows.append(batch["row"])
            vecs.append(batch["vec"])
        result = np.empty((len(texts), self.dim), np.float32)
        result[np.concatenate(rows)] = np.concatenate(vecs)
        return result

    def encode(
        self, texts: Sequence[str], batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        """Document vectors computed on the Ray workers."""
        return self._run(texts, queries=False)

    def encode_queries(
        self, texts: Sequence[str], batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        """Query vectors computed on the Ray workers."""
        return self._run(texts, queries=True)
