# SPDX-License-Identifier: MIT
"""``lmrec serve`` with two worker processes: a version activated through one worker is
adopted by the other, feedback and added items are shared, metrics are summed."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from lmrec.serve import ServeConfig
from lmrec.serve.schemas import NewItem
from lmrec.serve.service import Service
from serve import ADMIN, KEY


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _until(check: object, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


def _versions(url: str, n: int = 30) -> set[str]:
    """Versions answering ``n`` requests, each on a fresh connection (any worker may accept)."""
    seen = set()
    for _ in range(n):
        with httpx.Client(base_url=url, timeout=5) as c:
            seen.add(c.post("/recommend", json={"user": 1, "k": 3}).json()["version"])
    return seen


@pytest.fixture
def two_workers(
    tmp_path: Path, registry_root: Path
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    port = _free_port()
    cfg = tmp_path / "serve.yaml"
    reg = tmp_path / "registry"
    subprocess.run(["cp", "-r", str(registry_root), str(reg)], check=True)
    cfg.write_text(
        f"registry: {reg}\nmodel: als\nversion: v1\nevents_db: {tmp_path / 'e.db'}\n"
        f"port: {port}\nworkers: 2\nsync_s: 0.2\n"
    )
    env = {**os.environ, "LMREC_SERVE_KEY": KEY, "LMREC_ADMIN_KEY": ADMIN}
    log = open(tmp_path / "server.log", "wb")  # noqa: SIM115
    args = [sys.executable, "-m", "lmrec", "serve", "--config", str(cfg), "--log-level", "warning"]
    proc = subprocess.Popen(args, env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"

    def ready() -> bool:
        assert proc.poll() is None, (tmp_path / "server.log").read_text()[-2000:]
        try:
            return httpx.get(f"{url}/ready", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    assert _until(ready, 60), "server not ready"
    yield url, proc
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
    log.close()


def test_workers_follow_activation_and_share_feedback(
    two_workers: tuple[str, subprocess.Popen[bytes]],
) -> None:
    url, _ = two_workers
    assert _versions(url) == {"v1"}
    r = httpx.post(f"{url}/admin/models/v2/activate", headers={"X-API-Key": ADMIN}, timeout=30)
    assert r.status_code == 200
    # the worker that answered swapped at once, the other within sync_s (0.2 s)
    assert _until(lambda: _versions(url, 10) == {"v2"}, 10)
    assert _versions(url) == {"v2"}
    ev = {"events": [{"event_id": "w1", "user": "newbie", "item": 3}]}
    assert httpx.post(f"{url}/feedback", json=ev, headers={"X-API-Key": KEY}).status_code == 200
    for _ in range(10):  # whichever worker answers reads the shared event store
        with httpx.Client(base_url=url) as c:
            body = c.post("/recommend", json={"user": "newbie", "k": 3}).json()
        assert body["source"] == "feedback"
    text = httpx.get(f"{url}/metrics").text
    served = sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith('lmrec_requests_total{route="/recommend"')
    )
    assert served >= 30 + 30 + 10  # both workers' requests are counted


def test_sync_adopts_items_and_versions_of_another_worker(
    make_config: Callable[..., ServeConfig],
) -> None:
    """Two in-process services over one registry and event store stand in for two workers."""
    cfg = make_config("content", workers=2, sync_s=60)  # sync() is called by hand here
    one, two = Service(cfg), Service(cfg)
    one.start()
    two.start()
    try:
        one.add_items([NewItem(id=90001, text="a brand new item about trains")])
        assert 90001 not in two.current().model.items_
        two.sync()
        assert 90001 in two.current().model.items_
        two.sync()  # nothing new: the same model object stays
        model = two.current().model
        two.sync()
        assert two.current().model is model
    finally:
        one.stop()
        two.stop()


def test_explore_needs_one_worker(make_config: Callable[..., ServeConfig]) -> None:
    with pytest.raises(ValueError, match="explore needs workers: 1"):
        make_config(workers=2, explore={"slots": 1})
