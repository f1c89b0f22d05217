# SPDX-License-Identifier: MIT
"""Vector search for candidate generation and similar items, backed by faiss.

One factory, :func:`make_index`, returns an index with the same API whatever the backend
(``"exact"``, ``"hnsw"``, ``"ivf"``). Ids are the caller's int64 ids (dense item indices).
faiss is imported on first use, so importing this package is cheap.

>>> from lmrec.retrieval import make_index
>>> index = make_index("exact", dim=2)
>>> index.add([[1.0, 0.0], [0.0, 1.0], [0.7, 0.7]], ids=[10, 11, 12]).tolist()
[10, 11, 12]
>>> scores, ids = index.search([[1.0, 0.1]], k=2)
>>> ids.tolist()
[[10, 12]]
"""

from __future__ import annotations

from lmrec.retrieval._base import VectorIndex
from lmrec.retrieval._kinds import (
    ExactIndex,
    HNSWIndex,
    IVFIndex,
    available,
    load_index,
    make_index,
)
from lmrec.retrieval._neighbours import nearest_items
from lmrec.retrieval._params import ExactParams, HNSWParams, IndexParams, IVFParams

__all__ = [
    "ExactIndex",
    "ExactParams",
    "HNSWIndex",
    "HNSWParams",
    "IVFIndex",
    "IVFParams",
    "IndexParams",
    "VectorIndex",
    "available",
    "load_index",
    "make_index",
    "nearest_items",
]
