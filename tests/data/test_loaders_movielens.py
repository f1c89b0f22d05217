# SPDX-License-Identifier: MIT
"""MovieLens loaders: README counts on the real files, tiny crafted files, precise errors."""

from __future__ import annotations

import gzip
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from lmrec.data.loaders import load
from lmrec.errors import DataError

GENRES_100K = (
    "unknown|0\nAction|1\nAdventure|2\nAnimation|3\nChildren's|4\nComedy|5\nCrime|6\n"
    "Documentary|7\nDrama|8\nFantasy|9\nFilm-Noir|10\nHorror|11\nMusical|12\nMystery|13\n"
    "Romance|14\nSci-Fi|15\nThriller|16\nWar|17\nWestern|18\n\n"
)


def _flags(*on: int) -> str:
    return "|".join("1" if i in on else "0" for i in range(19))


ML100K = {
    "u.data": "1\t1\t5\t874724710\n2\t2\t3\t874724711\n1\t2\t4\t874724712\n",
    "u.item": (
        f"1|Misérables, Les (1995)|01-Jan-1995||http://x|{_flags(8, 12)}\n"
        f"2|unknown||||{_flags(0)}\n"
        f"3|Never Rated (1990) |01-Jan-1990||http://y|{_flags(5)}\n"
    ),
    "u.user": "1|24|M|technician|85711\n2|53|F|other|T8H1N\n",
    "u.genre": GENRES_100K,
}
ML1M = {
    "ratings.dat.gz": "1::1::5::978300760\n1::2::3::978302109\n2::1::4::978301968\n",
    "movies.dat": (
        "1::Toy Story (1995)::Animation|Children's|Comedy\n"
        "2::Misérables, Les (1995)::Drama|Musical\n"
        "3::Never Rated (2000)::Drama\n"
    ),
    "users.dat": "1::F::1::10::48067\n2::M::56::16::70072\n",
}


def _folder(write, name: str, files: dict[str, str], **changes: str | None) -> Path:
    """Write a data set folder from ``files`` with some files replaced (None: left out)."""
    path = None
    for filename, text in {**files, **changes}.items():
        if text is None:
            continue
        data: str | bytes = text
        if filename.endswith(".gz"):
            data = gzip.compress(text.encode())
        path = write(f"{name}/{filename}", data, encoding="latin-1")
    assert path is not None
    return path.parent.parent


# ---------------------------------------------------------------------------------- tiny files
def test_tiny_ml100k_fills_text_features_and_time(write):
    ds = load("ml-100k", data_home=_folder(write, "ml-100k", ML100K))
    assert (ds.n_users, ds.n_items, ds.n_events) == (2, 2, 3)
    assert ds.feedback == "explicit" and ds.time_kind == "unix" and ds.scenario == "movies"
    assert ds.item_text.tolist() == ["Misérables, Les (1995). Genres: Drama, Musical.", "unknown."]
    assert ds.item_features["year"].tolist()[0] == 1995
    assert pd.isna(ds.item_features["year"].iloc[1])
    assert ds.item_features["genre:unknown"].tolist() == [0, 1]
    assert ds.user_features.loc[1].tolist() == [53, "F", "other", "T8H1N"]
    assert ds.timestamps.tolist() == [874724710, 874724711, 874724712]


def test_tiny_ml100k_include_unrated_keeps_the_catalogue(write):
    ds = load("ml100k", data_home=_folder(write, "ml-100k", ML100K), include_unrated=True)
    assert ds.n_items == 3 and ds.item_text[2] == "Never Rated (1990). Genres: Comedy."


def test_tiny_ml1m_reads_gzip_latin1_and_codes(write):
    ds = load("ml-1m", data_home=_folder(write, "ml-1m", ML1M))
    assert (ds.n_users, ds.n_items, ds.n_events) == (2, 2, 3)
    assert ds.item_text[0] == "Toy Story (1995). Genres: Animation, Children's, Comedy."
    assert ds.item_text[1].startswith("Misérables")
    users = ds.user_features
    assert users["age"].tolist() == [1, 56]
    assert users["age_group"].tolist() == ["Under 18", "56+"]
    assert users["occupation"].tolist() == ["K-12 student", "self-employed"]
    assert load("ml-1m", data_home=_folder(write, "ml-1m", ML1M), include_unrated=True).n_items == 3


# ---------------------------------------------------------------------------------- errors
ML1M_ERRORS = [
    ({"ratings.dat.gz": "1::1::5::978300760\n1::2::3\n"}, "ratings.dat.gz line 2: expected 4 '::'"),
    ({"ratings.dat.gz": "1::1::5::978300760\n1::2::good::9\n"}, "line 2: column 'rating' value"),
    (
        {"ratings.dat.gz": "u1::1::5::978300760\n"},
        "ratings.dat.gz line 1: column 'user' value 'u1'",
    ),
    ({"ratings.dat.gz": ""}, "ratings.dat.gz: empty file"),
    (
        {"movies.dat": "1::A (1990)::Drama\n2::B (1991)::Drama\n1::C (1992)::Drama\n"},
        "movies.dat line 3: duplicate id 1 (first on line 1)",
    ),
    ({"users.dat": "1::F::1::10\n"}, "users.dat line 1: expected 5 '::'-separated fields, got 4"),
    ({"users.dat": None}, "users.dat not found"),
]


@pytest.mark.parametrize(("changes", "message"), ML1M_ERRORS)
def test_ml1m_bad_files_name_file_and_line(write, changes, message):
    with pytest.raises(DataError) as err:
        load("ml-1m", data_home=_folder(write, "ml-1m", ML1M, **changes))
    msg = str(err.value)
    assert message in msg
    assert "\n" not in msg and "; " in msg  # one line: the problem; the fix


ML100K_ERRORS = [
    ({"u.data": "1\t1\t5\t874724710\n2\t2\t3\n"}, "u.data line 2: expected 4 '\\t'-separated"),
    ({"u.data": "1\t1\tfive\t874724710\n"}, "u.data line 1: column 'rating' value 'five'"),
    ({"u.item": "1|Short (1990)|01-Jan-1990||http://x|0|0\n"}, "u.item line 1: expected 24 '|'"),
    ({"u.user": "1|24|M|technician|85711\n1|30|F|other|1\n"}, "u.user line 2: duplicate id 1"),
    ({"u.data": "\n"}, "u.data: empty file"),
    ({"u.genre": None}, "u.genre not found"),
]


@pytest.mark.parametrize(("changes", "message"), ML100K_ERRORS)
def test_ml100k_bad_files_name_file_and_line(write, changes, message):
    with pytest.raises(DataError) as err:
        load("ml-100k", data_home=_folder(write, "ml-100k", ML100K, **changes))
    assert message in str(err.value)


def test_missing_folder_names_path_and_fix(tmp_path):
    with pytest.raises(DataError) as err:
        load("ml-1m", data_home=tmp_path)
    msg = str(err.value)
    assert str(tmp_path / "ml-1m") in msg and "LMREC_DATA_HOME" in msg and "ml-1m/" in msg


# ---------------------------------------------------------------------------------- real data
@pytest.fixture(scope="module")
def ml100k(real_home):
    return load("ml-100k", data_home=real_home("ml-100k"))


@pytest.fixture(scope="module")
def ml1m(real_home):
    return load("ml-1m", data_home=real_home("ml-1m"))


@pytest.mark.integration
def test_real_ml100k_counts_and_ranges(ml100k):
    ds = ml100k
    assert (ds.n_users, ds.n_items, ds.n_events, ds.interactions.nnz) == (943, 1682, 100000, 100000)
    assert ds.users.ids.tolist() == list(range(1, 944))
    assert ds.items.ids.tolist() == list(range(1, 1683))
    assert set(np.unique(ds.values).tolist()) == {1.0, 2.0, 3.0, 4.0, 5.0}
    assert (ds.timestamps.min(), ds.timestamps.max()) == (874724710, 893286638)
    assert ds.time_kind == "unix" and ds.feedback == "explicit"


@pytest.mark.integration
def test_real_ml100k_text_and_features(ml100k):
    ds = ml100k
    assert all(ds.item_text) and ds.item_text[0].startswith("Toy Story (1995). Genres: Animation")
    assert sum("Misérables" in t for t in ds.item_text) >= 1  # latin-1 decoded
    feats = ds.item_features
    assert next(c for c in feats.columns if c.startswith("genre:")) == "genre:unknown"
    assert sum(c.startswith("genre:") for c in feats.columns) == 19
    assert pd.isna(feats["year"].iloc[ds.items.index(267)])
    assert feats["year"].notna().sum() == 1681
    assert ds.user_features.iloc[0].tolist() == [24, "M", "technician", "85711"]
    assert ds.user_features["occupation"].nunique() == 21


@pytest.mark.integration
def test_real_ml1m_counts_ranges_and_speed(real_home):
    home = real_home("ml-1m")
    start = time.perf_counter()
    ds = load("ml-1m", data_home=home)
    assert time.perf_counter() - start < 5.0
    assert (ds.n_users, ds.n_items, ds.n_events) == (6040, 3706, 1000209)
    assert set(np.unique(ds.values).tolist()) == {1.0, 2.0, 3.0, 4.0, 5.0}
    assert (ds.timestamps.min(), ds.timestamps.max()) == (956703932, 1046454590)
    assert int(ds.items.ids.max()) == 3952
    assert load("ml-1m", data_home=home, include_unrated=True).n_items == 3883


@pytest.mark.integration
def test_real_ml1m_text_and_features(ml1m):
    ds = ml1m
    assert all(ds.item_text)
    assert ds.item_text[0] == "Toy Story (1995). Genres: Animation, Children's, Comedy."
    feats = ds.item_features
    assert sum(c.startswith("genre:") for c in feats.columns) == 18
    assert feats["year"].notna().all() and feats["year"].between(1919, 2000).all()
    assert (feats.filter(like="genre:").sum(axis=1) >= 1).all()
    users = ds.user_features
    assert sorted(users["age"].unique().tolist()) == [1, 18, 25, 35, 45, 50, 56]
    assert users[["age_group", "occupation", "gender", "zip"]].notna().all(axis=None)
    assert users["occupation"].nunique() == 21
    assert users.iloc[0].tolist() == [1, "Under 18", "F", "K-12 student", "48067"]
