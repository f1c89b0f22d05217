# SPDX-License-Identifier: MIT
"""Amazon-2018 "Industrial & Scientific" (UniSRec files) and "Video Games" (LLMRank files).

Both come as leave-one-out sequence files (``user \\t history \\t target``) without timestamps.
The loaders rebuild each user's full ordered sequence, check every provided row against it, and
return one event per position: ``timestamp`` = position in the user's sequence (0..n-1,
``time_kind="order"``), value 1, ``aggregate="last"`` (a repeated item stays a separate event).
"""

from __future__ import annotations

from dataclasses import dataclass
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
from lmrec.errors import DataError

_INTER = {"user": INT, "history": STR, "target": INT}


@dataclass(frozen=True)
class _Rows:
    """One ``.inter`` file: per row the user, target, and the history as a flat array."""

    path: Path
    user: np.ndarray
    target: np.ndarray
    hist: np.ndarray  # all history items, row after row
    hist_len: np.ndarray

    @property
    def hist_start(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(self.hist_len)[:-1]]).astype(np.int64)


def load_scientific(*, data_home: str | Path | None = None) -> Dataset:
    """Amazon Industrial & Scientific: 8,442 users, 4,385 items, 59,427 ordered events.

    Each user's sequence is the shortest train row's history, then the train targets from the
    shortest prefix to the longest, then the valid target, then the test target. Ids are the
    ASINs and reviewer ids; dense indices equal the provided ``item2index``/``user2index``.
    Item text is the provided ``"title. categories. brand."`` text.

    Args:
        data_home: folder holding ``amazon-scientific/``; default ``LMREC_DATA_HOME``.

    Raises:
        DataError: missing file, malformed line, or rows that disagree with the rebuilt sequences.
    """
    folder = dataset_dir("amazon-scientific", data_home)
    train, valid, test = (
        _read_inter(require_file(folder, f"Scientific.{part}.inter"))
        for part in ("train", "valid", "test")
    )
    user, pos, item = _scientific_sequences(train, valid, test)
    user_ids = _index_file(require_file(folder, "Scientific.user2index"))
    item_ids = _index_file(require_file(folder, "Scientific.item2index"))
    text_path = require_file(folder, "Scientific.text")
    text = read_table(text_path, {"item": STR, "text": STR}, sep="\t", header=True)
    text["text"] = text["text"].str.strip()
    items = pd.DataFrame({"item": item_ids})
    items = items.merge(
        check_unique(text, "item", text_path, header=True), on="item", how="left", validate="1:1"
    )
    events = _events(user_ids, user, pos, item_ids, item, test.path)
    users = pd.DataFrame({"user": user_ids})
    return _dataset("amazon-scientific", "scientific", events, items, users, test.path)


def load_games(*, data_home: str | Path | None = None) -> Dataset:
    """Amazon Video Games (LLMRank): 50,546 users, 16,859 items, 440,264 ordered events.

    There is no train file: each user's sequence is the test row's history plus the test
    target. Histories are cut to the last 49 items, so for 371 users the earliest items are
    lost. Ids are the provided integer indices; item text is the title.

    Args:
        data_home: folder holding ``amazon-games/``; default ``LMREC_DATA_HOME``.

    Raises:
        DataError: missing file, malformed line, or valid rows that disagree with test rows.
    """
    folder = dataset_dir("amazon-games", data_home)
    valid = _read_inter(require_file(folder, "Games-6k.valid.inter"))
    test = _read_inter(require_file(folder, "Games-6k.test.inter"))
    user, pos, item = _games_sequences(valid, test)
    item_path = require_file(folder, "Games-6k.item")
    items = read_table(item_path, {"item": INT, "text": STR}, sep="\t", header=True)
    items = check_unique(items, "item", item_path, header=True).sort_values("item", kind="stable")
    items["text"] = items["text"].str.strip()
    events = pd.DataFrame({"user": user, "item": item, "timestamp": pos})
    return _dataset("amazon-games", "games", events, items, None, test.path)


def provided_split(ds: Dataset) -> tuple[Dataset, Dataset, Dataset]:
    """The provided leave-one-out split: (train, valid, test) sharing ``ds``'s id maps.

    Test holds each user's last item, valid the second-to-last, train the rest.
    """
    pos = ds.timestamps
    if pos is None or ds.time_kind != "order":
        raise DataError(f"{ds.name}: provided_split needs sequence positions (time_kind='order')")
    n = np.bincount(ds.user_index, minlength=ds.n_users)[ds.user_index]
    last, second = pos == n - 1, pos == n - 2
    return ds.subset(~(last | second)), ds.subset(second), ds.subset(last)


# ---------------------------------------------------------------------------------- reading
def _read_inter(path: Path) -> _Rows:
    df = read_table(path, _INTER, sep="\t", header=True)
    if df.empty:
        raise DataError(f"{path}: no rows after the header; re-copy the file")
    parts: list[list[str]] = df["history"].str.split().tolist()
    lengths = np.array([len(row) for row in parts], dtype=np.int64)
    try:
        hist = np.array([tok for row in parts for tok in row], dtype=np.int64)
    except ValueError:
        row = next((r for r, toks in enumerate(parts) if not all(t.isdigit() for t in toks)), 0)
        raise DataError(
            f"{path} line {row + 2}: history {df['history'].iloc[row]!r} is not a list of "
            "integer item indices; fix or remove the line"
        ) from None
    return _Rows(path, df["user"].to_numpy(), df["target"].to_numpy(), hist, lengths)


def _index_file(path: Path) -> np.ndarray:
    """External ids of an ``<id> \\t <idx>`` file, ordered by idx (which must be 0..n-1)."""
    df = check_unique(read_table(path, {"id": STR, "idx": INT}, sep="\t"), "id", path, header=False)
    order = np.argsort(df["idx"].to_numpy(), kind="stable")
    if not np.array_equal(df["idx"].to_numpy()[order], np.arange(len(df))):
        raise DataError(f"{path}: indices are not 0..{len(df) - 1} without gaps; re-copy the file")
    return df["id"].to_numpy()[order].astype(str)


# ---------------------------------------------------------------------------------- sequences
def _scientific_sequences(
    train: _Rows, valid: _Rows, test: _Rows
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(user, position, item) of every event, rebuilt from the three files and checked.

    A user's sequence starts with the history of their shortest train row (of their valid row
    when they have no train row); then come the train targets (the file lists each user's rows
    longest prefix first), the valid target and the test target.
    """
    _same_users(valid, _one_row_per_user(test))
    n_users = int(max(test.user.max(), train.user.max(initial=0))) + 1
    m = np.bincount(train.user, minlength=n_users)  # train rows per user
    rank = _rank_within_user(train.user)
    shortest = rank == m[train.user] - 1
    no_train = m[valid.user] == 0
    base_len = np.zeros(n_users, np.int64)
    base_len[train.user[shortest]] = train.hist_len[shortest]
    base_len[valid.user[no_train]] = valid.hist_len[no_train]
    base_users = np.concatenate([train.user[shortest], valid.user[no_train]])
    n_base = base_len[base_users]
    starts = np.r_[train.hist_start[shortest], valid.hist_start[no_train] + len(train.hist)]
    base_items = np.concatenate([train.hist, valid.hist])[_ranges(starts, n_base)]
    positions = {
        "train": base_len[train.user] + m[train.user] - 1 - rank,
        "valid": base_len[valid.user] + m[valid.user],
        "test": base_len[test.user] + m[test.user] + 1,
    }
    user = np.concatenate([np.repeat(base_users, n_base), train.user, valid.user, test.user])
    pos = np.concatenate([_counting(n_base), *positions.values()])
    item = np.concatenate([base_items, train.target, valid.target, test.target])
    order = np.lexsort((pos, user))
    user, pos, item = user[order], pos[order], item[order]
    if np.any(np.diff(pos)[np.diff(user) == 0] != 1):
        raise DataError(f"{train.path}: train rows do not form one sequence per user; re-copy it")
    for rows, rpos in zip((train, valid, test), positions.values(), strict=True):
        _check_rows(rows, rpos, user, item, cap=int(rows.hist_len.max()))
    return user, pos, item


def _games_sequences(valid: _Rows, test: _Rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(user, position, item): each test row's history then its target; valid rows checked."""
    _same_users(valid, _one_row_per_user(test))
    order = np.argsort(test.user, kind="stable")
    n = test.hist_len[order] + 1
    user = np.repeat(test.user[order], n)
    pos = _counting(n)
    item = np.empty(len(user), np.int64)
    is_target = pos == np.repeat(n - 1, n)
    item[is_target] = test.target[order]
    item[~is_target] = test.hist[_ranges(test.hist_start[order], test.hist_len[order])]
    n_of = np.zeros(int(test.user.max()) + 1, np.int64)
    n_of[test.user] = test.hist_len + 1
    _check_rows(valid, n_of[valid.user] - 2, user, item, cap=None)
    return user, pos, item


def _check_rows(
    rows: _Rows, target_pos: np.ndarray, user: np.ndarray, item: np.ndarray, cap: int | None
) -> None:
    """Each row's target and history must match the rebuilt sequence (``user`` sorted).

    With ``cap``, a history must be the last ``min(target_pos, cap)`` items before the target;
    without, it may reach before the start of the rebuilt sequence (the test history was cut),
    and only its part inside the sequence is compared.
    """
    start = np.searchsorted(user, rows.user)
    end = np.searchsorted(user, rows.user, side="right")
    inside = (target_pos >= 0) & (start + target_pos < end)
    bad = ~inside | (item[np.where(inside, start + target_pos, 0)] != rows.target)
    if cap is not None:
        bad |= rows.hist_len != np.minimum(target_pos, cap)
    seen = np.where(inside, np.minimum(rows.hist_len, target_pos), 0)
    got = rows.hist[_ranges(rows.hist_start + rows.hist_len - seen, seen)]
    want = item[_ranges(np.where(inside, start + target_pos, 0) - seen, seen)]
    row_of = np.repeat(np.arange(len(rows.user)), seen)
    bad |= np.bincount(row_of, weights=got != want, minlength=len(rows.user)) > 0
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"{rows.path} line {row + 2}: user {rows.user[row]}'s history/target disagrees with "
            "the sequence rebuilt from the other files; re-copy the data set files"
        )


def _one_row_per_user(rows: _Rows) -> np.ndarray:
    dup = pd.Index(rows.user).duplicated()
    if dup.any():
        row = int(np.flatnonzero(dup)[0])
        raise DataError(
            f"{rows.path} line {row + 2}: second row for user {rows.user[row]}; "
            "this file must hold one row per user"
        )
    return rows.user


def _same_users(rows: _Rows, users: np.ndarray) -> None:
    _one_row_per_user(rows)
    missing = ~np.isin(rows.user, users)
    if missing.any() or len(rows.user) != len(users):
        raise DataError(
            f"{rows.path}: users differ from the test file ({len(rows.user)} rows vs "
            f"{len(users)}); re-copy the data set files"
        )


def _rank_within_user(user: np.ndarray) -> np.ndarray:
    """0, 1, 2, … within each run of equal users (file order)."""
    return pd.Series(user).groupby(user, sort=False).cumcount().to_numpy()


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(s, s + n)`` for every (s, n)."""
    total = int(lengths.sum())
    if total == 0:
        return np.empty(0, np.int64)
    offsets = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    return offsets + np.arange(total)


def _counting(lengths: np.ndarray) -> np.ndarray:
    """Concatenation of ``arange(n)`` for every n."""
    return _ranges(np.zeros(len(lengths), np.int64), lengths)


# ---------------------------------------------------------------------------------- dataset
def _events(
    user_ids: np.ndarray,
    user: np.ndarray,
    pos: np.ndarray,
    item_ids: np.ndarray,
    item: np.ndarray,
    source: Path,
) -> pd.DataFrame:
    """Events with external ids; indices outside the index files are an error."""
    for what, ids, idx in (("user", user_ids, user), ("item", item_ids, item)):
        if idx.min() < 0 or idx.max() >= len(ids):
            raise DataError(
                f"{source}: {what} index {int(idx.max())} is not in the {what}2index file "
                f"({len(ids)} rows); re-copy the data set files"
            )
    return pd.DataFrame({"user": user_ids[user], "item": item_ids[item], "timestamp": pos})


def _dataset(
    name: str,
    scenario: str,
    events: pd.DataFrame,
    items: pd.DataFrame,
    users: pd.DataFrame | None,
    source: Path,
) -> Dataset:
    return Dataset.from_events(
        events,
        timestamp="timestamp",
        items=items,
        item_text="text",
        users=users,
        name=name,
        scenario=scenario,
        feedback="implicit",
        time_kind="order",
        aggregate="last",
        source=str(source),
    )
