# SPDX-License-Identifier: MIT
"""Crash test: a real ``lmrec serve`` on 127.0.0.1 is SIGKILLed and restarted while clients post
events in batches; every event that got a 2xx must be in the database exactly once."""

from __future__ import annotations

import os
import random
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

from serve import ADMIN, KEY

N_EVENTS = 10_000
BATCH = 20
KILLS = 4
BUDGET_S = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class _Server:
    def __init__(self, config: Path, port: int, log: Path) -> None:
        self.args = [sys.executable, "-m", "lmrec", "serve", "--config", str(config)]
        self.args += ["--port", str(port), "--log-level", "warning"]
        self.url = f"http://127.0.0.1:{port}"
        self.log = log
        self.env = {**os.environ, "LMREC_SERVE_KEY": KEY, "LMREC_ADMIN_KEY": ADMIN}
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, deadline: float) -> None:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(self.args, env=self.env, stdout=log, stderr=log)
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"server exited: {self.log.read_text()[-2000:]}")
            try:
                if httpx.get(f"{self.url}/ready", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise AssertionError("server not ready in time")

    def signal(self, sig: int) -> int:
        assert self.proc is not None
        self.proc.send_signal(sig)
        return self.proc.wait(timeout=30)


def _client(url: str, ids: list[str], acked: set[str], lock: threading.Lock, end: float) -> None:
    pending = [ids[i : i + BATCH] for i in range(0, len(ids), BATCH)]
    with httpx.Client(base_url=url, timeout=3, headers={"X-API-Key": KEY}) as http:
        while pending and time.monotonic() < end:
            batch = pending[0]
            body = {"events": [{"event_id": e, "user": f"u{e[-1]}", "item": 1} for e in batch]}
            try:
                r = http.post("/feedback", json=body)
            except httpx.HTTPError:
                time.sleep(0.05)  # server down: resend the same batch later
                continue
            if r.status_code == 200:
                with lock:
                    acked.update(batch)
                pending.pop(0)


def test_no_acknowledged_event_is_lost_across_sigkill(tmp_path: Path, registry_root: Path) -> None:
    db = tmp_path / "events.db"
    config = tmp_path / "serve.yaml"
    config.write_text(f"registry: {registry_root}\nmodel: als\nversion: v1\nevents_db: {db}\n")
    server = _Server(config, _free_port(), tmp_path / "server.log")
    end = time.monotonic() + BUDGET_S
    acked: set[str] = set()
    lock = threading.Lock()
    ids = [f"ev{i:05d}" for i in range(N_EVENTS)]
    clients = [
        threading.Thread(target=_client, args=(server.url, ids[w::2], acked, lock, end))
        for w in range(2)
    ]
    rng = random.Random(7)
    try:
        server.start(end)
        for t in clients:
            t.start()
        while not acked and time.monotonic() < end:  # traffic is flowing before the first kill
            time.sleep(0.01)
        at_kill = []
        for _ in range(KILLS):
            time.sleep(rng.uniform(0.1, 0.5))
            at_kill.append(len(acked))
            assert server.signal(signal.SIGKILL) == -signal.SIGKILL
            server.start(end)
        for t in clients:
            t.join(timeout=max(1.0, end - time.monotonic()))
        # graceful: in-flight requests finish, queued events are committed, then uvicorn exits
        # (re-raising SIGTERM after its shutdown, so the code may be -15)
        assert server.signal(signal.SIGTERM) in (0, -signal.SIGTERM)
    finally:
        if server.proc is not None and server.proc.poll() is None:
            server.proc.kill()
    assert 0 < at_kill[0] < N_EVENTS  # the first kill hit the server mid-stream
    assert acked == set(ids), f"only {len(acked)} of {N_EVENTS} acknowledged within the budget"
    with sqlite3.connect(db) as conn:
        stored = [r[0] for r in conn.execute("SELECT event_id FROM events")]
    assert len(stored) == len(set(stored))  # resends were not duplicated
    assert acked <= set(stored)  # 0 acknowledged events lost
