# SPDX-License-Identifier: MIT
"""The index kinds (exact, HNSW, IVF) and the :func:`make_index` factory."""

from __future__ import annotations

import math
from typing import Any, ClassVar

import numpy as np

from lmrec.errors import ConfigError, ModelError
from lmrec.retrieval._base import VectorIndex
from lmrec.retrieval._faiss import faiss, id_selector, omp_threads
from lmrec.retrieval._params import ExactParams, HNSWParams, IndexParams, IVFParams, validate_params


class ExactIndex(VectorIndex):
    """Brute-force search (``IndexIDMap2`` over ``IndexFlatIP``/``IndexFlatL2``): exact top-k."""

    kind: ClassVar[str] = "exact"
    params_cls: ClassVar[type[IndexParams]] = ExactParams

    def _build(self, first: np.ndarray) -> Any:
        fs = faiss()
        flat = fs.IndexFlatL2(self.dim) if self.metric == "l2" else fs.IndexFlatIP(self.dim)
        return fs.IndexIDMap2(flat)


class HNSWIndex(VectorIndex):
    """Approximate search on an HNSW graph (``IndexIDMap2`` over ``IndexHNSWFlat``).

    HNSW cannot delete nodes, so :meth:`remove` raises :class:`ModelError` rather than silently
    rebuilding: filter with ``search(..., exclude=...)`` or build a new index from the kept
    vectors.
    """

    kind: ClassVar[str] = "hnsw"
    params_cls: ClassVar[type[IndexParams]] = HNSWParams
    _params: HNSWParams

    def _build(self, first: np.ndarray) -> Any:
        fs = faiss()
        hnsw = fs.IndexHNSWFlat(self.dim, self._params.M, self._faiss_metric())
        hnsw.hnsw.efConstruction = self._params.ef_construction
        return fs.IndexIDMap2(hnsw)

    def _apply_search_params(self) -> None:
        faiss().downcast_index(self._index.index).hnsw.efSearch = self._params.ef_search

    def remove(self, ids: Any) -> int:
        """Not supported by HNSW: always raises :class:`ModelError`."""
        raise ModelError(
            "an HNSW index cannot remove vectors; pass exclude= to search, rebuild from the kept "
            "vectors, or use kind='exact' or 'ivf'"
        )


def auto_nlist(n: int) -> int:
    """About 4·sqrt(n) lists, at most n/39 so k-means sees ≥ 39 points per centroid."""
    return max(1, min(round(4 * math.sqrt(n)), n // 39))


class IVFIndex(VectorIndex):
    """Approximate search over inverted lists (``IndexIVFFlat`` with its own id storage).

    The coarse quantizer is trained by :meth:`train` or, failing that, on the first batch given
    to :meth:`add`, which should therefore be representative and large enough. faiss's
    ``IndexIDMap2`` is not used here: its id map goes out of sync after ``remove_ids`` on IVF
    (faiss issues #1643, #4535), so the IVF index keeps the caller's ids itself, with a
    hash-table direct map for :meth:`reconstruct`.
    """

    kind: ClassVar[str] = "ivf"
    params_cls: ClassVar[type[IndexParams]] = IVFParams
    _params: IVFParams

    @property
    def nlist_(self) -> int | None:
        """The number of lists chosen at train time (``None`` before training)."""
        return None if self._index is None else int(self._index.nlist)

    def train(self, vectors: Any) -> None:
        """Train the coarse quantizer on ``vectors`` without adding them (before any add)."""
        if self._index is not None:
            raise ModelError("this IVF index is already trained; make a new index to retrain")
        x = self._vectors(vectors, "training vectors")
        with omp_threads(self.threads):
            self._index = self._build(x)
        self._apply_search_params()

    def _build(self, first: np.ndarray) -> Any:
        n = len(first)
        nlist = self._params.nlist or auto_nlist(n)
        if n < nlist:
            raise ModelError(
                f"an IVF index with nlist={nlist} needs at least {nlist} training vectors, got "
                f"{n}: add more vectors in the first call, lower nlist, or use kind='exact'"
            )
        fs = faiss()
        metric = self._faiss_metric()
        quantizer = fs.IndexFlatL2(self.dim) if self.metric == "l2" else fs.IndexFlatIP(self.dim)
        ivf = fs.IndexIVFFlat(quantizer, self.dim, nlist, metric)
        ivf.train(first)
        ivf.set_direct_map_type(fs.DirectMap.Hashtable)
        return ivf

    def _apply_search_params(self) -> None:
        self._index.nprobe = self._params.nprobe

    def _faiss_remove(self, ids: np.ndarray) -> int:
        # a hash-table direct map only accepts a plain array selector
        return int(self._index.remove_ids(id_selector(ids, hashed=False)))

    def _meta(self) -> dict[str, Any]:
        return {**super()._meta(), "nlist_": self.nlist_}


_KINDS: dict[str, type[VectorIndex]] = {"exact": ExactIndex, "hnsw": HNSWIndex, "ivf": IVFIndex}
_ALIASES = {"flat": "exact", "brute": "exact", "bruteforce": "exact"}


def available() -> list[str]:
    """Index kinds accepted by :func:`make_index`."""
    return sorted(_KINDS)


def index_class(kind: str) -> type[VectorIndex]:
    """The class behind an index kind (aliases such as ``"flat"`` accepted)."""
    cls = _KINDS.get(_ALIASES.get(kind, kind)) if isinstance(kind, str) else None
    if cls is None:
        raise ConfigError(f"unknown index kind {kind!r}; use one of {', '.join(available())}")
    return cls


def make_index(
    kind: str = "exact",
    *,
    dim: int,
    metric: str = "ip",
    threads: int | None = None,
    **params: Any,
) -> VectorIndex:
    """A new, empty vector index of the given kind.

    Args:
        kind: ``"exact"`` (brute force), ``"hnsw"`` (graph; params ``M=32``,
            ``ef_construction=200``, ``ef_search=128``) or ``"ivf"`` (inverted lists; params
            ``nlist=None`` meaning about 4·sqrt(n) chosen at train time, ``nprobe=16``).
        dim: vector dimension.
        metric: ``"ip"`` (inner product), ``"cosine"`` or ``"l2"``; scores are always
            higher-is-better (negative squared distance for ``"l2"``).
        threads: OpenMP threads faiss uses in add and search (``None``: leave faiss's setting).
        **params: kind-specific parameters, validated.

    Raises:
        ConfigError: unknown kind or metric, or a bad parameter.

    Example:
        >>> index = make_index("hnsw", dim=384, ef_search=64)  # doctest: +SKIP
        >>> index.add(item_vectors)  # ids 0..n-1  # doctest: +SKIP
        >>> scores, ids = index.search(query_vectors, k=10)  # doctest: +SKIP
    """
    cls = index_class(kind)
    checked = validate_params(cls.params_cls, cls.kind, params)
    return cls(dim=dim, metric=metric, params=checked, threads=threads)


def load_index(path: Any, threads: int | None = None) -> VectorIndex:
    """Load an index saved with :meth:`VectorIndex.save` (see :meth:`VectorIndex.load`)."""
    return VectorIndex.load(path, threads=threads)
