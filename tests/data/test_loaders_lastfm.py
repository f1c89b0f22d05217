# SPDX-License-Identifier: MIT
"""Last.fm loader: play counts, quoted artist names, README counts and precise errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lmrec.data.loaders import load
from lmrec.data.loaders.lastfm import load_lastfm_tags
from lmrec.errors import DataError

LASTFM = {
    "user_artists.dat": "userID\tartistID\tweight\r\n2\t51\t13883\r\n2\t52\t11690\r\n3\t51\t7\r\n",
    "artists.dat": (
        "id\tname\turl\tpictureURL\n"
        '51\t"Weird Al" Yankovic\thttp://a\thttp://a.jpg\n'
        "52\tRoyce da 5'9\"\thttp://b\t\n"
    ),
    "tags.dat": "tagID\ttagValue\r\n1\tmetal\r\n2\tmúsica\r\n",
}


def _folder(write, **changes: str | None) -> Path:
    path = None
    for filename, text in {**LASTFM, **changes}.items():
        if text is not None:
            encoding = "latin-1" if filename == "tags.dat" else "utf-8"
            path = write(f"lastfm-hetrec-2k/{filename}", text, encoding=encoding)
    assert path is not None
    return path.parent.parent


def test_tiny_lastfm_keeps_quotes_and_counts(write):
    ds = load("lastfm", data_home=_folder(write))
    assert (ds.n_users, ds.n_items, ds.n_events) == (2, 2, 3)
    assert ds.item_text.tolist() == ['"Weird Al" Yankovic', "Royce da 5'9\""]
    assert ds.values.tolist() == [13883.0, 11690.0, 7.0]
    assert ds.timestamps is None and ds.aggregate == "sum" and ds.feedback == "implicit"
    assert ds.scenario == "music" and ds.item_features["url"].tolist() == ["http://a", "http://b"]


def test_tiny_lastfm_sums_repeated_pairs(write):
    plays = "userID\tartistID\tweight\r\n2\t51\t10\r\n2\t51\t5\r\n"
    ds = load("lastfm-hetrec-2k", data_home=_folder(write, **{"user_artists.dat": plays}))
    assert ds.interactions[0, 0] == 15.0


def test_tag_vocabulary_is_latin1(write):
    tags = load_lastfm_tags(data_home=_folder(write))
    assert tags["name"].tolist() == ["metal", "música"]


LASTFM_ERRORS = [
    ({"user_artists.dat": "userID\tartistID\tweight\r\n2\t51\r\n"},
     "user_artists.dat line 2: expected 3 '\\t'-separated fields, got 2"),
    ({"user_artists.dat": "userID\tartistID\tweight\r\n2\t51\tmany\r\n"},
     "user_artists.dat line 2: column 'weight' value 'many' is not an integer"),
    ({"artists.dat": "id\tname\turl\tpictureURL\n51\tA\tu\tp\n51\tB\tu\tp\n"},
     "artists.dat line 3: duplicate id 51 (first on line 2)"),
    ({"artists.dat": "id\tname\turl\tpictureURL\n51\tA\tu\n"},
     "artists.dat line 2: expected 4 '\\t'-separated fields, got 3"),
    ({"artists.dat": b"id\tname\turl\tpictureURL\n51\tCaf\xe9\tu\tp\n"},
     "artists.dat line 2: not valid utf-8 text"),
    ({"user_artists.dat": ""}, "user_artists.dat: empty file"),
    ({"user_artists.dat": "userID\tartistID\tweight\r\n"}, "user_artists.dat: no interactions"),
    ({"artists.dat": None}, "artists.dat not found"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "message"), LASTFM_ERRORS)
def test_lastfm_bad_files_name_file_and_line(write, changes, message):
    with pytest.raises(DataError) as err:
        load("lastfm", data_home=_folder(write, **changes))
    assert message in str(err.value)


@pytest.mark.integration
def test_real_lastfm_counts_values_and_names(real_home):
    home = real_home("lastfm-hetrec-2k")
    ds = load("lastfm-hetrec-2k", data_home=home)
    assert (ds.n_users, ds.n_items, ds.n_events, ds.interactions.nnz) == (1892, 17632, 92834, 92834)
    assert (ds.values.min(), ds.values.max()) == (1.0, 352698.0)
    weights = [
        int(line.split("\t")[2]) for line in (home / "lastfm-hetrec-2k/user_artists.dat").open()
        if not line.startswith("userID")
    ]  # fmt: skip
    assert float(ds.values.astype(np.float64).sum()) == sum(weights)
    assert (ds.users.ids.min(), ds.users.ids.max()) == (2, 2100)
    assert (ds.items.ids.min(), ds.items.ids.max()) == (1, 18745)
    assert all(ds.item_text) and ds.item_text[0] == "MALICE MIZER"
    assert '"Weird Al" Yankovic' in set(ds.item_text.tolist())
    assert ds.timestamps is None
    assert len(load_lastfm_tags(data_home=home)) == 11946
