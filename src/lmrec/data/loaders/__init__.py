# SPDX-License-Identifier: MIT
"""Loaders for the bundled-format data sets and for any CSV / TSV / Parquet file.

Data sets live in one folder each under :func:`data_home` (``LMREC_DATA_HOME``)::

    ds = load("ml-1m")                                    # explicit ratings, text, features
    train, valid, test = load_provided_split("amazon-scientific")
    mine = load_csv("events.csv", user="uid", item="sku", rating="stars")

Stability: full.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lmrec.data._dataset import Dataset
from lmrec.data.loaders._files import data_home
from lmrec.data.loaders.amazon import load_games, load_scientific, provided_split
from lmrec.data.loaders.lastfm import load_lastfm
from lmrec.data.loaders.movielens import load_ml1m, load_ml100k
from lmrec.data.loaders.tabular import load_csv
from lmrec.errors import DataError

__all__ = ["available", "data_home", "load", "load_csv", "load_provided_split"]

_LOADERS: dict[str, Callable[..., Dataset]] = {
    "ml-100k": load_ml100k,
    "ml-1m": load_ml1m,
    "amazon-scientific": load_scientific,
    "amazon-games": load_games,
    "lastfm-hetrec-2k": load_lastfm,
}
_ALIASES = {
    "ml100k": "ml-100k",
    "movielens100k": "ml-100k",
    "ml1m": "ml-1m",
    "movielens1m": "ml-1m",
    "amazonscientific": "amazon-scientific",
    "scientific": "amazon-scientific",
    "industrialandscientific": "amazon-scientific",
    "amazongames": "amazon-games",
    "games": "amazon-games",
    "games6k": "amazon-games",
    "videogames": "amazon-games",
    "lastfmhetrec2k": "lastfm-hetrec-2k",
    "lastfm": "lastfm-hetrec-2k",
    "lastfm2k": "lastfm-hetrec-2k",
    "hetrec2011lastfm2k": "lastfm-hetrec-2k",
}
_PROVIDED_SPLIT = ("amazon-scientific", "amazon-games")


def available() -> list[str]:
    """Names :func:`load` knows (whether or not their folder is present)."""
    return list(_LOADERS)


def canonical_name(name: str) -> str:
    """The canonical data set name for ``name`` or an alias (``"ml1m"``, ``"games"``, …)."""
    key = "".join(ch for ch in name.lower() if ch.isalnum())
    if key in _ALIASES:
        return _ALIASES[key]
    raise DataError(f"unknown data set {name!r}; available: {', '.join(available())}")


def load(name: str, *, data_home: str | Path | None = None, **options: Any) -> Dataset:
    """Load a data set by name from ``data_home/<name>/``.

    Args:
        name: ``"ml-100k"``, ``"ml-1m"``, ``"amazon-scientific"``, ``"amazon-games"``,
            ``"lastfm-hetrec-2k"`` or an alias (``"ml1m"``, ``"scientific"``, ``"lastfm"``).
        data_home: folder holding the data set folders; default ``LMREC_DATA_HOME``.
        **options: loader options, e.g. ``include_unrated=True`` for the MovieLens sets.

    Raises:
        DataError: unknown name or option, missing folder or file, malformed data.
    """
    canonical = canonical_name(name)
    loader = _LOADERS[canonical]
    known = [p for p in inspect.signature(loader).parameters if p != "data_home"]
    unknown = sorted(set(options) - set(known))
    if unknown:
        raise DataError(
            f"{canonical}: unknown option(s) {', '.join(unknown)}; "
            f"options: {', '.join(known) or 'none'}"
        )
    return loader(data_home=data_home, **options)


def load_provided_split(
    name: str, *, data_home: str | Path | None = None
) -> tuple[Dataset, Dataset, Dataset]:
    """The split shipped with an Amazon data set: (train, valid, test) sharing id maps.

    Test holds each user's last item, valid the second-to-last, train all earlier ones (the
    leave-one-out split of the provided ``.valid.inter`` / ``.test.inter`` files).

    Raises:
        DataError: the data set has no provided split, or cannot be loaded.
    """
    canonical = canonical_name(name)
    if canonical not in _PROVIDED_SPLIT:
        raise DataError(
            f"{canonical} has no provided split (only {', '.join(_PROVIDED_SPLIT)}); "
            "use lmrec.split to split it"
        )
    return provided_split(load(canonical, data_home=data_home))
