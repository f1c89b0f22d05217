# SPDX-License-Identifier: MIT
"""``Dataset.from_events``: item/user tables and ids, timestamps, and input validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lmrec.data import Dataset, IdMap
from lmrec.errors import DataError

# ---------------------------------------------------------------- from_events: tables and ids


def test_item_table_order_fixes_indices_and_extra_event_items_are_appended_sorted():
    events = pd.DataFrame({"user": [1, 1, 1, 1], "item": [9, 5, 7, 3]})
    items = pd.DataFrame({"item": [7, 2], "text": ["seven", "two"]})
    ds = Dataset.from_events(events, items=items, item_text="text")
    # table order 7, 2 (2 has no events but stays), then the event-only items 3, 5, 9 sorted
    assert ds.items.ids.tolist() == [7, 2, 3, 5, 9]
    assert ds.item_text.tolist() == ["seven", "two", "", "", ""]
    assert ds.item_features is None  # the table had no other columns
    assert ds.item_index.tolist() == [4, 3, 0, 2]


def test_vocabulary_without_tables_is_sorted():
    ds = Dataset.from_events(pd.DataFrame({"user": ["b", "a", "c"], "item": [3, 1, 2]}))
    assert ds.users.ids.tolist() == ["a", "b", "c"]
    assert ds.items.ids.tolist() == [1, 2, 3]
    assert ds.user_index.tolist() == [1, 0, 2]


def test_table_and_event_ids_of_different_types_meet_as_strings():
    events = pd.DataFrame({"user": [1], "item": [1]})
    items = pd.DataFrame({"item": ["1", "x"], "text": ["one", "ex"]})
    ds = Dataset.from_events(events, items=items, item_text="text")
    assert ds.items.ids.tolist() == ["1", "x"]
    assert ds.item_index.tolist() == [0]
    assert ds.item_text.tolist() == ["one", "ex"]


def test_missing_item_text_in_the_table_becomes_empty_string():
    events = pd.DataFrame({"user": [1, 1], "item": [1, 2]})
    items = pd.DataFrame({"item": [2, 1], "text": [None, "one"], "n": [20, 10]})
    ds = Dataset.from_events(events, items=items, item_text="text")
    assert ds.items.ids.tolist() == [2, 1]
    assert ds.item_text.tolist() == ["", "one"]
    assert ds.item_features["n"].tolist() == [20, 10]
    assert ds.describe()["items_with_text"] == 1


def test_user_table_features_align_to_the_vocabulary():
    events = pd.DataFrame({"uid": [5, 3], "item": [1, 1]})
    users = pd.DataFrame({"uid": [3, 4], "age": [33, 44]})
    ds = Dataset.from_events(events, user="uid", users=users)
    assert ds.users.ids.tolist() == [3, 4, 5]
    ages = ds.user_features["age"]
    assert ages.iloc[:2].tolist() == [33, 44]
    assert pd.isna(ages.iloc[2])
    assert ds.user_index.tolist() == [2, 0]


def test_feedback_defaults_to_explicit_with_a_value_column():
    df = pd.DataFrame({"user": [1], "item": [1], "r": [4]})
    assert Dataset.from_events(df, value="r").feedback == "explicit"
    assert Dataset.from_events(df, value="r", feedback="implicit").feedback == "implicit"
    assert Dataset.from_events(df).feedback == "implicit"


# ---------------------------------------------------------------- from_events: timestamps


def test_iso_timestamps_with_mixed_formats_are_unix_seconds_utc():
    df = pd.DataFrame(
        {
            "user": [1, 1, 1],
            "item": [1, 2, 3],
            # 2024-01-01T00:00:00Z = 1704067200; the date alone is midnight UTC the next day;
            # 01:00 at +01:00 is midnight UTC again
            "t": ["2024-01-01T00:00:00Z", "2024-01-02", "2024-01-01T01:00:00+01:00"],
        }
    )
    ds = Dataset.from_events(df, timestamp="t")
    assert ds.timestamps.tolist() == [1704067200, 1704067200 + 86400, 1704067200]
    assert ds.time_kind == "unix"


def test_datetime_columns_naive_as_utc_and_aware_converted():
    naive = pd.to_datetime(["2024-01-01 00:00:00", "2024-01-02 00:00:01"])
    df = pd.DataFrame({"user": [1, 1], "item": [1, 2], "t": naive})
    assert Dataset.from_events(df, timestamp="t").timestamps.tolist() == [
        1704067200,
        1704153601,
    ]
    df["t"] = naive.tz_localize("Europe/Berlin")  # UTC+1 in winter: one hour earlier in UTC
    assert Dataset.from_events(df, timestamp="t").timestamps.tolist() == [
        1704067200 - 3600,
        1704153601 - 3600,
    ]


def test_numeric_timestamps_and_numeric_strings_and_order_keys():
    df = pd.DataFrame({"user": [1, 1], "item": [1, 2], "t": [1700000000.0, 5.0]})
    assert Dataset.from_events(df, timestamp="t").timestamps.tolist() == [1700000000, 5]
    df["t"] = ["1700000000", "5"]
    ds = Dataset.from_events(df, timestamp="t", time_kind="order")
    assert ds.timestamps.tolist() == [1700000000, 5]
    assert ds.timestamps.dtype == np.int64
    assert ds.time_kind == "order"


# ---------------------------------------------------------------- from_events: validation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"user": "uid"}, "ev.csv: column 'uid' not found (columns: user, item); pass user="),
        ({"item": "iid"}, "column 'iid' not found (columns: user, item); pass item="),
        ({"value": "rating"}, "column 'rating' not found (columns: user, item); pass value="),
        ({"timestamp": "ts"}, "column 'ts' not found (columns: user, item); pass timestamp="),
    ],
)
def test_missing_event_column_names_it_and_the_argument(kwargs, message):
    df = pd.DataFrame({"user": [1], "item": [1]})
    with pytest.raises(DataError) as err:
        Dataset.from_events(df, source="ev.csv", **kwargs)
    assert message in str(err.value)


def test_source_defaults_to_the_name():
    with pytest.raises(DataError, match=r"^ml: column 'x' not found"):
        Dataset.from_events(pd.DataFrame({"user": [1], "item": [1]}), user="x", name="ml")


def test_empty_frame_and_non_frame_raise():
    with pytest.raises(DataError, match="ev: no interactions"):
        Dataset.from_events(pd.DataFrame({"user": [], "item": []}), source="ev")
    with pytest.raises(DataError, match="events must be a pandas DataFrame, got list"):
        Dataset.from_events([(1, 2)])  # type: ignore[arg-type]


def test_unknown_aggregate_raises():
    with pytest.raises(DataError, match="aggregate must be 'last', 'sum' or 'max', not 'mean'"):
        Dataset.from_events(pd.DataFrame({"user": [1], "item": [1]}), aggregate="mean")


# line numbers: frame row r is file line r + line_offset (2 = header on line 1)
@pytest.mark.parametrize(
    ("frame", "kwargs", "message"),
    [
        (
            {"user": [1, None, 3], "item": [1, 2, 3]},
            {},
            "ev.csv line 3: empty user id in column 'user'",
        ),
        (
            {"user": [1, 2, 3], "item": ["a", "b", None]},
            {},
            "ev.csv line 4: empty item id in column 'item'",
        ),
        (
            {"user": [1, 2, 3], "item": [1, 2, 3], "r": ["4", "x", "5"]},
            {"value": "r"},
            "ev.csv line 3: column 'r' value 'x' is not a number; fix or remove the line",
        ),
        (
            {"user": [1, 2, 3], "item": [1, 2, 3], "r": [4.0, 5.0, np.nan]},
            {"value": "r"},
            "ev.csv line 4: column 'r' value",
        ),
        (
            {"user": [1, 2, 3], "item": [1, 2, 3], "r": [4.0, np.inf, 1.0]},
            {"value": "r"},
            "ev.csv line 3: column 'r' is not finite",
        ),
        (
            {"user": [1, 2, 3], "item": [1, 2, 3], "t": ["2024-01-01", "2024-01-02", "soon"]},
            {"timestamp": "t"},
            "ev.csv line 4: column 't' value 'soon' is not a timestamp "
            "(use unix seconds or ISO 8601)",
        ),
        (
            {"user": [1, 2, 3], "item": [1, 2, 3], "t": [1.0, np.nan, 2.0]},
            {"timestamp": "t"},
            "ev.csv line 3: column 't' value",
        ),
        (
            {
                "user": [1, 2, 3],
                "item": [1, 2, 3],
                "t": pd.to_datetime(["2024-01-01", None, "2024-01-03"]),
            },
            {"timestamp": "t"},
            "ev.csv line 3: column 't' value NaT is not a timestamp",
        ),
    ],
)
def test_bad_values_name_the_line_and_column(frame, kwargs, message):
    with pytest.raises(DataError) as err:
        Dataset.from_events(pd.DataFrame(frame), source="ev.csv", line_offset=2, **kwargs)
    assert message in str(err.value)


def test_empty_string_id_is_rejected():
    with pytest.raises(DataError, match="line 2: empty user id"):
        Dataset.from_events(pd.DataFrame({"user": ["a", ""], "item": [1, 2]}))


def test_duplicate_ids_in_tables_name_the_row():
    events = pd.DataFrame({"user": [1, 2], "item": [1, 2]})
    with pytest.raises(DataError) as err:
        Dataset.from_events(events, items=pd.DataFrame({"item": [5, 1, 5]}), source="ev.csv")
    msg = str(err.value)
    assert "item table of ev.csv, row 3: duplicate item id" in msg
    assert "each id may appear once" in msg
    with pytest.raises(DataError, match=r"user table of ev\.csv, row 2: duplicate user id"):
        Dataset.from_events(
            events.assign(user=["x", "y"]),
            users=pd.DataFrame({"user": ["x", "x"]}),
            source="ev.csv",
        )


def test_duplicate_int_id_message_shows_the_plain_id():
    events = pd.DataFrame({"user": [1], "item": [1]})
    with pytest.raises(DataError, match=r"duplicate item id 5;"):
        Dataset.from_events(events, items=pd.DataFrame({"item": [5, 5]}))


def test_table_validation_names_the_table_and_column():
    events = pd.DataFrame({"user": [1], "item": [1]})
    with pytest.raises(DataError) as err:
        Dataset.from_events(events, items=pd.DataFrame({"iid": [1]}), source="ev")
    assert "ev (item table): column 'item' not found (columns: iid); pass item_id=" in str(
        err.value
    )
    with pytest.raises(DataError, match=r"ev \(item table\): column 'title' not found"):
        Dataset.from_events(
            events, items=pd.DataFrame({"item": [1]}), item_text="title", source="ev"
        )
    with pytest.raises(DataError, match=r"ev \(user table\) line 2: empty user id"):
        Dataset.from_events(events, users=pd.DataFrame({"user": [1, None]}), source="ev")


def test_constructor_rejects_ragged_columns_and_misaligned_text():
    users, items = IdMap([1]), IdMap([1, 2])
    with pytest.raises(DataError, match="different lengths"):
        Dataset(users=users, items=items, user=[0, 0], item=[0], value=[1, 1])
    with pytest.raises(DataError, match="different lengths"):
        Dataset(users=users, items=items, user=[0], item=[0], value=[1], timestamp=[1, 2])
    with pytest.raises(DataError, match="item_text has 1 rows for 2 items"):
        Dataset(users=users, items=items, user=[0], item=[0], value=[1], item_text=["x"])
