# SPDX-License-Identifier: MIT
"""A deterministic hashing encoder: no weights, no downloads; the test double for LMs."""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence

import numpy as np

from lmrec.text._base import l2_normalise

_TOKEN = re.compile(r"\w+", re.UNICODE)


class HashingEncoder:
    """Bag of words and character n-grams hashed into ``dim`` signed buckets.

    Texts sharing words or word fragments get similar vectors, which is enough for unit tests and
    a cheap lexical baseline. Deterministic across processes (CRC32, not Python's ``hash``).
    """

    def __init__(self, dim: int = 256, ngram: int = 3) -> None:
        if dim < 1:
            raise ValueError(f"dim must be ≥ 1, got {dim}")
        self.dim = dim
        self.ngram = ngram
        self.name = f"hashing-{dim}-{ngram}"

    def _features(self, text: str) -> list[str]:
        words = _TOKEN.findall(text.lower())
        feats = [f"w:{w}" for w in words]
        n = self.ngram
        for w in words:
            padded = f"#{w}#"
            feats.extend(f"c:{padded[i : i + n]}" for i in range(max(len(padded) - n + 1, 0)))
        return feats

    def encode(
        self, texts: Sequence[str], batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        """``float32 [n, dim]`` unit vectors."""
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, text in enumerate(texts):
            for feat in self._features(str(text)):
                h = zlib.crc32(feat.encode("utf-8"))
                out[row, h % self.dim] += 1.0 if (h >> 31) & 1 else -1.0
        return l2_normalise(out)

    def encode_queries(
        self, texts: Sequence[str], batch_size: int = 64, progress: bool = False
    ) -> np.ndarray:
        """Queries are encoded like documents."""
        return self.encode(texts, batch_size, progress)
