# SPDX-License-Identifier: MIT
"""``lmrec serve`` refuses to start, with one line and exit code 3, when it cannot serve."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from serve import ADMIN, KEY


@pytest.mark.parametrize(
    ("keys", "needle"),
    [
        (True, "no published versions of model 'm'"),
        (False, "no write API key: set the environment variable(s) ['LMREC_SERVE_KEY']"),
    ],
)
def test_serve_refuses_to_start(tmp_path: Path, keys: bool, needle: str) -> None:
    cfg = tmp_path / "serve.yaml"
    cfg.write_text("registry: reg\nmodel: m\nevents_db: var/events.db\n")
    env = {k: v for k, v in os.environ.items() if not k.startswith("LMREC_")}
    if keys:
        env.update(LMREC_SERVE_KEY=KEY, LMREC_ADMIN_KEY=ADMIN)
    r = subprocess.run(
        [sys.executable, "-m", "lmrec", "serve", "--config", str(cfg)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 3
    assert r.stderr.strip().startswith("error: ") and needle in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "var").exists()  # nothing created
