# SPDX-License-Identifier: MIT
"""Shared file helpers for the loaders: locating data, fast parsing, precise parse errors.

Fast path: the pandas C parser with fixed column types. Only when that fails (or the field
count does not add up) a slow pass walks the file line by line to name the first bad line.
"""

from __future__ import annotations

import gzip
import io
import re
import warnings
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from lmrec.config import settings
from lmrec.errors import DataError

#: Column kinds understood by :func:`read_table`.
INT, FLOAT, STR = "int", "float", "str"
_DTYPES = {INT: "int64", FLOAT: "float64", STR: "str"}
_INT_RE = re.compile(r"\s*[+-]?\d+\s*")


def data_home(override: str | Path | None = None) -> Path:
    """The folder that holds one sub-folder per data set.

    Args:
        override: use this folder instead of ``settings().data_home`` (``LMREC_DATA_HOME``).
    """
    home = settings().data_home if override is None else override
    return Path(home).expanduser()


def dataset_dir(name: str, home: str | Path | None = None) -> Path:
    """``data_home()/name``, or a :class:`DataError` naming the path and the fix."""
    root = data_home(home)
    folder = root / name
    if not folder.is_dir():
        raise DataError(
            f"data set folder {folder} not found; set LMREC_DATA_HOME (or pass data_home=) "
            f"to the folder that holds {name}/"
        )
    return folder


def require_file(folder: Path, filename: str) -> Path:
    """``folder/filename``, or a :class:`DataError` if it is missing."""
    path = folder / filename
    if not path.is_file():
        raise DataError(
            f"{path} not found; the {folder.name}/ folder is incomplete: copy {filename} into it "
            f"or set LMREC_DATA_HOME to the folder that holds a complete {folder.name}/"
        )
    return path


def read_bytes(path: Path) -> bytes:
    """File contents; ``.gz`` files are decompressed."""
    try:
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as f:
                return f.read()
        return path.read_bytes()
    except FileNotFoundError:
        raise DataError(f"{path} not found; check the path") from None
    except (OSError, EOFError) as exc:
        raise DataError(f"{path}: cannot read the file ({exc}); re-copy it") from None


def read_table(
    path: Path,
    columns: Mapping[str, str],
    *,
    sep: str,
    header: bool = False,
    encoding: str = "utf-8",
) -> pd.DataFrame:
    """Read a delimited file without quoting into typed columns.

    Args:
        path: the file (``.gz`` is decompressed).
        columns: column name -> kind (:data:`INT`, :data:`FLOAT` or :data:`STR`), in file order.
        sep: field separator; a multi-character one (``"::"``) is replaced by a tab first.
        header: the first line is a header row (skipped, but its field count is checked).
        encoding: text encoding of the file.

    Raises:
        DataError: naming the file and the first bad line (field count, id, number, encoding).
    """
    data = read_bytes(path)
    if not data.strip():
        raise DataError(f"{path}: empty file; re-copy it")
    raw_sep = sep.encode()
    fast_sep = raw_sep
    if len(sep) > 1:
        data, fast_sep = data.replace(raw_sep, b"\t"), b"\t"
    try:
        df = _fast_parse(data, columns, fast_sep.decode(), header, encoding)
    except (ValueError, pd.errors.ParserError) as exc:
        raise _diagnose(data, path, columns, sep, fast_sep, header, encoding) or DataError(
            f"{path}: cannot parse ({_one_line(exc)}); check the file format"
        ) from None
    expected = (len(columns) - 1) * (len(df) + int(header))
    if data.count(fast_sep) != expected:
        err = _diagnose(data, path, columns, sep, fast_sep, header, encoding)
        if err is not None:
            raise err
    return df


def check_unique(df: pd.DataFrame, col: str, path: Path, *, header: bool) -> pd.DataFrame:
    """``df`` unchanged, or a :class:`DataError` naming the line of the first repeated id."""
    dup = df[col].duplicated().to_numpy()
    if dup.any():
        row = int(dup.argmax())
        value = df[col].iloc[row]
        value = value.item() if hasattr(value, "item") else value
        first = int((df[col] == value).to_numpy().argmax()) + 1 + int(header)
        raise DataError(
            f"{path} line {row + 1 + int(header)}: duplicate id {value!r} (first on line {first}); "
            "each id may appear once: remove or renumber one of them"
        )
    return df


def _fast_parse(
    data: bytes, columns: Mapping[str, str], sep: str, header: bool, encoding: str
) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", pd.errors.ParserWarning)
        return pd.read_csv(
            io.BytesIO(data),
            sep=sep,
            header=None,
            names=list(columns),
            dtype={c: _DTYPES[k] for c, k in columns.items()},
            skiprows=1 if header else 0,
            encoding=encoding,
            engine="c",
            quoting=3,  # csv.QUOTE_NONE
            na_filter=False,
            index_col=False,
        )


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _diagnose(
    data: bytes,
    path: Path,
    columns: Mapping[str, str],
    sep: str,
    fast_sep: bytes,
    header: bool,
    encoding: str,
) -> DataError | None:
    """Slow pass: the first line with a wrong field count, id, number or encoding, or None."""
    kinds = list(columns.items())
    for lineno, raw in enumerate(data.split(b"\n"), start=1):
        line = raw.rstrip(b"\r")
        if not line.strip():
            continue
        try:
            text = line.decode(encoding)
        except UnicodeDecodeError:
            return DataError(
                f"{path} line {lineno}: not valid {encoding} text; re-save the file as {encoding}"
            )
        fields = text.split(fast_sep.decode())
        if len(fields) != len(kinds):
            return DataError(
                f"{path} line {lineno}: expected {len(kinds)} {sep!r}-separated fields, "
                f"got {len(fields)}; fix or remove the line"
            )
        if header and lineno == 1:
            continue
        problem = _bad_field(fields, kinds)
        if problem:
            return DataError(f"{path} line {lineno}: {problem}; fix or remove the line")
    return None


def _bad_field(fields: list[str], kinds: list[tuple[str, str]]) -> str | None:
    for value, (name, kind) in zip(fields, kinds, strict=True):
        if kind == INT and not _INT_RE.fullmatch(value):
            return f"column {name!r} value {value!r} is not an integer"
        if kind == FLOAT and not _is_number(value):
            return f"column {name!r} value {value!r} is not a number"
    return None


def _is_number(value: str) -> bool:
    try:
        number = float(value)
    except ValueError:
        return False
    return number == number and abs(number) != float("inf")
