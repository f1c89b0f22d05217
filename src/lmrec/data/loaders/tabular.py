# SPDX-License-Identifier: MIT
"""A generic loader for any CSV / TSV / Parquet interaction file with a column mapping."""

from __future__ import annotations

import bz2
import csv
import gzip
import lzma
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from lmrec.data._dataset import Aggregate, Dataset, Feedback
from lmrec.data.loaders._files import check_unique
from lmrec.errors import DataError

_SEPS = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": "\t"}
_PARQUET = {".parquet", ".pq"}
_OPENERS: dict[str, Callable[..., IO[Any]]] = {
    ".gz": gzip.open,
    ".bz2": bz2.open,
    ".xz": lzma.open,
    "": open,
}
_CANONICAL_INT = r"-?(?:0|[1-9]\d{0,17})"
_TEXT = "__lmrec_text__"


def load_csv(
    path: str | Path,
    *,
    user: str = "user",
    item: str = "item",
    rating: str | None = None,
    timestamp: str | None = None,
    sep: str | None = None,
    items: str | Path | None = None,
    item_id: str | None = None,
    item_text: str | Sequence[str] | None = None,
    name: str | None = None,
    scenario: str = "default",
    feedback: Feedback | None = None,
    aggregate: Aggregate = "last",
) -> Dataset:
    """Load interactions from a CSV / TSV / Parquet file (with a header row) into a Dataset.

    The format follows the suffix: ``.csv``; ``.tsv``, ``.tab``, ``.txt`` (tab-separated);
    ``.parquet``, ``.pq``; text files may be ``.gz``/``.bz2``/``.xz`` compressed. Ids that are
    all plain integers become integers; other ids (``"007"``, ``"B00X"``) stay strings.

    Args:
        path: the interaction file.
        user, item: id columns.
        rating: rating/weight column; every event counts 1 when None.
        timestamp: unix seconds or date-time (ISO 8601) column; None when absent.
        sep: field separator of text files, overriding the suffix (applies to ``items`` too).
        items: optional item file in one of the same formats; its other columns become
            item features.
        item_id: id column of the item file (default: ``item``).
        item_text: column of the item file holding item text, or a list of columns joined
            with ``". "``.
        name: data set name (default: the file name without suffix).
        scenario: domain tag.
        feedback: ``"explicit"`` (ratings) or ``"implicit"``; default explicit iff ``rating``.
        aggregate: how repeated (user, item) pairs combine: ``"last"``, ``"sum"`` or ``"max"``.

    Raises:
        DataError: missing file or column, unparsable or empty file, bad row (with its line),
            or a duplicate id in the item file.
    """
    path = Path(path).expanduser()
    events = _read(path, sep, [user, item])
    item_table, text_col = None, None
    if items is not None:
        item_table, text_col = _item_table(
            Path(items).expanduser(), sep, item_id or item, item_text
        )
    parquet = _fmt(path, sep) is None
    return Dataset.from_events(
        events,
        user=user,
        item=item,
        value=rating,
        timestamp=timestamp,
        items=item_table,
        item_id=item_id or item,
        item_text=text_col,
        name=name or _stem(path),
        scenario=scenario,
        feedback=feedback,
        time_kind="unix",
        aggregate=aggregate,
        source=str(path),
        line_offset=1 if parquet else 2,
    )


# ---------------------------------------------------------------------------------- reading
def _stem(path: Path) -> str:
    name = path.name
    while Path(name).suffix:
        name = Path(name).stem
    return name


def _suffix(path: Path) -> tuple[str, str]:
    """(format suffix, compression suffix), lower case."""
    suffixes = [s.lower() for s in path.suffixes]
    comp = suffixes.pop() if suffixes and suffixes[-1] in _OPENERS else ""
    return (suffixes[-1] if suffixes else ""), comp


def _fmt(path: Path, sep: str | None) -> str | None:
    """The field separator, or None for Parquet."""
    suffix, _ = _suffix(path)
    if suffix in _PARQUET:
        return None
    if sep is not None:
        return sep
    if suffix not in _SEPS:
        raise DataError(
            f"{path}: unknown file type {suffix or '(no suffix)'!r}; use .csv, .tsv or .parquet, "
            "or pass sep=<separator>"
        )
    return _SEPS[suffix]


def _read(path: Path, sep: str | None, id_cols: list[str]) -> pd.DataFrame:
    """Read a file (header row) with id columns as canonical ints or strings."""
    if not path.is_file():
        raise DataError(f"{path} not found; check the path")
    fmt = _fmt(path, sep)
    df = _read_parquet(path) if fmt is None else _read_text(path, fmt, id_cols)
    if fmt is not None and len(df):
        _check_short_rows(df, path, fmt, id_cols)
    for col in id_cols:
        if col in df.columns:
            df[col] = _int_ids(df[col])
    return df


def _read_parquet(path: Path) -> pd.DataFrame:
    try:
        return pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises several unrelated types
        raise DataError(
            f"{path}: not a readable Parquet file ({_one_line(exc)}); re-export it"
        ) from None


def _read_text(path: Path, sep: str, id_cols: list[str]) -> pd.DataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(
                path,
                sep=sep,
                dtype=dict.fromkeys(id_cols, "str"),
                keep_default_na=False,
                na_values=[""],
                index_col=False,
                engine="c" if len(sep) == 1 else "python",
            )
    except pd.errors.EmptyDataError:
        raise DataError(
            f"{path}: empty file; write a header row and one line per interaction"
        ) from None
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: not UTF-8 text ({exc.reason}); re-save it as UTF-8") from None
    except (ValueError, pd.errors.ParserError, pd.errors.ParserWarning) as exc:
        raise _field_count_error(path, sep) or DataError(
            f"{path}: cannot parse ({_one_line(exc)}); check sep= and the quoting"
        ) from None


def _check_short_rows(df: pd.DataFrame, path: Path, sep: str, id_cols: list[str]) -> None:
    """A row with too few fields reads as NA in the last columns: name its line."""
    last = df.columns[-1]
    if df[last].isna().any() or df[[c for c in id_cols if c in df.columns]].isna().any(axis=None):
        err = _field_count_error(path, sep)
        if err is not None:
            raise err


def _field_count_error(path: Path, sep: str) -> DataError | None:
    """Slow pass: the first line whose field count differs from the header's, or None."""
    _, comp = _suffix(path)
    if len(sep) != 1:
        return None
    with _OPENERS[comp](path, "rt", encoding="utf-8", newline="", errors="replace") as f:
        reader = csv.reader(f, delimiter=sep)
        width = None
        for row in reader:
            if not row:
                continue
            if width is None:
                width = len(row)
            elif len(row) != width:
                return DataError(
                    f"{path} line {reader.line_num}: expected {width} {sep!r}-separated fields "
                    f"(as in the header), got {len(row)}; fix or remove the line"
                )
    return None


def _int_ids(s: pd.Series) -> pd.Series:
    """Ids that are all plain integers (no leading zeros) as int64; otherwise unchanged."""
    if s.dtype.kind in "iu" or s.isna().any():
        return s
    if s.dtype.kind == "f":
        return s.astype(np.int64) if bool((s == s.round()).all()) else s
    text = s.astype("str")
    if text.str.fullmatch(_CANONICAL_INT).all():
        return text.astype(np.int64)
    return s


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


# ---------------------------------------------------------------------------------- item file
def _item_table(
    path: Path, sep: str | None, id_col: str, text: str | Sequence[str] | None
) -> tuple[pd.DataFrame, str | None]:
    """The item file with its text columns joined into one column; checks columns and ids."""
    df = _read(path, sep, [id_col])
    line0 = 1 if _fmt(path, sep) is None else 2
    text_cols = [text] if isinstance(text, str) else list(text or [])
    for arg, col in [("item_id", id_col), *(("item_text", c) for c in text_cols)]:
        if col not in df.columns:
            raise DataError(
                f"{path}: column {col!r} not found (columns: {', '.join(map(str, df.columns))}); "
                f"pass {arg}=<column name>"
            )
    if df.empty:
        raise DataError(f"{path}: no items after the header; add one line per item")
    _check_ids(df[id_col], path, line0)
    check_unique(df, id_col, path, header=line0 == 2)
    if not text_cols:
        return df, None
    joined = _join([df[c].astype("str").str.strip().fillna("") for c in text_cols])
    df = df.drop(columns=text_cols)
    df[_TEXT] = joined
    return df, _TEXT


def _join(parts: list[pd.Series]) -> pd.Series:
    """Row-wise ``". "``-join of the non-empty parts."""
    out = parts[0]
    for p in parts[1:]:
        out = (out + ". " + p).where((out != "") & (p != ""), out + p)
    return out


def _check_ids(ids: pd.Series, path: Path, line0: int) -> None:
    empty = ids.isna().to_numpy()
    if empty.any():
        row = int(empty.argmax())
        raise DataError(
            f"{path} line {row + line0}: empty item id in column {ids.name!r}; "
            "fill it in or remove the line"
        )
