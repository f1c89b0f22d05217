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

With ``step`` the protocol is real-time test-then-train inside each window: the window's
events are cut into steps of ``step`` events; each step's users are scored on their items of
that step, then ``incremental`` folds them in before the next step (what a service applying
feedback at once does), while ``retrain`` still refits at window ends (a nightly job).

Update time is wall-clock per window (``update_s``) and CPU time of the process
(``update_cpu_s``, all threads), so incremental vs retrain compute can be compared. Factor
models with a running fold-in (ALS/BPR with every confidence 1) update a user in O(f²) from
sufficient statistics when ``step`` is set; otherwise (and for other models) the users'
whole histories are folded in again at every update.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

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
    update_cpu_s: float = 0.0

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
    seen: list[list[int]],
    k: int,
) -> np.ndarray:
    """Top-k with user ``factors``; users not ``known`` get the model's popularity scores."""
    scores = factors[users] @ model.item_factors_.T  # type: ignore[attr-defined]
    cold = ~known[users]
    if cold.any():
        scores[cold] = model._fallback_scores()
    mask_rows(scores, _rows(seen, users, scores.shape[1]))
    return topk(scores.astype(np.float32), k)[0]


def _rows(lists: list[list[int]], users: np.ndarray, n_items: int) -> sp.csr_matrix:
    """The users' item lists as a binary CSR matrix (one row per user)."""
    sizes = np.fromiter((len(lists[u]) for u in users), np.int64, len(users))
    cols = np.fromiter((i for u in users for i in lists[u]), np.int64, int(sizes.sum()))
    indptr = np.r_[0, np.cumsum(sizes)]
    m = sp.csr_matrix((np.ones(len(cols), np.float32), cols, indptr), (len(users), n_items))
    m.sum_duplicates()
    m.data[:] = 1.0
    return m


def prequential(
    ds: Dataset,
    make_model: Callable[[], Recommender],
    initial_frac: float = 0.5,
    n_windows: int = 5,
    k: int = 10,
    strategies: Sequence[str] = STRATEGIES,
    seed: int = 0,
    step: int | None = None,
    min_history: int = 1,
) -> list[WindowResult]:
    """Run the prequential protocol (module docstring) for a factor model.

    Args:
        ds: events with timestamps.
        make_model: returns an unfitted model with ``user_factors_``/``item_factors_`` after
            fit and a ``_foldin(history)`` method (ALS, BPR).
        initial_frac: share of events (oldest first) for the initial fit.
        n_windows: later windows (retraining happens at the end of each).
        k: list length of NDCG@k.
        strategies: any of ``frozen``, ``incremental``, ``retrain``.
        seed: bootstrap seed.
        step: events per test-then-train step inside a window: each step's users are scored on
            their items of that step, then ``incremental`` folds them in (real-time updates);
            None: one step per window. A user appearing in several steps counts once per step.
        min_history: ``incremental`` serves a user unknown to the initial fit from their
            folded-in vector once they have this many events, popularity before.
    """
    bad = set(strategies) - set(STRATEGIES)
    if bad:
        raise DataError(f"unknown strategies {sorted(bad)}; use {STRATEGIES}")
    if step is not None and step < 1:
        raise DataError(f"step must be ≥ 1 event, got {step}")
    initial, windows = chronological_windows(ds, initial_frac, n_windows)
    seen_rows = initial
    seen: list[list[int]] = [[] for _ in range(ds.n_users)]
    for u, i in zip(ds.user_index[initial].tolist(), ds.item_index[initial].tolist(), strict=True):
        seen[u].append(i)
    base = make_model().fit(ds.subset(initial))
    start = (base, np.asarray(base.user_factors_).copy(), _active(ds, initial))  # type: ignore[attr-defined]
    state = dict.fromkeys(strategies, start)
    running = None
    spent_setup = (0.0, 0.0)
    if "incremental" in state:  # its own arrays: fold-in updates them in place
        state["incremental"] = (base, start[1].copy(), start[2].copy())
    if "incremental" in state and step is not None:
        # many small updates: keep sufficient statistics (one whole-window update is cheaper
        # as one batched re-fold of the window's users)
        t0, c0 = time.perf_counter(), time.process_time()
        history = sp.csr_matrix(
            (np.ones(len(initial), np.float32), (ds.user_index[initial], ds.item_index[initial])),
            shape=(ds.n_users, ds.n_items),
        )
        running = _running(base, history)
        spent_setup = (time.perf_counter() - t0, time.process_time() - c0)
    out: list[WindowResult] = []
    for w, rows in enumerate(windows):
        parts = [rows] if step is None else np.array_split(rows, -(-len(rows) // step))
        values: dict[str, list[np.ndarray]] = {s: [] for s in strategies}
        spent = {s: [0.0, 0.0] for s in strategies}  # wall, process CPU seconds
        if w == 0 and "incremental" in spent:
            spent["incremental"] = list(spent_setup)
        n_users = 0
        for part in parts:
            window = ds.subset(part).interactions.tocsr()
            users = np.flatnonzero(np.diff(window.indptr) > 0)
            relevant = [set(window.indices[window.indptr[u] : window.indptr[u + 1]]) for u in users]
            n_users += len(users)
            for s in strategies:
                model, factors, known = state[s]
                recs = _recommend(factors, known, model, users, seen, k)
                values[s].append(ndcg_at_k([r[r >= 0] for r in recs], relevant, k))
            for u, i in zip(
                ds.user_index[part].tolist(), ds.item_index[part].tolist(), strict=True
            ):
                seen[u].append(i)
            if "incremental" in state:
                t0, c0 = time.perf_counter(), time.process_time()
                if running is None:
                    state["incremental"] = _foldin(state["incremental"], users, seen, min_history)
                else:
                    running.add(ds.user_index[part], ds.item_index[part])
                    _, factors, known = state["incremental"]
                    factors[users] = running.vectors(users)
                    _mark_known(known, users, seen, min_history)
                spent["incremental"][0] += time.perf_counter() - t0
                spent["incremental"][1] += time.process_time() - c0
        seen_rows = np.r_[seen_rows, rows]
        if "retrain" in state:
            t0, c0 = time.perf_counter(), time.process_time()
            fresh = make_model().fit(ds.subset(seen_rows))
            state["retrain"] = (fresh, fresh.user_factors_, _active(ds, seen_rows))  # type: ignore[attr-defined]
            spent["retrain"][0] += time.perf_counter() - t0
            spent["retrain"][1] += time.process_time() - c0
        for s in strategies:
            mean, low, high = bootstrap_ci(np.concatenate(values[s]), seed=seed)
            out.append(WindowResult(s, w, mean, low, high, n_users, *spent[s]))
    return out


def _foldin(
    current: tuple[Recommender, np.ndarray, np.ndarray],
    users: np.ndarray,
    seen: list[list[int]],
    min_history: int = 1,
) -> tuple[Recommender, np.ndarray, np.ndarray]:
    """Fold ``users`` in again from their whole history so far (item factors fixed), in place;
    users unknown to the initial fit with fewer than ``min_history`` events stay on
    popularity."""
    model, factors, known = current
    history = _rows(seen, users, model.item_factors_.shape[0])  # type: ignore[attr-defined]
    factors[users] = model._foldin(history)  # type: ignore[attr-defined]
    _mark_known(known, users, seen, min_history)
    return model, factors, known


def _mark_known(
    known: np.ndarray, users: np.ndarray, seen: list[list[int]], min_history: int
) -> None:
    """Users with at least ``min_history`` events are served from their own vector from now on."""
    if min_history <= 1:  # every user of a step has an event
        known[users] = True
    else:
        known[users] |= np.fromiter((len(seen[u]) >= min_history for u in users), bool, len(users))


def _running(model: Recommender, history: sp.csr_matrix) -> Any:
    """The model's running fold-in (O(f²) per re-solved user) when it has one for this
    configuration, else None (the whole history is folded in again at every step)."""
    make = getattr(model, "running_foldin", None)
    if make is None:
        return None
    try:
        return make(history)
    except DataError:
        return None


def _active(ds: Dataset, rows: np.ndarray) -> np.ndarray:
    """Users with at least one event among ``rows``."""
    return np.bincount(ds.user_index[rows], minlength=ds.n_users) > 0
