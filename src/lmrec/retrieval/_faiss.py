# SPDX-License-Identifier: MIT
"""Lazy access to faiss, and a scoped OpenMP thread count."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np

_INSTALL = "lmrec.retrieval needs faiss: install lmrec[lm] (or pip install faiss-cpu)"


def faiss() -> ModuleType:
    """The ``faiss`` module, imported on first use.

    Raises:
        ImportError: faiss-cpu is not installed (one line naming the fix).
    """
    try:
        import faiss as _faiss
    except ImportError:
        raise ImportError(_INSTALL) from None
    return _faiss


@contextlib.contextmanager
def omp_threads(n: int | None) -> Iterator[None]:
    """Run the block with faiss using ``n`` OpenMP threads (``None``: leave as is), then restore.

    The setting is process-wide, so concurrent callers with different counts race; serving
    processes should use one count throughout.
    """
    if n is None:
        yield
        return
    fs = faiss()
    old = fs.omp_get_max_threads()
    fs.omp_set_num_threads(n)
    try:
        yield
    finally:
        fs.omp_set_num_threads(old)


def id_selector(ids: np.ndarray, hashed: bool = True) -> Any:
    """An ``IDSelectorBatch`` (``hashed``) or ``IDSelectorArray`` over ``ids``.

    The batch selector tests membership in O(1) (what ``IndexIDMap2`` needs); IVF indexes with
    a hash-table direct map accept only the plain array selector.
    """
    fs = faiss()
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    cls = fs.IDSelectorBatch if hashed else fs.IDSelectorArray
    sel = cls(len(ids), fs.swig_ptr(ids))
    sel.referenced_ids = ids  # the selector only holds a pointer
    return sel
