# SPDX-License-Identifier: MIT
"""Splits: exact partitions, shared maps, reproducibility and each split's own rule."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd
import pytest

from lmrec.data import Dataset
from lmrec.data import split as S
from lmrec.data.synthetic import random_interactions
from lmrec.errors import DataError

# arguments that give every split a validation share
KWARGS = {
    "random": {"test_frac": 0.2, "valid_frac": 0.1},
    "random_user": {"test_frac": 0.2, "valid_frac": 0.1},
    "temporal_user": {"test_frac": 0.2, "valid_frac": 0.1},
    "temporal_global": {"test_frac": 0.2, "valid_frac": 0.1},
    "leave_last_out": {"n_test": 1, "n_valid": 1},
    "cold_item": {"test_frac": 0.2, "valid_frac": 0.1},
    "cold_user": {"test_frac": 0.2, "valid_frac": 0.1, "keep": 1},
}
SEEDED = ["random", "random_user", "cold_item", "cold_user"]
FRACTIONAL = ["random", "random_user", "temporal_user", "temporal_global", "cold_item", "cold_user"]


@pytest.fixture(scope="module")
def data():
    return random_interactions(seed=3)


def run(name, ds, seed=None):
    kw = dict(KWARGS[name])
    if seed is not None and name != "leave_last_out":
        kw["seed"] = seed
    return S.SPLITS[name](ds, **kw)


def rows(ds):
    """Multiset of events as (user, item, value, timestamp)."""
    if ds is None:
        return Counter()
    ts = ds.timestamps if ds.timestamps is not None else [None] * ds.n_events
    return Counter(
        zip(
            ds.user_index.tolist(),
            ds.item_index.tolist(),
            ds.values.tolist(),
            list(ts),
            strict=True,
        )
    )


def users_items(ds):
    return ds.users.id(ds.user_index).tolist(), ds.items.id(ds.item_index).tolist()


def make(users, items, ts=None, time_kind="unix"):
    cols = {"user": users, "item": items}
    if ts is not None:
        cols["t"] = ts
    timestamp = "t" if ts is not None else None
    return Dataset.from_events(pd.DataFrame(cols), timestamp=timestamp, time_kind=time_kind)


def per_user_sizes(split, n_users):
    parts = (split.test, split.valid, split.train)
    return [
        tuple(int(c) for c in counts)
        for counts in zip(
            *(
                np.bincount(p.user_index, minlength=n_users) if p is not None else [0] * n_users
                for p in parts
            ),
            strict=True,
        )
    ]


def test_splits_registry_lists_every_split():
    assert set(S.SPLITS) == set(KWARGS)


# ---------------------------------------------------------------- every split


@pytest.mark.parametrize("name", sorted(KWARGS))
def test_split_partitions_the_events_exactly(data, name):
    train, valid, test = run(name, data, seed=1)
    assert valid is not None
    assert train.n_events and valid.n_events and test.n_events
    assert train.n_events + valid.n_events + test.n_events == data.n_events
    assert rows(train) + rows(valid) + rows(test) == rows(data)  # union = all, no duplicates
    assert not (rows(train) & rows(test)) and not (rows(train) & rows(valid))
    assert not (rows(valid) & rows(test))


@pytest.mark.parametrize("name", sorted(KWARGS))
def test_split_shares_maps_and_metadata(data, name):
    parts = run(name, data, seed=1)
    for part, suffix in zip(parts, ("train", "valid", "test"), strict=True):
        assert part.users is data.users and part.items is data.items
        assert part.name == f"random/{suffix}"
        assert part.feedback == data.feedback and part.time_kind == data.time_kind
        np.testing.assert_array_equal(part.item_text, data.item_text)


@pytest.mark.parametrize("name", sorted(KWARGS))
def test_same_seed_gives_the_same_split(data, name):
    a, b = run(name, data, seed=7), run(name, data, seed=7)
    for x, y in zip(a, b, strict=True):
        pd.testing.assert_frame_equal(x.events, y.events)


@pytest.mark.parametrize("name", SEEDED)
def test_different_seeds_give_different_splits(data, name):
    a, b = run(name, data, seed=1), run(name, data, seed=2)
    assert rows(a.test) != rows(b.test)


@pytest.mark.parametrize("name", ["temporal_user", "temporal_global"])
def test_deterministic_splits_ignore_the_seed(data, name):
    a, b = run(name, data, seed=1), run(name, data, seed=2)
    assert rows(a.test) == rows(b.test) and rows(a.valid) == rows(b.valid)


@pytest.mark.parametrize("name", FRACTIONAL)
def test_no_validation_share_gives_none(data, name):
    kw = {k: v for k, v in KWARGS[name].items() if k != "valid_frac"}
    train, valid, test = S.SPLITS[name](data, **kw)
    assert valid is None
    assert rows(train) + rows(test) == rows(data)


def test_leave_last_out_without_validation_gives_none(data):
    _, valid, test = S.leave_last_out(data, n_test=1, n_valid=0)
    assert valid is None
    assert test.n_events == data.n_users  # every user of random_interactions has >= 2 events


@pytest.mark.parametrize("name", FRACTIONAL)
@pytest.mark.parametrize(
    ("test_frac", "valid_frac", "message"),
    [
        (0.0, 0.0, r"test_frac must be in \(0, 1\), got 0.0"),
        (1.0, 0.0, r"test_frac must be in \(0, 1\), got 1.0"),
        (-0.1, 0.0, "test_frac must be in"),
        (0.2, -0.1, r"valid_frac must be in \[0, 1\) with test_frac \+ valid_frac < 1, got -0.1"),
        (0.5, 0.5, "test_frac \\+ valid_frac < 1, got 0.5"),
    ],
)
def test_bad_fractions_raise(data, name, test_frac, valid_frac, message):
    with pytest.raises(DataError, match=message):
        S.SPLITS[name](data, test_frac=test_frac, valid_frac=valid_frac)


@pytest.mark.parametrize(
    ("fn", "message"),
    [
        (S.temporal_user, "temporal_user needs timestamps or sequence order .* use random_user"),
        (S.leave_last_out, "leave_last_out needs timestamps or sequence order .* use random_user"),
        (S.temporal_global, r"needs real timestamps \(this data has none\); use temporal_user"),
    ],
)
def test_temporal_splits_without_timestamps_name_the_fix(fn, message):
    events = random_interactions(seed=0).events  # the same data without its timestamps
    ds = Dataset.from_events(events.drop(columns="timestamp"))
    assert ds.timestamps is None
    with pytest.raises(DataError, match=message):
        fn(ds)


def test_temporal_global_needs_unix_time_not_order():
    ds = make([1, 1, 2, 2], [1, 2, 1, 2], ts=[1, 2, 3, 4], time_kind="order")
    with pytest.raises(DataError, match=r"this data has order\); use temporal_user"):
        S.temporal_global(ds)
    assert S.temporal_user(ds, test_frac=0.5).test.n_events == 2  # order is fine per user


def test_split_leaving_no_train_raises():
    one_each = make([1, 2, 3], [1, 1, 1], ts=[1, 2, 3])  # ceil(0.2 * 1) = 1 event per user
    for fn in (S.random_user, S.temporal_user):
        with pytest.raises(DataError, match="split left no training events; lower the held-out"):
            fn(one_each)
    same_time = make([1, 1, 2, 2], [1, 2, 1, 2], ts=[5, 5, 5, 5])  # everything is >= the cut
    with pytest.raises(DataError, match="no training events"):
        S.temporal_global(same_time)


def test_split_leaving_no_test_raises():
    small = make([1, 1, 2, 2], [1, 2, 1, 2], ts=[1, 2, 3, 4])  # 2 events <= n_test + n_valid
    with pytest.raises(DataError, match="split left no test events; raise test_frac"):
        S.leave_last_out(small)


def test_cold_splits_with_nothing_to_hold_out_raise_data_error():
    small = make([1, 1, 2, 2], [1, 2, 1, 2], ts=[1, 2, 3, 4])
    with pytest.raises(DataError, match="no test events"):
        S.cold_user(small, keep=2)  # no user has more than `keep` events
    one_item = make([1, 2], [1, 1])
    with pytest.raises(DataError):
        S.cold_item(one_item, test_frac=0.5, valid_frac=0.1)  # no item left for validation


# ---------------------------------------------------------------- per-user shares


def counts_dataset(counts):
    """User k has counts[k] events at times 0, 1, ... on distinct items."""
    users = np.repeat(np.arange(len(counts)), counts)
    items = np.concatenate([np.arange(c) for c in counts])
    ts = np.concatenate([np.arange(c) for c in counts])
    return make(users, items, ts=ts)


# (test, valid, train) per user with n = 1..6 events, test_frac = valid_frac = 0.25:
# n=1: ceil 1/1, but one event only -> (1, 0, 0) (the keep-one rule needs n >= 2)
# n=2: (1, 1) would leave 0 -> valid shrinks first -> (1, 0, 1)
# n=3: (1, 1, 1); n=4: (1, 1, 2); n=5: ceil(1.25) = 2 -> (2, 2, 1); n=6: ceil(1.5) -> (2, 2, 2)
QUARTERS = [(1, 0, 0), (1, 0, 1), (1, 1, 1), (1, 1, 2), (2, 2, 1), (2, 2, 2)]
# test_frac 0.8, valid_frac 0.1: n=2: (2, 1) -> over 2: valid -1, then test -1 -> (1, 0, 1);
# n=3: (3, 1) -> over 2 -> (2, 0, 1); n=10: (8, 1) -> (8, 1, 1)
MOSTLY_TEST = [(1, 0, 1), (2, 0, 1), (8, 1, 1)]


@pytest.mark.parametrize("fn", [S.temporal_user, S.random_user])
def test_per_user_shares_use_ceil_and_keep_one_training_event(fn):
    ds = counts_dataset([1, 2, 3, 4, 5, 6])
    assert per_user_sizes(fn(ds, 0.25, 0.25), 6) == QUARTERS
    ds = counts_dataset([2, 3, 10])
    assert per_user_sizes(fn(ds, 0.8, 0.1), 3) == MOSTLY_TEST
    # 0.1 * 30 is 3.0000000000000004 in floating point: still 3, not 4; ceil(1.1) = 2
    ds = counts_dataset([30, 10, 11])
    assert per_user_sizes(fn(ds, 0.1), 3) == [(3, 0, 27), (1, 0, 9), (2, 0, 9)]


def test_per_user_shares_on_random_data(data):
    train, _, test = S.random_user(data, test_frac=0.3, seed=5)
    n = data.user_event_counts
    n_test = np.ceil(0.3 * n - 1e-9).astype(int)
    assert (n_test < n).all()  # every user has >= 2 events: no keep-one adjustment here
    assert np.bincount(test.user_index, minlength=data.n_users).tolist() == n_test.tolist()
    assert np.bincount(train.user_index, minlength=data.n_users).tolist() == (n - n_test).tolist()


def test_temporal_user_holds_out_each_users_latest_events(data):
    train, valid, test = S.temporal_user(data, test_frac=0.25, valid_frac=0.25)
    for u in range(data.n_users):

        def keys(ds, u=u):
            mine = ds.user_index == u
            ts, items = ds.timestamps[mine].tolist(), ds.item_index[mine].tolist()
            return sorted(zip(ts, items, strict=True))

        tr, va, te = keys(train), keys(valid), keys(test)
        assert tr + va + te == keys(data)  # train < valid < test in (timestamp, item) order


def test_temporal_user_breaks_time_ties_by_file_order_not_item_index():
    # items sorted 30 -> 0, 50 -> 1, 70 -> 2, 90 -> 3; order by (t, file order): 90, 70, 50, 30
    # (30 has the lower index, yet it comes after 50 in the file at t=10: it is the latest, as in
    # Dataset.sequences(); an item-index tie-break is a pattern a sequence model can learn)
    ds = make(["x"] * 4, [50, 30, 90, 70], ts=[10, 10, 1, 5])
    train, valid, test = S.temporal_user(ds, test_frac=0.25, valid_frac=0.25)
    assert users_items(test)[1] == [30]
    assert users_items(valid)[1] == [50]
    assert sorted(users_items(train)[1]) == [70, 90]
    assert ds.items.id(ds.sequences()[0]).tolist() == [90, 70, 50, 30]


# ---------------------------------------------------------------- temporal_global


def test_temporal_global_cut_is_a_time_with_later_events_in_test(data):
    train, valid, test = S.temporal_global(data, test_frac=0.2, valid_frac=0.1)
    assert train.timestamps.max() < valid.timestamps.min()
    assert valid.timestamps.max() < test.timestamps.min()
    assert 0.2 <= test.n_events / data.n_events < 0.2 + 2 / data.n_events


def test_temporal_global_keeps_ties_at_the_cut_together():
    # 10 events, 8 at t=1 and 2 at t=2: the 10% cut falls on t=2, and both t=2 events are
    # test although 10% is one event; no timestamp is split between train and test
    ds = make(np.arange(10) % 3, np.arange(10), ts=[1] * 8 + [2] * 2)
    train, _, test = S.temporal_global(ds, test_frac=0.1)
    assert test.timestamps.tolist() == [2, 2]
    assert train.timestamps.tolist() == [1] * 8


def test_temporal_global_share_matches_ceil_for_distinct_times():
    # times 1..10: 20% test -> the last ceil(2.0) = 2 events {9, 10}; 20% valid -> {7, 8}
    ds = make(np.arange(10) % 3, np.arange(10), ts=np.arange(1, 11))
    _, valid, test = S.temporal_global(ds, test_frac=0.2, valid_frac=0.2)
    assert sorted(test.timestamps.tolist()) == [9, 10]
    assert sorted(valid.timestamps.tolist()) == [7, 8]


# ---------------------------------------------------------------- leave_last_out


def test_leave_last_out_per_user_and_small_users_stay_in_train():
    # a: 2 events (<= 1 + 1: all train); b by time: 4, 5, 3 -> test 3, valid 5;
    # c by (t, file order): 9@1, 6@3, then the tie at t=7 in file order: 8 before 2
    ds = make(
        ["a", "a", "b", "b", "b", "c", "c", "c", "c"],
        [1, 2, 3, 4, 5, 8, 2, 6, 9],
        ts=[1, 2, 30, 10, 20, 7, 7, 3, 1],
    )
    train, valid, test = S.leave_last_out(ds)
    assert sorted(zip(*users_items(test), strict=True)) == [("b", 3), ("c", 2)]
    assert sorted(zip(*users_items(valid), strict=True)) == [("b", 5), ("c", 8)]
    assert sorted(zip(*users_items(train), strict=True)) == [
        ("a", 1), ("a", 2), ("b", 4), ("c", 6), ("c", 9),
    ]  # fmt: skip


def test_leave_last_out_with_more_test_events():
    ds = make(["a"] * 5 + ["b"] * 3, [1, 2, 3, 4, 5, 1, 2, 3], ts=[5, 4, 3, 2, 1, 1, 2, 3])
    train, valid, test = S.leave_last_out(ds, n_test=2, n_valid=1)
    # a (5 > 3): test = latest two (items 1, 2), valid item 3; b (3 <= 3) all train
    assert sorted(zip(*users_items(test), strict=True)) == [("a", 1), ("a", 2)]
    assert users_items(valid) == (["a"], [3])
    assert sorted(users_items(train)[1]) == [1, 2, 3, 4, 5]


def test_leave_last_out_with_sampled_validation_users(data):
    full = S.leave_last_out(data)
    train, valid, test = S.leave_last_out(data, valid_users=5, seed=2)
    assert rows(test) == rows(full.test)  # the test set does not change
    assert len(set(valid.user_index.tolist())) == 5
    assert rows(valid) <= rows(full.valid)
    assert rows(train) == rows(full.train) + (rows(full.valid) - rows(valid))
    assert rows(S.leave_last_out(data, valid_users=5, seed=2).valid) == rows(valid)
    with pytest.raises(DataError, match="valid_users must be at least 1, got 0"):
        S.leave_last_out(data, valid_users=0)


# ---------------------------------------------------------------- cold splits


def test_cold_item_holds_out_whole_items(data):
    train, valid, test = S.cold_item(data, test_frac=0.2, valid_frac=0.1, seed=4)
    test_items = set(test.item_index.tolist())
    valid_items = set(valid.item_index.tolist())
    # valid_frac is a share of the items left after the test draw: round(0.1 * 32) = 3
    assert len(test_items) == round(0.2 * 40) and len(valid_items) == round(0.1 * 32)
    assert not test_items & set(train.item_index.tolist())
    assert not valid_items & set(train.item_index.tolist())
    assert not test_items & valid_items
    counts = np.bincount(data.item_index, minlength=data.n_items)
    assert test.n_events == counts[sorted(test_items)].sum()  # every event of a test item


def test_cold_item_picks_at_least_one_item():
    ds = make([1, 1, 2, 2], [1, 2, 1, 3])
    _, _, test = S.cold_item(ds, test_frac=0.01)  # round(0.03) = 0 -> at least one item
    assert len(set(test.item_index.tolist())) == 1


@pytest.mark.parametrize("keep", [0, 2])
def test_cold_user_test_users_keep_their_earliest_events_in_train(data, keep):
    train, valid, test = S.cold_user(data, test_frac=0.25, valid_frac=0.1, seed=3, keep=keep)
    test_users, valid_users = set(test.user_index.tolist()), set(valid.user_index.tolist())
    held_users = test_users | valid_users
    pool = int((data.user_event_counts > keep).sum())  # users with something to hold out
    assert len(test_users) == round(0.25 * pool)
    assert len(valid_users) == round(0.1 * (pool - len(test_users)))
    assert not test_users & valid_users
    for u in range(data.n_users):
        tr = np.sort(train.timestamps[train.user_index == u])
        everything = np.sort(data.timestamps[data.user_index == u])
        if u in held_users:
            assert tr.tolist() == everything[:keep].tolist()
        else:
            assert tr.tolist() == everything.tolist()


def test_cold_user_history_is_the_first_events_by_time_then_file_order():
    # one user: (1, t5), (2, t5), (3, t1), (4, t9); keep 2 -> item 3 (t1) and item 1 (first t5)
    ds = make(["x"] * 4, [1, 2, 3, 4], ts=[5, 5, 1, 9])
    train, _, test = S.cold_user(ds, test_frac=0.5, keep=2)
    assert sorted(users_items(train)[1]) == [1, 3]
    assert sorted(users_items(test)[1]) == [2, 4]
    # without timestamps the history is the first `keep` events of the file
    no_ts = make(["x"] * 4, [4, 3, 2, 1])
    train, _, test = S.cold_user(no_ts, test_frac=0.5, keep=1)
    assert users_items(train)[1] == [4]


# ---------------------------------------------------------------- holdout_valid


def test_holdout_valid_cuts_train_with_the_named_split(data):
    train = S.random(data, seed=0).train
    inner, valid = S.holdout_valid(train, frac=0.25)
    assert rows(inner) + rows(valid) == rows(train)
    assert inner.users is data.users and valid.items is data.items
    expected = S.temporal_user(train, test_frac=0.25)
    assert rows(valid) == rows(expected.test)  # the default method is temporal_user
    a = S.holdout_valid(train, method="random_user", frac=0.25, seed=9)[1]
    b = S.holdout_valid(train, method="random_user", frac=0.25, seed=9)[1]
    assert rows(a) == rows(b)
    assert rows(a) == rows(S.random_user(train, test_frac=0.25, seed=9).test)
    random_valid = S.holdout_valid(train, method="random", frac=0.25, seed=9)[1]
    assert rows(random_valid) == rows(S.random(train, test_frac=0.25, seed=9).test)


def test_holdout_valid_unknown_method():
    with pytest.raises(DataError, match="holdout_valid: unknown method 'cold_item'"):
        S.holdout_valid(random_interactions(seed=0), method="cold_item")
