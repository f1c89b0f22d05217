# SPDX-License-Identifier: MIT
"""Dense index ⇄ external id vocabularies."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import pandas as pd

from lmrec.errors import DataError, UnknownIdError


def as_id_array(values: Any) -> np.ndarray:
    """Coerce ids to ``int64`` when they are all integral, otherwise to a numpy string array."""
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":
        return arr.astype(np.int64, copy=False)
    integral = arr.dtype.kind == "f" and arr.size and np.all(np.isfinite(arr))
    if integral and np.all(arr == np.round(arr)):
        return arr.astype(np.int64)
    if arr.dtype.kind in "US":
        return arr.astype(str)
    return np.asarray([str(v) for v in arr.ravel()], dtype=str) if arr.size else arr.astype(str)


class IdMap:
    """An ordered vocabulary of external ids; position in the map is the dense index.

    Args:
        ids: unique external ids (integers or strings), in index order.
        name: what the ids are ("user", "item"), used in error messages.

    Stability: full.
    """

    __slots__ = ("_ids", "_index", "name")

    def __init__(self, ids: Iterable[Any] | np.ndarray, name: str = "id") -> None:
        arr = as_id_array(list(ids) if not isinstance(ids, np.ndarray | pd.Index) else ids)
        index = pd.Index(arr)
        if not index.is_unique:
            dup = index[index.duplicated()].unique()[:3].tolist()
            raise DataError(f"duplicate {name} ids in vocabulary: {dup}; ids must be unique")
        arr = arr.copy()
        arr.setflags(write=False)
        self._ids = arr
        self._index = index
        self.name = name

    @classmethod
    def from_values(cls, values: Any, name: str = "id") -> tuple[IdMap, np.ndarray]:
        """Build a sorted vocabulary from (possibly repeated) values; return it and the codes."""
        codes, uniques = pd.factorize(as_id_array(values), sort=True)
        return cls(np.asarray(uniques), name=name), codes.astype(np.int32)

    @property
    def ids(self) -> np.ndarray:
        """The external ids in index order (read-only)."""
        return self._ids

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, external_id: Any) -> bool:
        if np.ndim(external_id) != 0:
            return False
        return bool(self.index(external_id, missing="negative") >= 0)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, IdMap):
            return NotImplemented
        return self._ids.dtype.kind == other._ids.dtype.kind and np.array_equal(
            self._ids, other._ids
        )

    def __hash__(self) -> int:
        return hash((len(self), self._ids.dtype.kind))

    def __repr__(self) -> str:
        head = ", ".join(map(str, self._ids[:3]))
        return f"IdMap({self.name}: {len(self)} ids [{head}{', …' if len(self) > 3 else ''}])"

    def index(
        self, external_ids: Any, missing: Literal["error", "negative"] = "error"
    ) -> np.ndarray:
        """Dense indices of ``external_ids``.

        Args:
            external_ids: one id or a sequence of ids.
            missing: ``"error"`` raises :class:`UnknownIdError` on an unknown id,
                ``"negative"`` returns -1 for it.
        """
        scalar = np.ndim(external_ids) == 0
        arr = as_id_array(np.atleast_1d(np.asarray(external_ids)))
        asked = arr
        if arr.dtype.kind != self._ids.dtype.kind and arr.size:
            # e.g. "42" asked of an integer vocabulary: try the other representation
            arr = as_id_array([_coerce(v, self._ids.dtype.kind) for v in arr])
        idx = self._index.get_indexer(arr).astype(np.int64) if arr.size else np.empty(0, np.int64)
        if missing == "error" and (idx < 0).any():
            bad = asked[idx < 0][:3].tolist()
            raise UnknownIdError(
                f"unknown {self.name} id(s) {bad} (vocabulary has {len(self)} {self.name}s)"
            )
        return idx[0] if scalar else idx

    def id(self, indices: Any) -> Any:
        """External id(s) at dense ``indices``."""
        return self._ids[indices]


def _coerce(value: Any, kind: str) -> Any:
    if kind in "iu":
        try:
            return int(value)
        except (TypeError, ValueError):
            return -(2**62)  # never a valid id; reported as unknown
    return str(value)
