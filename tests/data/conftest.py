# SPDX-License-Identifier: MIT
"""Fixtures of the loader tests: the real data folder (or a skip) and tiny file writers."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest


def _real_home(name: str) -> Path:
    home = os.environ.get("LMREC_DATA_HOME")
    if not home or not (Path(home) / name).is_dir():
        pytest.skip(f"LMREC_DATA_HOME not set or {name}/ missing")
    return Path(home)


@pytest.fixture(scope="session")
def real_home() -> Callable[[str], Path]:
    """``real_home("ml-1m")``: the real data home holding ``ml-1m/``, or skip the test."""
    return _real_home


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """``write("ml-1m/users.dat", text, encoding=...)``: write a file under ``tmp_path``."""

    def _write(relative: str, text: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
        return path

    return _write
