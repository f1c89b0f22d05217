# SPDX-License-Identifier: MIT
"""Streaming (prequential) evaluation of a factor model: frozen vs incremental vs retrained.

The events are ordered by time; the first ``initial_frac`` train the model, the rest are cut
into ``n_windows`` equal-count windows. For each window, every strategy first *recommends* top-k
to the window's users (excluding what they interacted with before the window), is *scored* on
the items they interact with in the window (NDCG@k, bootstrap CI over users), and then
*updates* on the window's events:

* ``frozen``: never updates (users unknown at the start get popularity);
* ``incremental``: folds in the window's users again from their whole history so far
  (closed-form least squares with item factors fixed — the model's ``_foldin``); items first
  seen after the initial fit keep their initial factors, so it cannot learn new items;
* ``retrain``: fits a fresh model on all events up to the window's end.

Update time is wall-clock per window (``update_s``), so incremental vs retrain compute can be
compared.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from lmrec.data import Dataset
from lmrec.errors import DataError
from lmrec.evaluate.metrics import ndcg_at_k
from lmrec.evaluate.stats import bootstrap_ci
from lmrec.models._base import Recommender
from lmrec.models._topk import mask_rows, topk

__all__ = ["STRATEGIES", "WindowResult", "chronological_windows", "prequential"]

STRATEGIES = ("frozen", "incremental", "retrain")


@dataclass(frozen=True)
class WindowResult:
    """One strategy on one window."""

    strategy: str
    window: int
    ndcg: float
    low: float
    high: float
    n_users: int
    update_s: float

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready fields."""
        return asdict(self)


def chronological_windows(
    ds: Dataset, initial_frac: float = 0.5, n_windows: int = 5
) -> tuple[np.ndarray, list[np.ndarray]]:
    """Event rows of the initial part and of each later window, in time order."""
    if ds.timestamps is None:
        raise DataError(f"{ds.name}: prequential evaluation needs timestamps")
    if not 0 < initial_frac < 1 or n_windows < 1:
        raise DataError("initial_frac must lie in (0, 1) and n_windows be ≥ 1")
    order = np.lexsort((np.arange(ds.n_events), ds.timestamps))
    cut = int(initial_frac * len(order))
    return order[:cut], list(np.array_split(order[cut:], n_windows))


def _recommend(
    factors: np.ndarray,
    known: np.ndarray,
    model: Recommender,
    users: np.ndarray,
    seen: Any,
    k: int,
) -> np.ndarray:
    """Top-k with user ``factors``; users not ``known`` get the model's popularity scores."""
    scores = factors[users] @ model.item_factors_.T  # type: ignore[attr-defined]
    cold = ~known[users]
    if cold.any():
        scores[cold] = model._fallback_scores()
    mask_rows(scores, seen[users])
    return topk(scores.astype(np.float32), k)[0]


def prequential(
    ds: Dataset,
    make_model: Callable[[], Recommender],
    initial_frac: float = 0.5,
    n_windows: int = 5,
    k: int = 10,
    strategies: Sequence[str] = STRATEGIES,
    seed: int = 0,
) -> list[WindowResult]:
    """Run the prequential protocol (module docstring) for a factor model.

    Args:
        ds: events with timestamps.
        make_model: returns an unfitted model with ``user_factors_``/``item_factors_`` after
            fit and a ``_foldin(history)`` method (ALS, BPR).
        initial_frac: share of events (oldest first) for the initial fit.
        n_windows: later windows.
        k: list length of NDCG@k.
        strategies: any of ``frozen``, ``incremental``, ``retrain``.
        seed: bootstrap seed.
    """
    bad = set(strategies) - set(STRATEGIES)
    if bad:
        raise DataError(f"unknown strategies {sorted(bad)}; use {STRATEGIES}")
    initial, windows = chronological_windows(ds, initial_frac, n_windows)
    seen_rows = initial
    base = make_model().fit(ds.subset(initial))
    start = (base, np.asarray(base.user_factors_).copy(), _active(ds, initial))  # type: ignore[attr-defined]
    state = dict.fromkeys(strategies, start)
    out: list[WindowResult] = []
    for w, rows in enumerate(windows):
        seen = ds.subset(seen_rows).interactions
        window = ds.subset(rows).interactions.tocsr()
        users = np.flatnonzero(np.diff(window.indptr) > 0)
        relevant = [set(window.indices[window.indptr[u] : window.indptr[u + 1]]) for u in users]
        seen_rows = np.r_[seen_rows, rows]
        for s in strategies:
            model, factors, known = state[s]
            recs = _recommend(factors, known, model, users, seen, k)
            values = ndcg_at_k([r[r >= 0] for r in recs], relevant, k)
            mean, low, high = bootstrap_ci(values, seed=seed)
            t0 = time.perf_counter()
            state[s] = _update(s, ds, model, factors, known, users, seen_rows, make_model)
            out.append(WindowResult(s, w, mean, low, high, len(users), time.perf_counter() - t0))
    return out


def _active(ds: Dataset, rows: np.ndarray) -> np.ndarray:
    """Users with at least one event among ``rows``."""
    return np.bincount(ds.user_index[rows], minlength=ds.n_users) > 0


def _update(
    strategy: str,
    ds: Dataset,
    model: Recommender,
    factors: np.ndarray,
    known: np.ndarray,
    users: np.ndarray,
    rows: np.ndarray,
    make_model: Callable[[], Recommender],
) -> tuple[Recommender, np.ndarray, np.ndarray]:
    """The strategy's model, user factors and known-user mask after a window."""
    if strategy == "frozen":
        return model, factors, known
    if strategy == "retrain":
        fresh = make_model().fit(ds.subset(rows))
        return fresh, fresh.user_factors_, _active(ds, rows)  # type: ignore[attr-defined]
    history = ds.subset(rows).interactions.tocsr()[users]
    factors = factors.copy()
    factors[users] = model._foldin(history)  # type: ignore[attr-defined]
    known = known.copy()
    known[users] = True
    return model, factors, known
