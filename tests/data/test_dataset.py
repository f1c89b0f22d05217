# SPDX-License-Identifier: MIT
"""Dataset: views, aggregation, fingerprints and derived datasets (``from_events``'s tables,
timestamps and validation are in test_from_events.py)."""

from __future__ import annotations

import contextlib

import numpy as np
import pandas as pd
import pytest

from lmrec.data import Dataset, IdMap
from lmrec.data.split import leave_last_out
from lmrec.errors import DataError


def ratings(aggregate="last", **kw):
    """Users a, b; items 1, 2. Pair (a, 1) repeats: 3.0 at t=10, then 1.0 at t=5 (earlier)."""
    df = pd.DataFrame(
        {
            "u": ["a", "a", "b", "a"],
            "i": [1, 2, 1, 1],
            "r": [3.0, 4.0, 5.0, 1.0],
            "t": [10, 20, 30, 5],
        }
    )
    return Dataset.from_events(
        df, user="u", item="i", value="r", timestamp="t", aggregate=aggregate, **kw
    )


def catalogue():
    """Events of u1, u2, u3 on items 10, 20, 30; an item table (30, 20) and a user table."""
    events = pd.DataFrame(
        {
            "user": ["u1", "u1", "u2", "u3", "u3", "u3"],
            "item": [30, 10, 10, 20, 10, 30],
            "t": [1, 2, 3, 4, 5, 6],
        }
    )
    items = pd.DataFrame({"item": [30, 20], "title": ["Thirty", "Twenty"], "year": [2000, 2001]})
    users = pd.DataFrame({"user": ["u3", "u9"], "age": [30, 99]})
    return Dataset.from_events(
        events, timestamp="t", items=items, item_text="title", users=users, name="cat"
    )


def triples(ds):
    """Events as (external user, external item, value, timestamp), in row order."""
    ts = ds.timestamps if ds.timestamps is not None else [None] * ds.n_events
    return list(
        zip(
            ds.users.id(ds.user_index).tolist(),
            ds.items.id(ds.item_index).tolist(),
            ds.values.tolist(),
            list(ts),
            strict=True,
        )
    )


# ---------------------------------------------------------------- interactions / aggregation


@pytest.mark.parametrize(
    ("aggregate", "a1"),
    [
        ("last", 3.0),  # (a, 1) at t=10 is later than at t=5, although earlier in the file
        ("sum", 4.0),  # 3 + 1
        ("max", 3.0),
    ],
)
def test_interactions_combine_repeated_pairs_by_aggregate(aggregate, a1):
    ds = ratings(aggregate)
    # users sorted [a, b], items sorted [1, 2]
    expected = np.array([[a1, 4.0], [5.0, 0.0]], dtype=np.float32)
    m = ds.interactions
    assert m.shape == (2, 2)
    assert m.nnz == 3
    np.testing.assert_array_equal(m.toarray(), expected)
    assert m.has_sorted_indices


def test_last_prefers_the_later_timestamp_not_the_later_row():
    df = pd.DataFrame({"user": [1, 1], "item": [1, 1], "r": [1.0, 5.0], "t": [9, 2]})
    ds = Dataset.from_events(df, value="r", timestamp="t")
    assert ds.interactions[0, 0] == 1.0  # the t=9 row wins
    df["t"] = [2, 9]
    assert Dataset.from_events(df, value="r", timestamp="t").interactions[0, 0] == 5.0


def test_last_without_timestamps_and_on_timestamp_ties_is_file_order():
    df = pd.DataFrame({"user": [1, 1, 1], "item": [1, 1, 1], "r": [2.0, 7.0, 4.0]})
    assert Dataset.from_events(df, value="r").interactions[0, 0] == 4.0
    df["t"] = [5, 5, 5]
    assert Dataset.from_events(df, value="r", timestamp="t").interactions[0, 0] == 4.0


def test_max_takes_the_largest_value_of_each_group():
    # groups (1,1): [2, 7, 4] -> 7; (1,2): [-3, -1] -> -1; (2,1): [5] -> 5
    df = pd.DataFrame(
        {
            "user": [1, 1, 2, 1, 1, 1],
            "item": [1, 2, 1, 1, 2, 1],
            "r": [2.0, -3.0, 5.0, 7.0, -1.0, 4.0],
        }
    )
    m = Dataset.from_events(df, value="r", aggregate="max").interactions.toarray()
    np.testing.assert_array_equal(m, [[7.0, -1.0], [5.0, 0.0]])


def test_counts_distinguish_events_from_distinct_pairs():
    ds = ratings()
    assert ds.user_counts.tolist() == [2, 1]  # a: items 1, 2; b: item 1
    assert ds.user_event_counts.tolist() == [3, 1]  # a has the repeat
    assert ds.item_counts.tolist() == [2, 1]  # item 1: a, b; item 2: a
    assert ds.user_counts.dtype == ds.item_counts.dtype == np.int64


def test_interactions_of_an_empty_subset():
    ds = ratings("max").subset(np.zeros(4, bool))
    assert ds.n_events == 0
    assert ds.interactions.shape == (2, 2)
    assert ds.interactions.nnz == 0
    assert "value_min" not in ds.describe()


# ---------------------------------------------------------------- views


def test_events_frame_columns_and_dtypes():
    ev = ratings().events
    assert list(ev.columns) == ["user", "item", "value", "timestamp"]
    assert ev.dtypes.astype(str).tolist() == ["int32", "int32", "float32", "int64"]
    assert ev["user"].tolist() == [0, 0, 1, 0]
    assert ev["item"].tolist() == [0, 1, 0, 0]
    assert ev["value"].tolist() == [3.0, 4.0, 5.0, 1.0]
    assert ev["timestamp"].tolist() == [10, 20, 30, 5]


def test_events_without_timestamps_has_no_timestamp_column():
    ds = Dataset.from_events(pd.DataFrame({"user": [1], "item": [2]}))
    assert list(ds.events.columns) == ["user", "item", "value"]
    assert ds.timestamps is None
    assert ds.time_kind is None
    assert ds.feedback == "implicit"
    assert ds.values.tolist() == [1.0]


def test_external_events_use_external_ids():
    ext = ratings().external_events()
    assert ext["user"].tolist() == ["a", "a", "b", "a"]
    assert ext["item"].tolist() == [1, 2, 1, 1]


def test_event_arrays_are_read_only():
    ds = ratings()
    for arr in (ds.user_index, ds.item_index, ds.values, ds.timestamps):
        assert not arr.flags.writeable
        with pytest.raises(ValueError, match="read-only"):
            arr[0] = 1
    text = catalogue().item_text
    with pytest.raises(ValueError, match="read-only"):
        text[0] = "x"


def test_editing_the_events_frame_does_not_change_the_dataset():
    ds = ratings()
    ev = ds.events
    ev["value"] = 99.0  # replacing a column is fine
    ev["user"] *= 2
    assert ev["value"].tolist() == [99.0] * 4
    # cell assignment writes into the shared read-only buffers: it may refuse, never leak
    fresh = ds.events
    with contextlib.suppress(ValueError):
        fresh.loc[0, "value"] = 99.0
    assert ds.values.tolist() == [3.0, 4.0, 5.0, 1.0]
    assert ds.user_index.tolist() == [0, 0, 1, 0]


def test_sequences_are_in_time_order_with_ties_in_file_order():
    # items sorted: 10 -> 0, 20 -> 1, 30 -> 2. User x: 20@5, 10@5, 30@1 -> [30, 20, 10]
    # (the tie at t=5 keeps file order 20 before 10 although 10 has the lower index).
    df = pd.DataFrame({"user": ["x", "y", "x", "x"], "item": [20, 10, 10, 30], "t": [5, 7, 5, 1]})
    users = pd.DataFrame({"user": ["x", "y", "z"]})  # z has no events
    ds = Dataset.from_events(df, timestamp="t", users=users)
    seqs = ds.sequences()
    assert [s.tolist() for s in seqs] == [[2, 1, 0], [0], []]


def test_sequences_end_with_the_leave_last_out_events():
    rng = np.random.default_rng(5)  # 30 users, timestamps in 4 values: many ties
    df = pd.DataFrame({"user": rng.integers(0, 30, 600), "item": rng.integers(0, 50, 600)})
    df["t"] = rng.integers(0, 4, len(df))
    ds = Dataset.from_events(df, timestamp="t")
    train, valid, test = leave_last_out(ds)
    full = ds.sequences()
    for u, item in zip(test.user_index, test.item_index, strict=True):
        assert full[u][-1] == item
    for u, item in zip(valid.user_index, valid.item_index, strict=True):
        assert full[u][-2] == item
    history = train.union(valid).sequences()
    assert all(history[u].tolist() == full[u][:-1].tolist() for u in test.user_index)


def test_sequences_without_timestamps_follow_file_order():
    df = pd.DataFrame({"user": [1, 2, 1, 1], "item": [3, 1, 1, 2]})
    seqs = Dataset.from_events(df).sequences()
    assert [s.tolist() for s in seqs] == [[2, 0, 1], [0]]


def test_describe_reports_sizes_ranges_text_and_features():
    info = catalogue().describe()
    assert info == {
        "name": "cat",
        "scenario": "default",
        "users": 4,  # u3, u9 from the table, then u1, u2 from the events
        "items": 3,
        "events": 6,
        "pairs": 6,
        "density": 0.5,  # 6 / (4 * 3)
        "feedback": "implicit",
        "time": "unix",
        "value_min": 1.0,
        "value_max": 1.0,
        "events_per_user_median": 2.0,  # users with events: u3 3, u1 2, u2 1
        "time_min": 1,
        "time_max": 6,
        "items_with_text": 2,  # item 10 has no row in the table: ""
        "user_features": ["age"],
        "item_features": ["year"],
    }


def test_describe_without_time_text_or_features():
    info = Dataset.from_events(pd.DataFrame({"user": [1, 2], "item": [1, 1]})).describe()
    assert set(info) == {
        "name", "scenario", "users", "items", "events", "pairs", "density", "feedback", "time",
        "value_min", "value_max", "events_per_user_median",
    }  # fmt: skip
    assert info["time"] is None


def test_repr():
    assert repr(ratings(name="r")) == (
        "Dataset('r', scenario='default', users=2, items=2, events=4, feedback=explicit)"
    )


# ---------------------------------------------------------------- fingerprint


def test_fingerprint_is_equal_for_equal_data_built_twice():
    a, b = ratings(), ratings()
    assert a is not b
    assert a.fingerprint == b.fingerprint
    assert len(a.fingerprint) == 64


@pytest.mark.parametrize("column", ["u", "i", "r", "t"])
def test_fingerprint_changes_when_one_value_changes(column):
    df = pd.DataFrame({"u": [1, 2, 2], "i": [1, 1, 2], "r": [1.0, 2.0, 3.0], "t": [1, 2, 3]})
    base = Dataset.from_events(df, user="u", item="i", value="r", timestamp="t")
    changed = df.copy()
    changed.loc[2, column] = 1 if column in ("u", "i") else 9
    other = Dataset.from_events(changed, user="u", item="i", value="r", timestamp="t")
    assert other.fingerprint != base.fingerprint


def test_fingerprint_changes_when_timestamps_or_ids_differ():
    df = pd.DataFrame({"user": [1, 2], "item": [1, 1], "t": [1, 2]})
    with_ts = Dataset.from_events(df, timestamp="t")
    without = Dataset.from_events(df)
    assert with_ts.fingerprint != without.fingerprint
    renamed = Dataset.from_events(df.assign(user=[1, 3]))
    assert renamed.fingerprint != without.fingerprint


def test_fingerprint_tells_apart_different_vocabularies_with_equal_bytes():
    one = np.zeros(2, np.int32)
    a = Dataset(users=IdMap([10, 20]), items=IdMap([30]), user=one, item=one, value=[1, 1])
    b = Dataset(users=IdMap([10]), items=IdMap([20, 30]), user=one, item=one, value=[1, 1])
    assert a.fingerprint != b.fingerprint


def test_fingerprint_does_not_depend_on_string_width():
    wide = Dataset.from_events(pd.DataFrame({"user": ["a", "a", "bb"], "item": [1, 2, 2]}))
    filtered = wide.filter(min_user_events=2)
    direct = Dataset.from_events(pd.DataFrame({"user": ["a", "a"], "item": [1, 2]}))
    assert filtered.users == direct.users and filtered.items == direct.items
    assert filtered.fingerprint == direct.fingerprint


# ---------------------------------------------------------------- derived datasets


def test_subset_by_mask_or_rows_keeps_maps_and_metadata():
    ds = ratings(name="r", aggregate="sum")
    by_mask = ds.subset(np.array([True, False, True, False]), name="part")
    by_rows = ds.subset(np.array([0, 2]))
    assert by_mask.users is ds.users and by_mask.items is ds.items
    assert by_mask.name == "part" and by_rows.name == "r"
    assert by_mask.aggregate == "sum" and by_mask.feedback == "explicit"
    assert triples(by_mask) == triples(by_rows) == [("a", 1, 3.0, 10), ("b", 1, 5.0, 30)]
    assert by_mask.n_users == 2 and by_mask.n_items == 2  # the vocabulary is not compacted


def test_union_concatenates_events_in_order():
    ds = ratings()
    first, second = ds.subset(np.array([2, 3])), ds.subset(np.array([0, 1]))
    both = first.union(second, name="both")
    assert both.users is ds.users and both.items is ds.items
    assert both.name == "both"
    assert triples(both) == triples(first) + triples(second)


def test_union_accepts_equal_maps_that_are_not_the_same_object():
    a, b = ratings(), ratings()
    assert a.users is not b.users
    assert a.union(b).n_events == 8


def test_union_drops_timestamps_when_a_part_has_none():
    ds = ratings()
    no_ts = Dataset(
        users=ds.users, items=ds.items, user=ds.user_index, item=ds.item_index, value=ds.values
    )
    assert ds.union(no_ts).timestamps is None


def test_union_of_mismatched_maps_raises():
    a = ratings(name="a")
    other_users = Dataset.from_events(
        pd.DataFrame({"u": ["a", "c"], "i": [1, 2]}), user="u", item="i", name="b"
    )
    with pytest.raises(DataError, match="cannot combine a and b: user maps differ"):
        a.union(other_users)
    other_items = Dataset.from_events(
        pd.DataFrame({"u": ["a", "b"], "i": [1, 3]}), user="u", item="i", name="c"
    )
    with pytest.raises(DataError, match="item maps differ"):
        a.union(other_items)


def test_binarize_without_threshold_keeps_every_event_with_value_one():
    ds = ratings()
    b = ds.binarize()
    assert b.n_events == 4
    assert b.values.tolist() == [1.0] * 4
    assert b.feedback == "implicit"
    assert b.users is ds.users
    assert b.timestamps.tolist() == ds.timestamps.tolist()


def test_binarize_with_threshold_keeps_values_at_or_above_it():
    b = ratings().binarize(threshold=4.0)  # values 3, 4, 5, 1 -> keep 4 and 5
    assert triples(b) == [("a", 2, 1.0, 20), ("b", 1, 1.0, 30)]
    assert b.values.dtype == np.float32


def test_filter_users_reindexes_and_slices_text_and_features():
    ds = catalogue()
    # vocabularies: users [u3, u9, u1, u2], items [30, 20, 10] (table order, then event ids)
    assert ds.users.ids.tolist() == ["u3", "u9", "u1", "u2"]
    assert ds.items.ids.tolist() == [30, 20, 10]
    f = ds.filter(min_user_events=2)  # distinct items: u3 3, u1 2, u2 1, u9 0
    assert f.users.ids.tolist() == ["u3", "u1"]
    assert f.users.name == "user" and f.items.name == "item"
    assert f.items.ids.tolist() == [30, 20, 10]  # u3 still has every item
    assert f.user_features["age"].tolist()[0] == 30
    assert pd.isna(f.user_features["age"].iloc[1])  # u1 has no row in the user table
    assert triples(f) == [t for t in triples(ds) if t[0] != "u2"]


def test_filter_items_counts_distinct_users_and_slices_consistently():
    ds = catalogue()
    f = ds.filter(min_item_events=2)  # distinct users: 30 {u1,u3}, 20 {u3}, 10 {u1,u2,u3}
    assert f.items.ids.tolist() == [30, 10]
    assert f.item_text.tolist() == ["Thirty", ""]
    assert f.item_features["year"].tolist()[0] == 2000
    assert pd.isna(f.item_features["year"].iloc[1])
    assert f.users.ids.tolist() == ["u3", "u1", "u2"]  # u9 had no events
    assert len(f.user_features) == 3
    assert triples(f) == [t for t in triples(ds) if t[1] != 20]
    # text and features still line up with the new item indices
    for idx, ext in enumerate(f.items.ids):
        row = ds.items.index(ext)
        assert f.item_text[idx] == ds.item_text[row]


def test_filter_that_leaves_nothing_raises():
    with pytest.raises(DataError, match="no events left after filtering"):
        catalogue().filter(min_user_events=10)


def test_compact_keeps_only_users_and_items_with_events():
    ds = catalogue()
    part = ds.subset(ds.users.id(ds.user_index) == "u1")  # u1: items 30, 10
    c = part.compact()
    assert c.users.ids.tolist() == ["u1"]
    assert c.items.ids.tolist() == [30, 10]
    assert c.item_text.tolist() == ["Thirty", ""]
    assert len(c.item_features) == 2 and len(c.user_features) == 1
    assert c.user_index.tolist() == [0, 0]
    assert c.item_index.tolist() == [0, 1]
    assert triples(c) == triples(part)
