# SPDX-License-Identifier: MIT
"""The :class:`TextEncoder` protocol: texts in, L2-normalised float32 vectors out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class TextEncoder(Protocol):
    """Anything that turns texts into fixed-size vectors.

    ``encode`` returns a ``float32 [len(texts), dim]`` array whose rows are L2-normalised, so
    inner product is cosine similarity. ``encode_queries`` is the same for search queries and
    user profiles (encoders trained with query/passage prefixes, such as E5, differ there).
    ``name`` identifies the model and its settings: it keys the embedding cache. ``name`` and
    ``dim`` are read-only here, so plain attributes and (lazy) properties both satisfy it.
    """

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(
        self, texts: Sequence[str], batch_size: int = 64, progress: bool = False
    ) -> np.ndarray: ...

    def encode_queries(
        self, texts: Sequence[str], batch_size: int = 64, progress: bool = False
    ) -> np.ndarray: ...


def l2_normalise(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    x = np.asarray(x, dtype=np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return np.divide(x, norms, out=np.zeros_like(x), where=norms > 0)
