# SPDX-License-Identifier: MIT
"""Item and user texts built from a Dataset (synthetic tables and real ml-100k)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lmrec.data import Dataset
from lmrec.data.text import history_text, item_labels, item_texts, user_texts
from lmrec.errors import DataError


@pytest.fixture
def ds() -> Dataset:
    events = pd.DataFrame(
        {
            "user": ["u1", "u1", "u1", "u1", "u2", "u2", "u1"],
            "item": ["toy", "fargo", "heat", "alien", "fargo", "toy", "toy"],
            "rating": [5, 4, 3.5, 2, 1, 5, 3],
            "ts": [10, 20, 30, 30, 5, 6, 40],
        }
    )
    items = pd.DataFrame(
        {
            "item": ["toy", "fargo", "heat", "alien", "extra"],
            "text": [
                "Toy Story (1995). Genres: Animation.",
                "Fargo (1996). Genres: Crime.",
                "Heat (1995). Genres: Action.",
                "Alien (1979). Genres: Horror.",
                "",
            ],
            "title": ["Toy Story (1995)", "Fargo (1996)", "Heat (1995)", "Alien (1979)", None],
        }
    )
    users = pd.DataFrame(
        {
            "user": ["u1", "u2", "u3"],
            "zip": ["12345", "99999", "00000"],
            "occupation": ["writer", "artist", None],
            "age": [30, 18, 56],
            "age_group": ["25-34", "18-24", "56+"],
            "gender": ["F", "M", "F"],
        }
    )
    return Dataset.from_events(
        events,
        value="rating",
        timestamp="ts",
        items=items,
        item_text="text",
        users=users,
        name="tiny",
    )


def test_item_texts(ds: Dataset) -> None:
    texts = item_texts(ds)
    assert texts[:2] == ["Toy Story (1995). Genres: Animation.", "Fargo (1996). Genres: Crime."]
    assert texts[4] == "extra"  # empty text: the id
    assert item_labels(ds)[:2] == ["Toy Story (1995)", "Fargo (1996)"]
    assert item_labels(ds)[4] == "extra"


def test_item_texts_without_text() -> None:
    plain = Dataset.from_events(pd.DataFrame({"user": [1, 1], "item": [7, 3]}))
    assert item_texts(plain) == ["3", "7"] == item_labels(plain)


def test_user_texts(ds: Dataset) -> None:
    u1, u2, u3 = user_texts(ds)
    # toy re-watched last (ts 40, rating 3); heat and alien tie at ts 30: event order decides
    assert u1 == (
        "gender: F; age: 25-34; occupation: writer. "
        "Recent items: Toy Story (1995) [3]; Alien (1979) [2]; Heat (1995) [3.5]; Fargo (1996) [4]"
    )
    assert u2 == (
        "gender: M; age: 18-24; occupation: artist. "
        "Recent items: Toy Story (1995) [5]; Fargo (1996) [1]"
    )
    assert u3 == "gender: F; age: 56+"  # no events, no occupation


def test_user_texts_options(ds: Dataset) -> None:
    assert user_texts(ds, users=[1, 0], n_recent=1, with_ratings=False) == [
        "gender: M; age: 18-24; occupation: artist. Recent items: Toy Story (1995)",
        "gender: F; age: 25-34; occupation: writer. Recent items: Toy Story (1995)",
    ]
    assert user_texts(ds, users=np.array([2]), n_recent=0) == ["gender: F; age: 56+"]
    assert user_texts(ds, users=[]) == []


def test_user_texts_implicit_without_features() -> None:
    events = pd.DataFrame({"user": [1, 1, 2], "item": ["a", "b", "a"], "t": [2, 1, 1]})
    ds = Dataset.from_events(events, timestamp="t")
    assert user_texts(ds) == ["Recent items: a; b", "Recent items: a"]  # no ratings: implicit


def test_user_texts_numeric_age_without_group() -> None:
    events = pd.DataFrame({"user": [1], "item": [5]})
    users = pd.DataFrame({"user": [1], "age": [24.0], "gender": ["M"]})
    ds = Dataset.from_events(events, users=users)
    assert user_texts(ds) == ["gender: M; age: 24. Recent items: 5"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"users": [3]}, "out of range"),
        ({"users": [-1]}, "out of range"),
        ({"n_recent": -1}, "≥ 0"),
    ],
)
def test_user_texts_errors(ds: Dataset, kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(DataError, match=match):
        user_texts(ds, **kwargs)  # type: ignore[arg-type]


def test_history_text() -> None:
    names = ["A", "B", "C"]
    assert history_text(names, [2, 0]) == "C; A"
    assert history_text(names, np.array([1]), ratings=[4.0]) == "B [4]"
    assert history_text(names, [0, 1], ratings=[4.5, 1], sep=" | ") == "A [4.5] | B [1]"
    assert history_text(names, []) == ""
    with pytest.raises(DataError, match="2 items but 1 ratings"):
        history_text(names, [0, 1], ratings=[3])
    with pytest.raises(DataError, match="out of range"):
        history_text(names, [3])


def test_ml100k_user_texts(real_home: Callable[[str], Path]) -> None:
    from lmrec.data.loaders import load

    ds = load("ml-100k", data_home=real_home("ml-100k"))
    texts = user_texts(ds)
    assert len(texts) == ds.n_users == 943
    pattern = re.compile(r"^gender: [FM]; age: \d+; occupation: [\w/ -]+\. Recent items: .+")
    assert all(pattern.match(t) for t in texts), texts[0]
    assert "zip" not in texts[0]
    first = texts[0].split("Recent items: ", 1)[1]
    assert len(re.findall(r"\(\d{4}\) \[\d\]", first)) == 10
    assert item_texts(ds)[0] == "Toy Story (1995). Genres: Animation, Children's, Comedy."
