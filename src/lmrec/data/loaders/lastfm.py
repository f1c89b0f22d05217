# SPDX-License-Identifier: MIT
"""Last.fm hetrec2011-lastfm-2k: users' play counts of artists (music).

Not available here: the user-tag assignments (``user_taggedartists*.dat``) are not part of the
local copy, so no "top tags" per artist can be built; :func:`load_lastfm_tags` returns only the
tag vocabulary (``tags.dat``). The friendship graph (``user_friends.dat``) is not loaded.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from lmrec.data._dataset import Dataset
from lmrec.data.loaders._files import INT, STR, check_unique, dataset_dir, read_table, require_file


def load_lastfm(*, data_home: str | Path | None = None) -> Dataset:
    """Last.fm 2K: 1,892 users, 17,632 artists, 92,834 user-artist play counts.

    ``value`` is the play count (``weight``; ``feedback="implicit"``, ``aggregate="sum"``), there
    are no timestamps. Item ids are the artist ids, item text the artist name; item features
    are ``url`` and ``picture_url``. Artist tags cannot be built (the user-tag files are missing).

    Args:
        data_home: folder holding ``lastfm-hetrec-2k/``; default ``LMREC_DATA_HOME``.

    Raises:
        DataError: missing folder or file, a malformed line, or a duplicate artist id.
    """
    folder = dataset_dir("lastfm-hetrec-2k", data_home)
    plays_path = require_file(folder, "user_artists.dat")
    plays = read_table(plays_path, {"user": INT, "item": INT, "weight": INT}, sep="\t", header=True)
    artists = _artists(require_file(folder, "artists.dat"))
    return Dataset.from_events(
        plays,
        value="weight",
        items=artists,
        item_text="text",
        name="lastfm-hetrec-2k",
        scenario="music",
        feedback="implicit",
        aggregate="sum",
        source=str(plays_path),
        line_offset=2,
    )


def load_lastfm_tags(*, data_home: str | Path | None = None) -> pd.DataFrame:
    """The tag vocabulary of ``tags.dat`` (``tag`` id, ``name``); no artist links exist here."""
    path = require_file(dataset_dir("lastfm-hetrec-2k", data_home), "tags.dat")
    return read_table(path, {"tag": INT, "name": STR}, sep="\t", header=True, encoding="latin-1")


def _artists(path: Path) -> pd.DataFrame:
    columns = {"item": INT, "text": STR, "url": STR, "picture_url": STR}
    artists = read_table(path, columns, sep="\t", header=True)
    return check_unique(artists, "item", path, header=True)
