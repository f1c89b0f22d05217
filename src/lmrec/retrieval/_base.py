# SPDX-License-Identifier: MIT
"""The :class:`VectorIndex` base: caller ids, input checks, filtered search, persistence."""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from lmrec._io import atomic_dir, load_arrays, save_arrays, verify_dir, write_json
from lmrec.errors import ArtifactError, ConfigError, LmrecError, ModelError, UnknownIdError
from lmrec.retrieval._faiss import faiss, id_selector, omp_threads
from lmrec.retrieval._params import IndexParams, check_metric, validate_params

META_FILE = "index.json"
IDS_FILE = "ids.npz"
INDEX_FILE = "index.faiss"
FORMAT = 1
ARTIFACT = "lmrec.retrieval.VectorIndex"


def _few(ids: np.ndarray, n: int = 5) -> str:
    head = ", ".join(str(int(i)) for i in ids[:n])
    return head + (f", … ({len(ids)} in all)" if len(ids) > n else "")


class VectorIndex(ABC):
    """Nearest-neighbour search over vectors keyed by the caller's int64 ids.

    Higher scores are better for every metric: inner product (``"ip"``), cosine (vectors are
    L2-normalised on the way in) and ``"l2"`` (scores are *negative* squared distances).
    Build with :func:`lmrec.retrieval.make_index`; the faiss index is created on the first
    :meth:`add`.

    Stability: Caller (new in 0.1).
    """

    kind: ClassVar[str]
    params_cls: ClassVar[type[IndexParams]]

    def __init__(
        self,
        dim: int,
        metric: str = "ip",
        params: IndexParams | None = None,
        threads: int | None = None,
    ) -> None:
        if isinstance(dim, bool) or not isinstance(dim, int | np.integer) or dim < 1:
            raise ConfigError(f"index dim must be a positive integer; got {dim!r}")
        if threads is not None and (not isinstance(threads, int) or threads < 1):
            raise ConfigError(f"threads must be a positive integer or None; got {threads!r}")
        self._dim = int(dim)
        self._metric = check_metric(metric)
        self._params = params if params is not None else self.params_cls()
        #: OpenMP threads faiss uses in add/search (``None``: faiss's current setting)
        self.threads = threads
        self._index: Any = None  # the faiss index, created by the first add
        self._ids = np.empty(0, np.int64)  # sorted ids currently stored
        self._next_id = 0

    # ---- per-kind hooks ------------------------------------------------------------------

    @abstractmethod
    def _build(self, first: np.ndarray) -> Any:
        """A new, empty faiss index ready for ``add_with_ids`` (``first``: the first batch)."""

    def _apply_search_params(self) -> None:
        """Push search-time parameters into the faiss index (none for this kind)."""
        return None

    def _faiss_remove(self, ids: np.ndarray) -> int:
        return int(self._index.remove_ids(id_selector(ids)))

    def _faiss_metric(self) -> int:
        fs = faiss()
        return int(fs.METRIC_L2 if self._metric == "l2" else fs.METRIC_INNER_PRODUCT)

    # ---- properties ----------------------------------------------------------------------

    @property
    def dim(self) -> int:
        """Vector dimension."""
        return self._dim

    @property
    def metric(self) -> str:
        """``"ip"``, ``"cosine"`` or ``"l2"``."""
        return self._metric

    @property
    def params(self) -> dict[str, Any]:
        """Build and search parameters of this kind."""
        return self._params.model_dump()

    @property
    def faiss_index(self) -> Any:
        """The underlying faiss index (``None`` before the first add)."""
        return self._index

    def __len__(self) -> int:
        return len(self._ids)

    def __repr__(self) -> str:
        args = [f"dim={self._dim}", f"metric={self._metric!r}"]
        args += [f"{k}={v!r}" for k, v in self.params.items()]
        return f"{type(self).__name__}({', '.join(args)}, n={len(self)})"

    def ids(self) -> np.ndarray:
        """The stored ids, sorted."""
        return self._ids.copy()

    def __contains__(self, id_: object) -> bool:
        if not isinstance(id_, int | np.integer):
            return False
        pos = int(np.searchsorted(self._ids, id_))
        return pos < len(self._ids) and int(self._ids[pos]) == int(id_)

    def set_search_params(self, **params: Any) -> None:
        """Change search-time parameters (HNSW ``ef_search``, IVF ``nprobe``) without a rebuild."""
        bad = sorted(set(params) - self._params.search_keys)
        if bad:
            keys = ", ".join(sorted(self._params.search_keys)) or "none"
            raise ConfigError(
                f"{self.kind} index: {', '.join(bad)} cannot change after build "
                f"(search-time parameters: {keys}); make a new index instead"
            )
        merged = {**self._params.model_dump(), **params}
        self._params = validate_params(type(self._params), self.kind, merged)
        if self._index is not None:
            self._apply_search_params()

    # ---- input checks --------------------------------------------------------------------

    def _vectors(self, vectors: Any, what: str) -> np.ndarray:
        """``vectors`` as float32 C-contiguous ``[n, dim]`` (normalised for cosine)."""
        arr = np.asarray(vectors)
        if arr.ndim == 1:
            arr = arr[None, :]
        if arr.ndim != 2:
            raise ModelError(f"{what} must be a 2-D array [n, {self._dim}]; got shape {arr.shape}")
        if arr.shape[1] != self._dim:
            raise ModelError(
                f"{what} have dimension {arr.shape[1]} but the index has dim={self._dim}; "
                "use vectors from the same encoder or model"
            )
        if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)):
            raise ModelError(f"{what} must be numeric; got dtype {arr.dtype}")
        arr = np.ascontiguousarray(arr, dtype=np.float32)
        if not np.isfinite(arr).all():
            raise ModelError(f"{what} contain NaN or infinite values")
        if self._metric == "cosine":
            norms = np.linalg.norm(arr, axis=1, keepdims=True)
            arr = np.ascontiguousarray(arr / np.where(norms > 0, norms, 1.0), dtype=np.float32)
        return arr

    def _id_array(self, ids: Any, what: str = "ids") -> np.ndarray:
        arr = np.asarray(ids)
        if arr.ndim == 0:
            arr = arr[None]
        if arr.ndim != 1:
            raise ModelError(f"{what} must be a 1-D sequence of integers; got shape {arr.shape}")
        if len(arr) == 0:
            return np.empty(0, np.int64)
        if not np.issubdtype(arr.dtype, np.integer):
            raise ModelError(f"{what} must be integers (dense item indices); got dtype {arr.dtype}")
        return arr.astype(np.int64)

    def _new_ids(self, ids: Any, n: int) -> np.ndarray:
        if ids is None:
            return np.arange(self._next_id, self._next_id + n, dtype=np.int64)
        arr = self._id_array(ids)
        if len(arr) != n:
            raise ModelError(f"got {len(arr)} ids for {n} vectors; pass one id per vector")
        if (arr < 0).any():
            raise ModelError("ids must be >= 0 (-1 marks padding in search results)")
        if len(np.unique(arr)) != n:
            raise ModelError("ids repeat within the batch; pass each id once")
        dup = arr[np.isin(arr, self._ids)]
        if len(dup):
            raise ModelError(f"ids already in the index: {_few(dup)}; remove them first")
        return arr

    # ---- operations ----------------------------------------------------------------------

    def add(self, vectors: Any, ids: Any = None) -> np.ndarray:
        """Add ``[n, dim]`` vectors under ``ids`` (default: the next unused ids); return the ids."""
        x = self._vectors(vectors, "vectors")
        new = self._new_ids(ids, len(x))
        if len(x) == 0:
            return new
        with omp_threads(self.threads):
            if self._index is None:
                self._index = self._build(x)
                self._apply_search_params()
            self._index.add_with_ids(x, new)
        self._ids = np.union1d(self._ids, new)
        self._next_id = max(self._next_id, int(new.max()) + 1)
        return new

    def remove(self, ids: Any) -> int:
        """Remove ``ids`` (all must be present); return how many were removed."""
        arr = np.unique(self._id_array(ids))
        if len(arr) == 0:
            return 0
        missing = arr[~np.isin(arr, self._ids)]
        if len(missing):
            raise UnknownIdError(f"ids not in the index: {_few(missing)}")
        with omp_threads(self.threads):
            removed = self._faiss_remove(arr)
        self._ids = np.setdiff1d(self._ids, arr, assume_unique=True)
        return removed

    def reconstruct(self, id_: int) -> np.ndarray:
        """The stored vector of ``id_`` (normalised when the metric is cosine)."""
        if id_ not in self:
            raise UnknownIdError(f"id {id_!r} is not in the index")
        return np.asarray(self._index.reconstruct(int(id_)), dtype=np.float32)

    def search(
        self, queries: Any, k: int, exclude: Sequence[Collection[int]] | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best stored ids for each query.

        Args:
            queries: ``[q, dim]`` (or one ``[dim]``) query vectors.
            k: results per query.
            exclude: per query, ids never to return (e.g. seen items). Extra candidates are
                fetched so that each row still has ``k`` results when the index holds enough.

        Returns:
            ``(scores float32 [q, k], ids int64 [q, k])``, best first; missing results are
            padded with id ``-1`` and score ``-inf``.

        Raises:
            ModelError: the index is empty, ``k < 1``, or the queries have the wrong shape.
        """
        q = self._vectors(queries, "queries")
        if isinstance(k, bool) or not isinstance(k, int | np.integer) or k < 1:
            raise ModelError(f"k must be a positive integer; got {k!r}")
        if len(self) == 0:
            raise ModelError(f"search on an empty {self.kind} index: add vectors first")
        if exclude is not None and len(exclude) != len(q):
            raise ModelError(f"exclude has {len(exclude)} entries for {len(q)} queries")
        if exclude is None or not any(len(e) for e in exclude):
            return self._search_raw(q, int(k))
        return self._search_excluding(q, int(k), exclude)

    def _search_raw(self, q: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        with omp_threads(self.threads):
            dist, ids = self._index.search(q, k)
        scores = np.asarray(-dist if self._metric == "l2" else dist, dtype=np.float32)
        ids = np.asarray(ids, dtype=np.int64)
        scores[ids < 0] = -np.inf
        return scores, ids

    def _search_excluding(
        self, q: np.ndarray, k: int, exclude: Sequence[Collection[int]]
    ) -> tuple[np.ndarray, np.ndarray]:
        sets = [e if isinstance(e, set | frozenset) else set(e) for e in exclude]
        need = np.array([k + len(e) for e in sets], dtype=np.int64)
        # round up to powers of two so rows share a few fetch sizes (one faiss call each)
        fetch = np.minimum(1 << np.ceil(np.log2(need)).astype(np.int64), len(self))
        scores = np.full((len(q), k), -np.inf, np.float32)
        ids = np.full((len(q), k), -1, np.int64)
        for f in np.unique(fetch):
            rows = np.flatnonzero(fetch == f)
            s, i = self._search_raw(q[rows], int(f))
            for r, srow, irow in zip(rows, s, i, strict=True):
                ex = sets[r]
                keep = [c for c, j in enumerate(irow.tolist()) if j >= 0 and j not in ex][:k]
                ids[r, : len(keep)] = irow[keep]
                scores[r, : len(keep)] = srow[keep]
        return scores, ids

    # ---- persistence ---------------------------------------------------------------------

    def _meta(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "kind": self.kind,
            "dim": self._dim,
            "metric": self._metric,
            "params": self.params,
            "next_id": self._next_id,
            "n": len(self),
        }

    def save(self, path: Path | str) -> None:
        """Write an atomic folder: ``index.faiss``, ``ids.npz``, ``index.json`` and a manifest."""
        extra = {"artifact": ARTIFACT, "kind": self.kind}
        with atomic_dir(path, extra_manifest=extra) as tmp:
            write_json(tmp / META_FILE, self._meta())
            save_arrays(tmp / IDS_FILE, {"ids": self._ids})
            if self._index is not None:
                faiss().write_index(self._index, str(tmp / INDEX_FILE))

    @classmethod
    def load(cls, path: Path | str, threads: int | None = None) -> VectorIndex:
        """Load a folder written by :meth:`save` (checksums verified first; never unpickles).

        Raises:
            ArtifactError: the folder is missing, altered, or not a saved index.
        """
        from lmrec.retrieval._kinds import index_class

        path = Path(path)
        verify_dir(path)
        meta = _read_meta(path)
        try:
            kind_cls = index_class(meta["kind"])
            params = validate_params(kind_cls.params_cls, meta["kind"], meta["params"])
            obj = kind_cls(meta["dim"], meta["metric"], params, threads)
        except (LmrecError, KeyError, TypeError) as e:
            raise ArtifactError(f"{path}: invalid {META_FILE} ({e}); re-save the index") from None
        if cls is not VectorIndex and not isinstance(obj, cls):
            raise ArtifactError(f"{path}: holds a {obj.kind} index, not {cls.__name__}")
        obj._restore(path, meta)
        return obj

    def _restore(self, path: Path, meta: dict[str, Any]) -> None:
        try:
            ids = load_arrays(path / IDS_FILE).get("ids")
        except (OSError, ValueError) as e:
            raise ArtifactError(f"{path}: cannot read {IDS_FILE} ({e}); re-save it") from None
        if ids is None or ids.ndim != 1 or len(ids) != meta.get("n"):
            raise ArtifactError(f"{path}: {IDS_FILE} does not match {META_FILE}; re-save the index")
        self._ids = np.sort(ids.astype(np.int64))
        self._next_id = int(meta.get("next_id", 0))
        if (path / INDEX_FILE).is_file():
            self._index = _read_faiss(path / INDEX_FILE)
            idx = self._index
            same_metric = idx.metric_type == self._faiss_metric()
            if idx.d != self._dim or idx.ntotal != len(ids) or not same_metric:
                raise ArtifactError(
                    f"{path}: {INDEX_FILE} (dim={idx.d}, n={idx.ntotal}) does not match "
                    f"{META_FILE} (dim={self._dim}, n={len(ids)}, metric={self._metric})"
                )
            self._apply_search_params()
        elif len(ids):
            raise ArtifactError(f"{path}: {INDEX_FILE} is missing; re-save the index")


def _read_meta(path: Path) -> dict[str, Any]:
    try:
        meta = json.loads((path / META_FILE).read_text())
    except (OSError, ValueError) as e:
        raise ArtifactError(f"{path}: cannot read {META_FILE} ({e}); not a saved index?") from None
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise ArtifactError(f"{path}: {META_FILE} is not a format-{FORMAT} lmrec vector index")
    return meta


def _read_faiss(file: Path) -> Any:
    try:
        return faiss().read_index(str(file))
    except RuntimeError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else "unreadable"
        raise ArtifactError(f"{file}: not a readable faiss index ({first})") from None
