# SPDX-License-Identifier: MIT
"""Shared fixtures: the real data folder (integration tests skip without it) and an
interrupted training run."""

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


@pytest.fixture
def interrupt_after_checkpoints(monkeypatch: pytest.MonkeyPatch) -> Callable[[int], None]:
    """``interrupt_after_checkpoints(n)``: the next sequential fit raises KeyboardInterrupt
    right after writing its ``n``-th epoch checkpoint (as a killed process would stop)."""
    import lmrec.models.sequential.model as seq

    real = seq.save_checkpoint

    def arm(n: int) -> None:
        count = 0

        def save(*args: object, **kwargs: object) -> None:
            nonlocal count
            real(*args, **kwargs)  # type: ignore[arg-type]
            count += 1
            if count == n:
                monkeypatch.setattr(seq, "save_checkpoint", real)
                raise KeyboardInterrupt

        monkeypatch.setattr(seq, "save_checkpoint", save)

    return arm
