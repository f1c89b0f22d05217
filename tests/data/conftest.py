# SPDX-License-Identifier: MIT
"""Fixtures of the loader tests: tiny file writers (``real_home`` is in tests/conftest.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest


@pytest.fixture
def write(tmp_path: Path) -> Callable[..., Path]:
    """``write("ml-1m/users.dat", text, encoding=...)``: write a file under ``tmp_path``."""

    def _write(relative: str, text: str | bytes, encoding: str = "utf-8") -> Path:
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text if isinstance(text, bytes) else text.encode(encoding))
        return path

    return _write
