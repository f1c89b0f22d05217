# SPDX-License-Identifier: MIT
"""Train / validation / test splits. All return a :class:`Split` of Datasets sharing id maps.

=====================  ==============================================================  =========
function               what goes to test (validation is cut the same way before test)   needs
=====================  ==============================================================  =========
``random``             a random ``test_frac`` of all events                             —
``random_user``        per user, a random ``ceil(test_frac·n)`` of their events         —
``temporal_global``    events at or after the global time cut-off                       unix time
``temporal_user``      per user, the last ``ceil(test_frac·n)`` by (time, file order)   time/order
``leave_last_out``     per user, the last ``n_test`` events (the ``n_valid`` before       time/order
                       them validate)
``cold_item``          every event of a random ``test_frac`` of the items               —
``cold_user``          every event (after the first ``keep``) of ``test_frac`` of users   —
=====================  ==============================================================  =========

Per-user splits keep at least one training event for a user with two or more events (the
validation share shrinks first, then the test share). Seeds make every random split
reproducible; the deterministic splits ignore the seed.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from lmrec.data._dataset import Dataset
from lmrec.errors import DataError


class Split(NamedTuple):
    """(train, valid, test); ``valid`` is None when no validation share was asked for."""

    train: Dataset
    valid: Dataset | None
    test: Dataset


def _check_fracs(test_frac: float, valid_frac: float) -> None:
    if not 0 < test_frac < 1:
        raise DataError(f"test_frac must be in (0, 1), got {test_frac}")
    if not 0 <= valid_frac < 1 or test_frac + valid_frac >= 1:
        raise DataError(
            f"valid_frac must be in [0, 1) with test_frac + valid_frac < 1, got {valid_frac}"
        )


def _assemble(ds: Dataset, part: np.ndarray, has_valid: bool) -> Split:
    """``part``: 0 train, 1 valid, 2 test per event."""
    if not (part == 0).any():
        raise DataError(f"{ds.name}: split left no training events; lower the held-out shares")
    if not (part == 2).any():
        raise DataError(f"{ds.name}: split left no test events; raise test_frac")
    valid = ds.subset(part == 1, name=f"{ds.name}/valid") if has_valid else None
    return Split(
        ds.subset(part == 0, name=f"{ds.name}/train"),
        valid,
        ds.subset(part == 2, name=f"{ds.name}/test"),
    )


def _per_user(
    ds: Dataset, order: np.ndarray, n_test: np.ndarray, n_valid: np.ndarray
) -> np.ndarray:
    """Assign the last ``n_test[u]`` events of each user (in ``order``) to test, then valid."""
    users = ds.user_index[order]
    counts = np.bincount(users, minlength=ds.n_users)
    starts = np.r_[0, np.cumsum(counts)[:-1]]
    pos = np.arange(len(order)) - starts[users]
    n = counts[users]
    from_end = n - pos  # 1 for the user's last event
    part_sorted = np.where(
        from_end <= n_test[users], 2, np.where(from_end <= n_test[users] + n_valid[users], 1, 0)
    )
    part = np.empty(len(order), np.int8)
    part[order] = part_sorted
    return part


def _shares(
    counts: np.ndarray, test_frac: float, valid_frac: float
) -> tuple[np.ndarray, np.ndarray]:
    n_test = np.ceil(test_frac * counts - 1e-9).astype(np.int64)
    n_valid = np.ceil(valid_frac * counts - 1e-9).astype(np.int64)
    # keep one training event for users with >= 2 events: shrink valid first, then test
    over = np.maximum(n_test + n_valid - (counts - 1), 0) * (counts >= 2)
    cut = np.minimum(over, n_valid)
    n_valid -= cut
    n_test -= over - cut
    return n_test, n_valid


def _time_order(ds: Dataset, what: str) -> np.ndarray:
    if ds.timestamps is None:
        raise DataError(
            f"{ds.name}: {what} needs timestamps or sequence order and this data has none; "
            "use random_user or random"
        )
    return ds.time_order  # shared with Dataset.sequences(): held-out events end each sequence


def random(ds: Dataset, test_frac: float = 0.2, valid_frac: float = 0.0, seed: int = 0) -> Split:
    """A random share of all events to test (and validation)."""
    _check_fracs(test_frac, valid_frac)
    u = np.random.default_rng(seed).random(ds.n_events)
    part = np.where(u < test_frac, 2, np.where(u < test_frac + valid_frac, 1, 0))
    return _assemble(ds, part, valid_frac > 0)


def random_user(
    ds: Dataset, test_frac: float = 0.2, valid_frac: float = 0.0, seed: int = 0
) -> Split:
    """Per user (stratified), a random ``ceil(test_frac·n)`` of their events to test."""
    _check_fracs(test_frac, valid_frac)
    key = np.random.default_rng(seed).random(ds.n_events)
    order = np.lexsort((key, ds.user_index))
    n_test, n_valid = _shares(ds.user_event_counts, test_frac, valid_frac)
    return _assemble(ds, _per_user(ds, order, n_test, n_valid), valid_frac > 0)


def temporal_user(
    ds: Dataset, test_frac: float = 0.2, valid_frac: float = 0.0, seed: int = 0
) -> Split:
    """Per user, events sorted by (timestamp, file order); the last ``ceil(test_frac·n)`` test.

    This is the protocol of the lmrec baseline benchmark (``bench/baselines.py``).
    """
    del seed  # deterministic
    _check_fracs(test_frac, valid_frac)
    order = _time_order(ds, "temporal_user")
    n_test, n_valid = _shares(ds.user_event_counts, test_frac, valid_frac)
    return _assemble(ds, _per_user(ds, order, n_test, n_valid), valid_frac > 0)


def temporal_global(
    ds: Dataset, test_frac: float = 0.2, valid_frac: float = 0.0, seed: int = 0
) -> Split:
    """A global time cut-off: events at or after it test (valid just before it)."""
    del seed
    _check_fracs(test_frac, valid_frac)
    if ds.time_kind != "unix" or ds.timestamps is None:
        raise DataError(
            f"{ds.name}: temporal_global needs real timestamps (this data has "
            f"{ds.time_kind or 'none'}); use temporal_user or leave_last_out"
        )
    ts = ds.timestamps
    s, n = np.sort(ts), len(ts)
    # cut at the ceil(frac * n)-th latest event, as the per-user splits count their shares
    t_test = s[n - int(np.ceil(test_frac * n - 1e-9))]
    t_valid = s[n - int(np.ceil((test_frac + valid_frac) * n - 1e-9))]
    part = np.where(ts >= t_test, 2, np.where((ts >= t_valid) & (valid_frac > 0), 1, 0))
    return _assemble(ds, part, valid_frac > 0)


def leave_last_out(
    ds: Dataset, n_test: int = 1, n_valid: int = 1, valid_users: int | None = None, seed: int = 0
) -> Split:
    """Per user, the last ``n_test`` events to test and the ``n_valid`` before them to valid.

    Users with at most ``n_test + n_valid`` events stay entirely in train. With
    ``valid_users``, only that many randomly drawn users give validation events; the others
    keep theirs in train (more training data, same test set).
    """
    order = _time_order(ds, "leave_last_out")
    counts = ds.user_event_counts
    eligible = counts > n_test + n_valid
    t = np.where(eligible, n_test, 0)
    v = np.where(eligible, n_valid, 0)
    if valid_users is not None:
        if valid_users < 1:
            raise DataError(f"valid_users must be at least 1, got {valid_users}")
        pool = np.flatnonzero(eligible)
        keep = np.zeros(ds.n_users, bool)
        keep[np.random.default_rng(seed).permutation(pool)[:valid_users]] = True
        v = np.where(keep, v, 0)
    return _assemble(ds, _per_user(ds, order, t, v), n_valid > 0)


def _pick(pool: np.ndarray, frac: float, rng: np.random.Generator) -> np.ndarray:
    n = min(len(pool), max(1, round(frac * len(pool)))) if frac > 0 else 0
    return rng.choice(pool, size=n, replace=False) if n else np.empty(0, pool.dtype)


def cold_item(ds: Dataset, test_frac: float = 0.1, valid_frac: float = 0.0, seed: int = 0) -> Split:
    """A random share of the items with events is held out with all their interactions.

    Test users are those who interacted with a held-out item; rank among held-out items
    (``candidates``) to measure cold-start recommendation.
    """
    _check_fracs(test_frac, valid_frac)
    rng = np.random.default_rng(seed)
    pool = np.flatnonzero(np.bincount(ds.item_index, minlength=ds.n_items))
    test_items = _pick(pool, test_frac, rng)
    rest = np.setdiff1d(pool, test_items)
    valid_items = _pick(rest, valid_frac, rng)
    part = np.zeros(ds.n_events, np.int8)
    part[np.isin(ds.item_index, valid_items)] = 1
    part[np.isin(ds.item_index, test_items)] = 2
    return _assemble(ds, part, valid_frac > 0)


def cold_user(
    ds: Dataset, test_frac: float = 0.1, valid_frac: float = 0.0, seed: int = 0, keep: int = 0
) -> Split:
    """A random share of users is held out: their first ``keep`` events (by time, else file
    order) stay in train as the known history, the rest go to test (or valid)."""
    _check_fracs(test_frac, valid_frac)
    rng = np.random.default_rng(seed)
    pool = np.flatnonzero(ds.user_event_counts > keep)
    test_users = _pick(pool, test_frac, rng)
    valid_users = _pick(np.setdiff1d(pool, test_users), valid_frac, rng)
    key = ds.timestamps if ds.timestamps is not None else np.arange(ds.n_events)
    order = np.lexsort((np.arange(ds.n_events), key, ds.user_index))
    users = ds.user_index[order]
    starts = np.r_[0, np.cumsum(np.bincount(users, minlength=ds.n_users))[:-1]]
    pos = np.empty(ds.n_events, np.int64)
    pos[order] = np.arange(ds.n_events) - starts[users]
    held = pos >= keep
    part = np.zeros(ds.n_events, np.int8)
    part[np.isin(ds.user_index, valid_users) & held] = 1
    part[np.isin(ds.user_index, test_users) & held] = 2
    return _assemble(ds, part, valid_frac > 0)


def holdout_valid(
    train: Dataset, method: str = "temporal_user", frac: float = 0.2, seed: int = 0
) -> tuple[Dataset, Dataset]:
    """Cut a validation set from ``train`` with the named split (for tuning; test untouched)."""
    fn = {"temporal_user": temporal_user, "random_user": random_user, "random": random}.get(method)
    if fn is None:
        raise DataError(f"holdout_valid: unknown method {method!r}")
    inner = fn(train, test_frac=frac, seed=seed)
    return inner.train, inner.test


SPLITS: dict[str, Callable[..., Split]] = {
    "random": random,
    "random_user": random_user,
    "temporal_user": temporal_user,
    "temporal_global": temporal_global,
    "leave_last_out": leave_last_out,
    "cold_item": cold_item,
    "cold_user": cold_user,
}

__all__ = [
    "SPLITS",
    "Split",
    "cold_item",
    "cold_user",
    "holdout_valid",
    "leave_last_out",
    "random",
    "random_user",
    "temporal_global",
    "temporal_user",
]
