# SPDX-License-Identifier: MIT
"""Validation and construction behind :meth:`Dataset.from_events`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from lmrec.data._dataset import Aggregate, Dataset, Feedback, TimeKind
from lmrec.data._idmap import IdMap, as_id_array
from lmrec.errors import DataError


def require_columns(df: pd.DataFrame, columns: dict[str, str | None], source: str) -> None:
    """Raise :class:`DataError` naming the first missing column and the argument that sets it."""
    have = [str(c) for c in df.columns]
    for arg, col in columns.items():
        if col is not None and col not in df.columns:
            raise DataError(
                f"{source}: column {col!r} not found (columns: {', '.join(have)}); "
                f"pass {arg}=<column name>"
            )


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0])


def _ids(df: pd.DataFrame, col: str, what: str, source: str, offset: int) -> np.ndarray:
    s = df[col]
    null = s.isna().to_numpy()
    if not pd.api.types.is_numeric_dtype(s):
        null = null | s.astype(str).str.strip().eq("").fillna(False).to_numpy(dtype=bool)
    if null.any():
        row = _first_bad(null)
        raise DataError(f"{source} line {row + offset}: empty {what} id in column {col!r}")
    return as_id_array(s.to_numpy())


def _numeric(df: pd.DataFrame, col: str, source: str, offset: int) -> np.ndarray:
    s = df[col]
    num = pd.to_numeric(s, errors="coerce")
    bad = num.isna().to_numpy()
    if bad.any():
        row = _first_bad(bad)
        raise DataError(
            f"{source} line {row + offset}: column {col!r} value {s.iloc[row]!r} is not a "
            "number; fix or remove the line"
        )
    out = num.to_numpy(dtype=np.float64)
    if not np.all(np.isfinite(out)):
        row = _first_bad(~np.isfinite(out))
        raise DataError(f"{source} line {row + offset}: column {col!r} is not finite")
    return out


def _timestamps(df: pd.DataFrame, col: str, source: str, offset: int) -> np.ndarray:
    s = df[col]
    if pd.api.types.is_datetime64_any_dtype(s):
        ts = s
    elif pd.api.types.is_numeric_dtype(s):
        return _numeric(df, col, source, offset).astype(np.int64)
    else:
        num = pd.to_numeric(s, errors="coerce")
        if num.notna().all():
            return num.to_numpy(dtype=np.float64).astype(np.int64)
        ts = pd.to_datetime(s, errors="coerce", utc=True, format="ISO8601")
    bad = ts.isna().to_numpy()
    if bad.any():
        row = _first_bad(bad)
        raise DataError(
            f"{source} line {row + offset}: column {col!r} value {s.iloc[row]!r} is not a "
            "timestamp (use unix seconds or ISO 8601)"
        )
    if ts.dt.tz is None:
        ts = ts.dt.tz_localize("UTC")
    return (ts.astype("datetime64[s, UTC]").astype("int64")).to_numpy()


def _table(
    df: pd.DataFrame | None, id_col: str, what: str, source: str
) -> tuple[np.ndarray | None, pd.DataFrame | None]:
    if df is None:
        return None, None
    require_columns(df, {f"{what}_id": id_col}, f"{source} ({what} table)")
    ids = _ids(df, id_col, what, f"{source} ({what} table)", 1)
    dup = pd.Index(ids).duplicated()
    if dup.any():
        row = _first_bad(dup)
        raise DataError(
            f"{what} table of {source}, row {row + 1}: duplicate {what} id {ids[row].item()!r}; "
            "each id may appear once"
        )
    return ids, df.drop(columns=[id_col]).reset_index(drop=True)


def _vocab(event_ids: np.ndarray, table_ids: np.ndarray | None, name: str) -> IdMap:
    """Table order first, then ids seen only in events (sorted)."""
    if table_ids is None:
        return IdMap(np.sort(pd.unique(event_ids)), name=name)
    if table_ids.dtype.kind != event_ids.dtype.kind:
        table_ids = as_id_array(table_ids.astype(str))
        event_ids = as_id_array(event_ids.astype(str))
    extra = pd.Index(pd.unique(event_ids)).difference(pd.Index(table_ids))
    return IdMap(np.concatenate([table_ids, np.sort(extra.to_numpy())]), name=name)


def _align(features: pd.DataFrame, table_ids: np.ndarray, vocab: IdMap) -> pd.DataFrame:
    """Rows of ``features`` (keyed by ``table_ids``) reordered to the vocabulary; gaps are NA."""
    pos = pd.Index(as_id_array(table_ids)).get_indexer(vocab.ids)
    out = features.reindex(np.where(pos >= 0, pos, len(features))).reset_index(drop=True)
    return out


def build_dataset(
    events: pd.DataFrame,
    *,
    user: str,
    item: str,
    value: str | None,
    timestamp: str | None,
    items: pd.DataFrame | None,
    item_id: str,
    item_text: str | None,
    users: pd.DataFrame | None,
    user_id: str,
    name: str,
    scenario: str,
    feedback: Feedback,
    time_kind: TimeKind,
    aggregate: Aggregate,
    source: str,
    line_offset: int,
) -> Dataset:
    """See :meth:`Dataset.from_events`."""
    if not isinstance(events, pd.DataFrame):
        raise DataError(f"{source}: events must be a pandas DataFrame, got {type(events).__name__}")
    require_columns(
        events, {"user": user, "item": item, "value": value, "timestamp": timestamp}, source
    )
    if len(events) == 0:
        raise DataError(f"{source}: no interactions (empty file or everything filtered out)")
    if aggregate not in ("last", "sum", "max"):
        raise DataError(f"aggregate must be 'last', 'sum' or 'max', not {aggregate!r}")
    u_ext = _ids(events, user, "user", source, line_offset)
    i_ext = _ids(events, item, "item", source, line_offset)
    vals = (
        np.ones(len(events), np.float32)
        if value is None
        else _numeric(events, value, source, line_offset).astype(np.float32)
    )
    ts = None if timestamp is None else _timestamps(events, timestamp, source, line_offset)

    item_ids, item_table = _table(items, item_id, "item", source)
    if item_table is not None and item_text is not None:
        require_columns(item_table, {"item_text": item_text}, f"{source} (item table)")
    user_ids, user_table = _table(users, user_id, "user", source)
    umap = _vocab(u_ext, user_ids, "user")
    imap = _vocab(i_ext, item_ids, "item")

    text = None
    item_features = None
    if item_table is not None and item_ids is not None:
        aligned = _align(item_table, item_ids, imap)
        if item_text is not None:
            text = aligned.pop(item_text).fillna("").astype(str).to_numpy()
        item_features = aligned if len(aligned.columns) else None
    user_features = None
    if user_table is not None and user_ids is not None and len(user_table.columns):
        user_features = _align(user_table, user_ids, umap)

    return Dataset(
        users=umap,
        items=imap,
        user=umap.index(u_ext).astype(np.int32),
        item=imap.index(i_ext).astype(np.int32),
        value=vals,
        timestamp=ts,
        name=name,
        scenario=scenario,
        feedback=feedback,
        time_kind=time_kind if ts is not None else None,
        aggregate=aggregate,
        item_text=text,
        user_features=user_features,
        item_features=item_features,
    )
