# SPDX-License-Identifier: MIT
"""The immutable :class:`Dataset`: the one object passed between lmrec components."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from functools import cached_property
from typing import Literal

import numpy as np
import pandas as pd
import scipy.sparse as sp

from lmrec.data._idmap import IdMap
from lmrec.errors import DataError

TimeKind = Literal["unix", "order"]
Feedback = Literal["explicit", "implicit"]
Aggregate = Literal["last", "sum", "max"]


def _readonly(arr: np.ndarray) -> np.ndarray:
    arr = np.ascontiguousarray(arr)
    arr.setflags(write=False)
    return arr


def _is_text_array(arr: object) -> bool:
    """Already a read-only object array (shared between derived datasets, never copied)."""
    return isinstance(arr, np.ndarray) and arr.dtype == object and not arr.flags.writeable


def _text_array(texts: Sequence[str] | np.ndarray) -> np.ndarray:
    """Read-only object array of str (fixed-width unicode would pad every text to the longest)."""
    arr = np.asarray([str(t) for t in texts], dtype=object)
    arr.setflags(write=False)
    return arr


class Dataset:
    """Interaction data with its id vocabularies, item text and features.

    Build one with a loader (:func:`lmrec.datasets.load`, :func:`lmrec.datasets.load_csv`) or
    :meth:`Dataset.from_events`; the constructor trusts its arguments and is meant for lmrec
    internals. Every derived dataset (split, subset, filter) shares the id maps, so dense user and
    item indices mean the same thing across train, validation and test.

    Attributes:
        users, items: id vocabularies; dense index = position.
        name: data set name (``"ml-1m"``); scenario: domain tag (``"movies"``).
        feedback: ``"explicit"`` when values are ratings, else ``"implicit"`` (weights/counts).
        time_kind: ``"unix"`` (seconds), ``"order"`` (position in the user's sequence) or None.
        item_text: one string per item (``""`` when unknown), or None.
        user_features, item_features: frames indexed by dense index, or None.

    Stability: full.
    """

    def __init__(
        self,
        *,
        users: IdMap,
        items: IdMap,
        user: np.ndarray,
        item: np.ndarray,
        value: np.ndarray,
        timestamp: np.ndarray | None = None,
        name: str = "dataset",
        scenario: str = "default",
        feedback: Feedback = "implicit",
        time_kind: TimeKind | None = None,
        aggregate: Aggregate = "last",
        item_text: np.ndarray | Sequence[str] | None = None,
        user_features: pd.DataFrame | None = None,
        item_features: pd.DataFrame | None = None,
    ) -> None:
        n = len(user)
        if not (len(item) == len(value) == n and (timestamp is None or len(timestamp) == n)):
            raise DataError("event columns have different lengths")
        self.users = users
        self.items = items
        self._user = _readonly(np.asarray(user, dtype=np.int32))
        self._item = _readonly(np.asarray(item, dtype=np.int32))
        self._value = _readonly(np.asarray(value, dtype=np.float32))
        self._ts = None if timestamp is None else _readonly(np.asarray(timestamp, dtype=np.int64))
        self.name = name
        self.scenario = scenario
        self.feedback: Feedback = feedback
        self.time_kind: TimeKind | None = time_kind if timestamp is not None else None
        self.aggregate: Aggregate = aggregate
        self.item_text: np.ndarray | None = None
        if item_text is not None:
            text = (
                item_text
                if isinstance(item_text, np.ndarray) and _is_text_array(item_text)
                else _text_array(item_text)
            )
            if len(text) != len(items):
                raise DataError(f"item_text has {len(text)} rows for {len(items)} items")
            self.item_text = text
        self.user_features = user_features
        self.item_features = item_features

    # ------------------------------------------------------------------ sizes
    @property
    def n_users(self) -> int:
        """Number of users in the vocabulary (including users without events here)."""
        return len(self.users)

    @property
    def n_items(self) -> int:
        """Number of items in the vocabulary (including items without events here)."""
        return len(self.items)

    @property
    def n_events(self) -> int:
        """Number of events (rows of the event table)."""
        return len(self._user)

    def __len__(self) -> int:
        return self.n_events

    def __repr__(self) -> str:
        return (
            f"Dataset({self.name!r}, scenario={self.scenario!r}, users={self.n_users}, "
            f"items={self.n_items}, events={self.n_events}, feedback={self.feedback})"
        )

    # ------------------------------------------------------------------ views
    @property
    def events(self) -> pd.DataFrame:
        """Event table: ``user``, ``item`` (dense indices), ``value`` and maybe ``timestamp``."""
        cols: dict[str, np.ndarray] = {"user": self._user, "item": self._item, "value": self._value}
        if self._ts is not None:
            cols["timestamp"] = self._ts
        return pd.DataFrame(cols, copy=False)

    @property
    def user_index(self) -> np.ndarray:
        """Dense user index of every event (read-only)."""
        return self._user

    @property
    def item_index(self) -> np.ndarray:
        """Dense item index of every event (read-only)."""
        return self._item

    @property
    def values(self) -> np.ndarray:
        """Value (rating or weight) of every event (read-only)."""
        return self._value

    @property
    def timestamps(self) -> np.ndarray | None:
        """Timestamp (or sequence position) of every event, or None."""
        return self._ts

    def external_events(self) -> pd.DataFrame:
        """Event table with external user and item ids."""
        df = self.events
        df["user"] = self.users.ids[self._user]
        df["item"] = self.items.ids[self._item]
        return df

    @cached_property
    def interactions(self) -> sp.csr_matrix:
        """Users × items CSR matrix of values; repeated pairs combined by ``aggregate``."""
        shape = (self.n_users, self.n_items)
        if self.aggregate == "sum":
            m = sp.csr_matrix((self._value, (self._user, self._item)), shape=shape)
        else:
            tie = self._ts if self._ts is not None else np.arange(self.n_events)
            order = np.lexsort((tie, self._item, self._user))
            u, i, v = self._user[order], self._item[order], self._value[order]
            last = np.ones(len(u), dtype=bool)
            if len(u):
                last[:-1] = (u[1:] != u[:-1]) | (i[1:] != i[:-1])
            if self.aggregate == "max" and len(u):
                starts = np.flatnonzero(np.r_[True, last[:-1]])
                v = np.maximum.reduceat(v, starts)
                u, i = u[last], i[last]
            else:
                u, i, v = u[last], i[last], v[last]
            m = sp.csr_matrix((v, (u, i)), shape=shape)
        m.sum_duplicates()
        m.sort_indices()
        return m

    @cached_property
    def user_counts(self) -> np.ndarray:
        """Number of distinct items per user."""
        return np.diff(self.interactions.indptr).astype(np.int64)

    @cached_property
    def user_event_counts(self) -> np.ndarray:
        """Number of events per user (repeats included)."""
        return np.bincount(self._user, minlength=self.n_users).astype(np.int64)

    @cached_property
    def item_counts(self) -> np.ndarray:
        """Number of distinct users per item."""
        return np.bincount(self.interactions.indices, minlength=self.n_items).astype(np.int64)

    @cached_property
    def time_order(self) -> np.ndarray:
        """Event positions sorted by (user, timestamp, file order); file order alone without
        timestamps.

        The one event order of the library: the time-based splits hold out each user's last
        events in it and :meth:`sequences` reads it, so a sequence model is tested on the order
        it trained on (an item-index tie-break would be a pattern such a model can learn).
        """
        key = self._ts if self._ts is not None else np.arange(self.n_events)
        return _readonly(np.lexsort((np.arange(self.n_events), key, self._user)))

    def sequences(self) -> list[np.ndarray]:
        """Each user's item indices in :attr:`time_order`, one array per user."""
        return np.split(self._item[self.time_order], np.cumsum(self.user_event_counts)[:-1])

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 over ids, events and values: identifies the exact training data."""
        h = hashlib.sha256()
        h.update(f"{self.n_users},{self.n_items},{self.n_events},{self._ts is not None};".encode())
        for ids in (self.users.ids, self.items.ids):
            h.update(json.dumps(ids.tolist()).encode())  # canonical: no string width, no dtype
        for arr in (self._user, self._item, self._value):
            h.update(np.ascontiguousarray(arr).tobytes())
        if self._ts is not None:
            h.update(self._ts.tobytes())
        return h.hexdigest()

    def describe(self) -> dict[str, object]:
        """Summary figures (sizes, density, value range, time range, text coverage)."""
        info: dict[str, object] = {
            "name": self.name,
            "scenario": self.scenario,
            "users": self.n_users,
            "items": self.n_items,
            "events": self.n_events,
            "pairs": int(self.interactions.nnz),
            "density": float(self.interactions.nnz / max(1, self.n_users * self.n_items)),
            "feedback": self.feedback,
            "time": self.time_kind,
        }
        if self.n_events:
            info["value_min"] = float(self._value.min())
            info["value_max"] = float(self._value.max())
            uc = self.user_counts[self.user_counts > 0]
            info["events_per_user_median"] = float(np.median(uc)) if len(uc) else 0.0
        if self._ts is not None and self.n_events:
            info["time_min"], info["time_max"] = int(self._ts.min()), int(self._ts.max())
        if self.item_text is not None:
            info["items_with_text"] = sum(1 for t in self.item_text if t)
        if self.user_features is not None:
            info["user_features"] = list(map(str, self.user_features.columns))
        if self.item_features is not None:
            info["item_features"] = list(map(str, self.item_features.columns))
        return info

    # ------------------------------------------------------------------ derived datasets
    def _replace(self, **changes: object) -> Dataset:
        args: dict[str, object] = {
            "users": self.users,
            "items": self.items,
            "user": self._user,
            "item": self._item,
            "value": self._value,
            "timestamp": self._ts,
            "name": self.name,
            "scenario": self.scenario,
            "feedback": self.feedback,
            "time_kind": self.time_kind,
            "aggregate": self.aggregate,
            "item_text": self.item_text,
            "user_features": self.user_features,
            "item_features": self.item_features,
        }
        args.update(changes)
        return Dataset(**args)  # type: ignore[arg-type]

    def subset(self, rows: np.ndarray, name: str | None = None) -> Dataset:
        """A dataset with the selected events (boolean mask or row indices) and the same maps."""
        rows = np.asarray(rows)
        return self._replace(
            user=self._user[rows],
            item=self._item[rows],
            value=self._value[rows],
            timestamp=None if self._ts is None else self._ts[rows],
            name=name or self.name,
        )

    def union(self, *others: Dataset, name: str | None = None) -> Dataset:
        """Events of this dataset and ``others`` (which must share its id maps), in that order."""
        parts = [self, *others]
        for o in others:
            if o.users is not self.users and o.users != self.users:
                raise DataError(f"cannot combine {self.name} and {o.name}: user maps differ")
            if o.items is not self.items and o.items != self.items:
                raise DataError(f"cannot combine {self.name} and {o.name}: item maps differ")
        has_ts = all(p._ts is not None for p in parts)
        return self._replace(
            user=np.concatenate([p._user for p in parts]),
            item=np.concatenate([p._item for p in parts]),
            value=np.concatenate([p._value for p in parts]),
            timestamp=np.concatenate([p._ts for p in parts]) if has_ts else None,  # type: ignore[misc]
            name=name or self.name,
        )

    def binarize(self, threshold: float | None = None) -> Dataset:
        """Implicit view: keep events with value ≥ ``threshold`` (all when None), value 1."""
        keep = np.ones(self.n_events, bool) if threshold is None else self._value >= threshold
        out = self.subset(keep)
        return out._replace(value=np.ones(out.n_events, np.float32), feedback="implicit")

    def filter(self, min_user_events: int = 0, min_item_events: int = 0) -> Dataset:
        """Drop users/items with fewer distinct interactions, one pass each; re-indexes the maps.

        Users are filtered first, then items, on the filtered data.
        """
        keep = self.user_counts[self._user] >= min_user_events
        if min_item_events:
            # distinct users per item on the kept rows
            pairs = sp.csr_matrix(
                (np.ones(keep.sum(), np.float32), (self._user[keep], self._item[keep])),
                shape=(self.n_users, self.n_items),
            )
            counts = np.diff(pairs.tocsc().indptr)
            keep &= counts[self._item] >= min_item_events
        if not keep.any():
            raise DataError(
                f"{self.name}: no events left after filtering (min_user_events={min_user_events}, "
                f"min_item_events={min_item_events}); lower the thresholds"
            )
        return self.subset(keep).compact()

    def compact(self) -> Dataset:
        """Re-index so the maps hold only users and items that have events here."""
        u_keep = np.unique(self._user)
        i_keep = np.unique(self._item)
        u_new = np.full(self.n_users, -1, np.int32)
        u_new[u_keep] = np.arange(len(u_keep), dtype=np.int32)
        i_new = np.full(self.n_items, -1, np.int32)
        i_new[i_keep] = np.arange(len(i_keep), dtype=np.int32)
        uf = self.user_features
        itf = self.item_features
        return self._replace(
            users=IdMap(self.users.ids[u_keep], name=self.users.name),
            items=IdMap(self.items.ids[i_keep], name=self.items.name),
            user=u_new[self._user],
            item=i_new[self._item],
            item_text=None if self.item_text is None else self.item_text[i_keep],
            user_features=None if uf is None else uf.iloc[u_keep].reset_index(drop=True),
            item_features=None if itf is None else itf.iloc[i_keep].reset_index(drop=True),
        )

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_events(
        cls,
        events: pd.DataFrame,
        *,
        user: str = "user",
        item: str = "item",
        value: str | None = None,
        timestamp: str | None = None,
        items: pd.DataFrame | None = None,
        item_id: str | None = None,
        item_text: str | None = None,
        users: pd.DataFrame | None = None,
        user_id: str | None = None,
        name: str = "dataset",
        scenario: str = "default",
        feedback: Feedback | None = None,
        time_kind: TimeKind = "unix",
        aggregate: Aggregate = "last",
        source: str | None = None,
        line_offset: int = 1,
    ) -> Dataset:
        """Validate an event frame (plus optional item/user tables) and build a Dataset.

        Args:
            events: one row per interaction.
            user, item: id columns in ``events``.
            value: rating/weight column; every event counts 1 when None.
            timestamp: column of unix seconds, datetimes or an ordering key; None if absent.
            items: optional item table (``item_id`` column, default ``item``); its other columns
                become item features; its row order fixes the item index order.
            item_text: column of ``items`` holding item text.
            users: optional user table (``user_id`` column, default ``user``) of user features.
            feedback: ``"explicit"`` for ratings; default explicit when ``value`` is given.
            time_kind: what ``timestamp`` means: ``"unix"`` seconds or ``"order"``.
            aggregate: how repeated (user, item) pairs combine in :attr:`interactions`.
            source: file name used in error messages; line_offset: file line of frame row 0.

        Raises:
            DataError: missing column, empty data, empty/unparsable value, duplicate table id.
        """
        from lmrec.data._build import build_dataset

        return build_dataset(
            events,
            user=user,
            item=item,
            value=value,
            timestamp=timestamp,
            items=items,
            item_id=item_id or item,
            item_text=item_text,
            users=users,
            user_id=user_id or user,
            name=name,
            scenario=scenario,
            feedback=feedback or ("explicit" if value else "implicit"),
            time_kind=time_kind,
            aggregate=aggregate,
            source=source or name,
            line_offset=line_offset,
        )
