# SPDX-License-Identifier: MIT
"""Texts built from a :class:`Dataset` for text encoders: item texts and user profiles.

>>> user_texts(ds, users=[0])  # doctest: +SKIP
['gender: F; age: Under 18; occupation: K-12 student. Recent items: Toy Story (1995) [5]; ...']
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from lmrec.data._dataset import Dataset
from lmrec.errors import DataError

#: User feature columns left out of profiles: identifiers, not descriptions.
_SKIP_USER_COLUMNS = frozenset({"zip", "zipcode", "zip_code", "postcode", "postal_code"})
#: Demographics listed first, in this order; other feature columns follow in table order.
_FIRST = ("gender", "age", "age_group", "occupation")


def item_texts(ds: Dataset) -> list[str]:
    """One text per item (dense order): ``ds.item_text``, its id where a text is empty or the
    data set has no item text at all."""
    ids = [str(i) for i in ds.items.ids.tolist()]
    if ds.item_text is None:
        return ids
    return [str(t) if t else i for t, i in zip(ds.item_text.tolist(), ids, strict=True)]


def item_labels(ds: Dataset) -> list[str]:
    """Short item names for histories: the ``title`` feature when present, else the item text."""
    texts = item_texts(ds)
    feats = ds.item_features
    if feats is None or "title" not in feats.columns:
        return texts
    titles = feats["title"].tolist()
    return [
        str(t) if isinstance(t, str) and t.strip() else x
        for t, x in zip(titles, texts, strict=True)
    ]


def _number(v: float) -> str:
    return f"{v:g}"


def history_text(
    item_texts: Sequence[str],
    items: Sequence[int] | np.ndarray,
    ratings: Sequence[float] | np.ndarray | None = None,
    sep: str = "; ",
) -> str:
    """``"Toy Story (1995) [5]; Fargo (1996) [4]"``: the texts of dense ``items`` (in the order
    given) with their ratings in brackets when ``ratings`` is given."""
    idx = np.asarray(items, dtype=np.int64).ravel()
    if len(idx) and (idx.min() < 0 or idx.max() >= len(item_texts)):
        raise DataError(f"history_text: item index out of range for {len(item_texts)} items")
    if ratings is None:
        return sep.join(str(item_texts[i]) for i in idx.tolist())
    vals = np.asarray(ratings, dtype=np.float64).ravel()
    if len(vals) != len(idx):
        raise DataError(f"history_text: {len(idx)} items but {len(vals)} ratings")
    return sep.join(
        f"{item_texts[i]} [{_number(v)}]" for i, v in zip(idx.tolist(), vals.tolist(), strict=True)
    )


def _demographics(features: pd.DataFrame | None) -> list[str]:
    """``"gender: F; age: 25-34; occupation: writer"`` per user row (``""`` without features)."""
    if features is None or not len(features.columns):
        return [""] * (0 if features is None else len(features))
    cols = [str(c) for c in features.columns if str(c).lower() not in _SKIP_USER_COLUMNS]
    cols.sort(key=lambda c: _FIRST.index(c) if c in _FIRST else len(_FIRST))  # stable
    shown: list[tuple[str, str]] = []  # (label, column)
    for c in cols:
        if c == "age" and "age_group" in cols:
            continue  # the bucket label reads better than the bucket code
        shown.append(("age" if c == "age_group" else c, c))
    columns = [features[c].tolist() for _, c in shown]
    out = []
    for row in zip(*columns, strict=True) if columns else [()] * len(features):
        parts = [
            f"{label}: {_number(v) if isinstance(v, float) else v}"
            for (label, _), v in zip(shown, row, strict=True)
            if not pd.isna(v) and str(v).strip() and str(v) != "nan"
        ]
        out.append("; ".join(parts))
    return out


def user_texts(
    ds: Dataset,
    users: Sequence[int] | np.ndarray | None = None,
    n_recent: int = 10,
    with_ratings: bool = True,
) -> list[str]:
    """A profile text per user: demographics, then the user's most recent items.

    ``"gender: F; age: 25-34; occupation: writer. Recent items: Fargo (1996) [5]; ..."``.
    Demographics come from ``ds.user_features`` (all columns except zip codes; ml-1m's
    ``age_group`` label stands for ``age``). Items are the ``n_recent`` latest distinct items
    of the user's events (by timestamp, then event order), most recent first, named by their
    ``title`` feature or item text; ratings follow in brackets when ``with_ratings`` and the
    data set is explicit. Users without events or features get ``""``.

    Args:
        ds: the data set (its events are the history: pass the training split).
        users: dense user indices; all users in index order when None.
        n_recent: how many recent items to list (0 for demographics only).
        with_ratings: append ``[rating]`` to each item for explicit feedback.
    """
    if n_recent < 0:
        raise DataError(f"n_recent must be ≥ 0, got {n_recent}")
    idx = np.arange(ds.n_users) if users is None else np.asarray(users, dtype=np.int64).ravel()
    if len(idx) and (idx.min() < 0 or idx.max() >= ds.n_users):
        raise DataError(f"user_texts: user index out of range for {ds.n_users} users")
    demo_all = _demographics(ds.user_features)
    demo = [demo_all[u] for u in idx] if demo_all else [""] * len(idx)

    labels = item_labels(ds) if n_recent else []
    show_ratings = with_ratings and ds.feedback == "explicit"
    order = ds.time_order  # events grouped by user, each group in time order
    ends = np.cumsum(np.bincount(ds.user_index, minlength=ds.n_users))
    starts = ends - np.bincount(ds.user_index, minlength=ds.n_users)
    ev_item = ds.item_index[order]
    ev_value = ds.values[order]

    out = []
    for u, d in zip(idx.tolist(), demo, strict=True):
        history = ""
        if n_recent and ends[u] > starts[u]:
            seen: set[int] = set()
            picked: list[int] = []
            for e in range(int(ends[u]) - 1, int(starts[u]) - 1, -1):
                it = int(ev_item[e])
                if it not in seen:
                    seen.add(it)
                    picked.append(e)
                    if len(picked) == n_recent:
                        break
            history = history_text(
                labels, ev_item[picked], ev_value[picked] if show_ratings else None
            )
        if d and history:
            out.append(f"{d}. Recent items: {history}")
        elif history:
            out.append(f"Recent items: {history}")
        else:
            out.append(d)
    return out


__all__ = ["history_text", "item_labels", "item_texts", "user_texts"]
