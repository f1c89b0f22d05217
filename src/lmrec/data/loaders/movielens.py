# SPDX-License-Identifier: MIT
"""MovieLens 100K and 1M (GroupLens), read from their original file layouts.

Both give explicit 1-5 star ratings with unix-second timestamps, item text
(``"Toy Story (1995). Genres: Animation, Children's, Comedy."``), item features
(``title``, ``year``, one 0/1 ``genre:<Name>`` column per genre) and user features
(``age``, ``gender``, ``occupation``, ``zip``; ml-1m adds the ``age_group`` label).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from lmrec.data._dataset import Dataset
from lmrec.data.loaders._files import (
    INT,
    STR,
    check_unique,
    dataset_dir,
    read_table,
    require_file,
)

#: The 18 genres of ml-1m, in the order of its README.
ML1M_GENRES = (
    "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery", "Romance", "Sci-Fi", "Thriller",
    "War", "Western",
)  # fmt: skip

#: ml-1m age bucket code -> label (from the ml-1m README).
ML1M_AGE_GROUPS = {
    1: "Under 18", 18: "18-24", 25: "25-34", 35: "35-44", 45: "45-49", 50: "50-55", 56: "56+",
}  # fmt: skip

#: ml-1m occupation code (position) -> name (from the ml-1m README; 0 is "other or not specified").
ML1M_OCCUPATIONS = (
    "other", "academic/educator", "artist", "clerical/admin", "college/grad student",
    "customer service", "doctor/health care", "executive/managerial", "farmer", "homemaker",
    "K-12 student", "lawyer", "programmer", "retired", "sales/marketing", "scientist",
    "self-employed", "technician/engineer", "tradesman/craftsman", "unemployed", "writer",
)  # fmt: skip

_RATINGS = {"user": INT, "item": INT, "rating": INT, "timestamp": INT}


def load_ml100k(*, data_home: str | Path | None = None, include_unrated: bool = False) -> Dataset:
    """MovieLens 100K: 943 users, 1,682 movies, 100,000 ratings.

    Reads ``u.data``, ``u.item`` (latin-1; genre flags in ``u.genre`` order) and ``u.user``.

    Args:
        data_home: folder holding ``ml-100k/``; default ``LMREC_DATA_HOME``.
        include_unrated: keep catalogue movies nobody rated (every ml-100k movie is rated).

    Raises:
        DataError: missing folder or file, or a malformed line (named with file and line).
    """
    folder = dataset_dir("ml-100k", data_home)
    ratings_path = require_file(folder, "u.data")
    ratings = read_table(ratings_path, _RATINGS, sep="\t")
    genres = _ml100k_genres(require_file(folder, "u.genre"))
    items = _ml100k_items(require_file(folder, "u.item"), genres)
    user_path = require_file(folder, "u.user")
    user_columns = {"user": INT, "age": INT, "gender": STR, "occupation": STR, "zip": STR}
    users = check_unique(
        read_table(user_path, user_columns, sep="|"), "user", user_path, header=False
    )
    return _build("ml-100k", ratings, items, users, ratings_path, include_unrated)


def load_ml1m(*, data_home: str | Path | None = None, include_unrated: bool = False) -> Dataset:
    """MovieLens 1M: 6,040 users, 3,706 rated movies, 1,000,209 ratings.

    Reads ``ratings.dat.gz`` (or ``ratings.dat``), ``movies.dat`` and ``users.dat``. User ``age``
    is the bucket code (1, 18, 25, 35, 45, 50, 56) and ``age_group`` its label; ``occupation``
    is the name for the code.

    Args:
        data_home: folder holding ``ml-1m/``; default ``LMREC_DATA_HOME``.
        include_unrated: keep all 3,883 catalogue movies, also the 177 nobody rated.

    Raises:
        DataError: missing folder or file, or a malformed line (named with file and line).
    """
    folder = dataset_dir("ml-1m", data_home)
    name = "ratings.dat" if (folder / "ratings.dat").is_file() else "ratings.dat.gz"
    ratings_path = require_file(folder, name)
    ratings = read_table(ratings_path, _RATINGS, sep="::")
    items = _ml1m_items(require_file(folder, "movies.dat"))
    users = _ml1m_users(require_file(folder, "users.dat"))
    return _build("ml-1m", ratings, items, users, ratings_path, include_unrated)


def _build(
    name: str,
    ratings: pd.DataFrame,
    items: pd.DataFrame,
    users: pd.DataFrame,
    source: Path,
    include_unrated: bool,
) -> Dataset:
    if not include_unrated:
        items = items[items["item"].isin(pd.unique(ratings["item"]))]
    return Dataset.from_events(
        ratings,
        value="rating",
        timestamp="timestamp",
        items=items,
        item_text="text",
        users=users,
        name=name,
        scenario="movies",
        feedback="explicit",
        time_kind="unix",
        aggregate="last",
        source=str(source),
        line_offset=1,
    )


def _ml100k_genres(path: Path) -> list[str]:
    table = read_table(path, {"name": STR, "index": INT}, sep="|")
    return table.sort_values("index")["name"].str.strip().tolist()


def _ml100k_items(path: Path, genres: list[str]) -> pd.DataFrame:
    flags = [f"genre:{g}" for g in genres]
    columns = {"item": INT, "title": STR, "release_date": STR, "video_release_date": STR}
    columns |= {"url": STR} | dict.fromkeys(flags, INT)
    raw = check_unique(
        read_table(path, columns, sep="|", encoding="latin-1"), "item", path, header=False
    )
    title = raw["title"].str.strip()
    year = _year(title).fillna(_year(" (" + raw["release_date"].str[-4:] + ")"))
    genre_flags = raw[flags].astype(np.int8)
    return _item_table(raw["item"], title, year, genre_flags)


def _ml1m_items(path: Path) -> pd.DataFrame:
    columns = {"item": INT, "title": STR, "genres": STR}
    raw = read_table(path, columns, sep="::", encoding="latin-1")
    check_unique(raw, "item", path, header=False)
    title = raw["title"].str.strip()
    dummies = raw["genres"].str.get_dummies(sep="|")
    dummies = dummies.drop(columns=[c for c in dummies.columns if not c.strip()])
    order = [g for g in ML1M_GENRES if g in dummies.columns]
    order += sorted(set(dummies.columns) - set(ML1M_GENRES))
    genre_flags = dummies.reindex(columns=order).astype(np.int8).add_prefix("genre:")
    return _item_table(raw["item"], title, _year(title), genre_flags)


def _item_table(
    item: pd.Series, title: pd.Series, year: pd.Series, genre_flags: pd.DataFrame
) -> pd.DataFrame:
    """``item``, ``text``, ``title``, ``year`` and the genre flag columns."""
    head = pd.DataFrame({"item": item, "text": _text(title, genre_flags), "title": title})
    head["year"] = year
    return pd.concat([head, genre_flags.reset_index(drop=True)], axis=1)


def _year(title: pd.Series) -> pd.Series:
    """The last ``(yyyy)`` in each title as nullable Int64 (NA when absent)."""
    found = title.str.extract(r".*\((\d{4})\)", expand=False)
    return pd.to_numeric(found, errors="coerce").astype("Int64")


def _text(title: pd.Series, genre_flags: pd.DataFrame) -> list[str]:
    """``"<title>. Genres: A, B."`` (the pseudo-genre ``unknown`` is left out)."""
    names = [c.removeprefix("genre:") for c in genre_flags.columns]
    out = []
    for t, row in zip(title.tolist(), genre_flags.to_numpy(dtype=bool), strict=True):
        listed = [g for g, on in zip(names, row, strict=True) if on and g != "unknown"]
        out.append(f"{t}. Genres: {', '.join(listed)}." if listed else f"{t}.")
    return out


def _ml1m_users(path: Path) -> pd.DataFrame:
    columns = {"user": INT, "gender": STR, "age": INT, "occupation": INT, "zip": STR}
    raw = check_unique(read_table(path, columns, sep="::"), "user", path, header=False)
    return pd.DataFrame(
        {
            "user": raw["user"],
            "age": raw["age"],
            "age_group": raw["age"].map(ML1M_AGE_GROUPS).astype("str"),
            "gender": raw["gender"],
            "occupation": raw["occupation"].map(dict(enumerate(ML1M_OCCUPATIONS))).astype("str"),
            "zip": raw["zip"],
        }
    )
