# SPDX-License-Identifier: MIT
"""load_csv: formats, column mapping, item files, and one-line errors naming file and line."""

from __future__ import annotations

import gzip

import numpy as np
import pandas as pd
import pytest

from lmrec.data.loaders import load_csv
from lmrec.errors import DataError

EVENTS = "uid,sku,stars,when\nu1,007,5,2024-01-01\nu2,B01,3,2024-01-02\nu1,B01,4,2024-01-03\n"
ITEMS = "sku\ttitle\tbrand\tprice\n007\tBond kit\tMI6\t9.5\nB01\tWidget\t\t1\nC9\t\tAcme\t2\n"


def test_csv_with_item_file_text_columns_and_iso_times(write):
    events, items = write("ev.csv", EVENTS), write("items.tsv", ITEMS)
    ds = load_csv(
        events, user="uid", item="sku", rating="stars", timestamp="when",
        items=items, item_text=["title", "brand"], scenario="shop",
    )  # fmt: skip
    assert ds.name == "ev" and ds.scenario == "shop" and ds.feedback == "explicit"
    assert ds.items.ids.tolist() == ["007", "B01", "C9"]  # item-file order; "007" stays a string
    assert ds.item_text.tolist() == ["Bond kit. MI6", "Widget", "Acme"]
    assert ds.item_features.columns.tolist() == ["price"]
    assert ds.timestamps.tolist() == [1704067200, 1704153600, 1704240000]
    assert ds.values.tolist() == [5.0, 3.0, 4.0]


def test_integer_ids_become_ints_and_feedback_defaults_to_implicit(write):
    ds = load_csv(write("plays.tsv", "user\titem\n1\t20\n3\t40\n"))
    assert ds.users.ids.dtype == np.int64 and ds.items.ids.tolist() == [20, 40]
    assert ds.feedback == "implicit" and ds.timestamps is None


def test_sep_override_gzip_and_parquet(write, tmp_path):
    assert load_csv(write("a.txt", "user;item\n1;2\n"), sep=";").n_events == 1
    assert load_csv(write("b.csv.gz", gzip.compress(b"user,item\n1,2\n2,2\n"))).n_users == 2
    pd.DataFrame({"u": [1, 2], "i": ["a", "b"], "r": [1.5, 2.0]}).to_parquet(tmp_path / "c.pq")
    ds = load_csv(tmp_path / "c.pq", user="u", item="i", rating="r", feedback="implicit")
    assert ds.values.tolist() == [1.5, 2.0] and ds.feedback == "implicit"


def test_item_text_single_column(write):
    items = write("items.csv", "item,name,year\n2,Two,1999\n1,One,\n")
    ds = load_csv(write("e.csv", "user,item\n1,1\n1,2\n"), items=items, item_text="name")
    assert ds.items.ids.tolist() == [2, 1] and ds.item_text.tolist() == ["Two", "One"]


BAD_EVENTS = [
    ("missing.csv", None, {}, "missing.csv not found"),
    ("e.csv", "uid,item\n1,2\n", {},
     "e.csv: column 'user' not found (columns: uid, item); pass user="),
    ("e.csv", "user,item,r\n1,2,3\n4,5\n", {"rating": "r"},
     "e.csv line 3: expected 3 ','-separated fields (as in the header), got 2"),
    ("e.csv", "user,item,r\n1,2,3\n4,5,6,7\n", {"rating": "r"},
     "e.csv line 3: expected 3 ','-separated fields (as in the header), got 4"),
    ("e.csv", "user,item,r\n1,2,3\n4,5,good\n", {"rating": "r"},
     "e.csv line 3: column 'r' value 'good' is not a number"),
    ("e.csv", "user,item,t\n1,2,yesterday\n", {"timestamp": "t"}, "e.csv line 2: column 't'"),
    ("e.csv", "user,item\n1,2\n,3\n", {}, "e.csv line 3: empty user id"),
    ("e.csv", "", {}, "e.csv: empty file"),
    ("e.csv", "user,item\n", {}, "e.csv: no interactions"),
    ("e.json", "{}", {},
     "e.json: unknown file type '.json'; use .csv, .tsv or .parquet, or pass sep="),
    ("e.parquet", "not parquet", {}, "e.parquet: not a readable Parquet file"),
    ("e.csv", "user,item\n1,2\n", {"aggregate": "mean"}, "aggregate must be"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "kwargs", "message"), BAD_EVENTS)
def test_bad_event_files_name_file_and_line(write, tmp_path, name, text, kwargs, message):
    path = tmp_path / name if text is None else write(name, text)
    with pytest.raises(DataError) as err:
        load_csv(path, **kwargs)
    assert message in str(err.value) and "\n" not in str(err.value)


BAD_ITEMS = [
    ("item,title\n1,a\n2,b\n1,c\n", {"item_text": "title"},
     "items.csv line 4: duplicate id 1 (first on line 2)"),
    ("item,title\n1,a\n", {"item_text": "name"},
     "items.csv: column 'name' not found (columns: item, title); pass item_text="),
    ("sku,title\n1,a\n", {},
     "items.csv: column 'item' not found (columns: sku, title); pass item_id="),
    ("item,title\n1,a\n,b\n", {}, "items.csv line 3: empty item id"),
    ("item,title\n", {}, "items.csv: no items after the header"),
    ("item,title\n1,a,x\n", {}, "items.csv line 2: expected 2 ','-separated fields"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "kwargs", "message"), BAD_ITEMS)
def test_bad_item_files_name_file_and_line(write, text, kwargs, message):
    events = write("e.csv", "user,item\n1,1\n")
    with pytest.raises(DataError) as err:
        load_csv(events, items=write("items.csv", text), **kwargs)
    assert message in str(err.value)
