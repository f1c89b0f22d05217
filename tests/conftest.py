# SPDX-License-Identifier: MIT
"""Shared fixtures: the real data folder (integration tests skip without it)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest


def _real_home(name: str) -> Path:
    home = os.environ.get("LMREC_DATA_HOME")
    if not home or not (Path(home) / name).is_dir():
        pytest.skip(f"LMREC_DATA_HOME not set or {name}/ missing (point it at ../shared/datasets)")
    return Path(home)


@pytest.fixture(scope="session")
def real_home() -> Callable[[str], Path]:
    """``real_home("ml-1m")``: the real data home holding ``ml-1m/``, or skip the test."""
    return _real_home
