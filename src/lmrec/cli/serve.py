# SPDX-License-Identifier: MIT
"""``lmrec serve --config serve.yaml``: run the recommendation service under uvicorn."""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

import typer

from lmrec.errors import ConfigError

_SINGLE_THREAD = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def serve(
    config: Path = typer.Option(..., "--config", "-c", help="Service YAML (see examples/)."),
    host: str | None = typer.Option(None, "--host", help="Override the bind address."),
    port: int | None = typer.Option(None, "--port", "-p", help="Override the port."),
    log_level: str = typer.Option("info", "--log-level", help="debug | info | warning."),
    workers: int | None = typer.Option(
        None, "--workers", "-w", min=1, help="Override the number of worker processes."
    ),
) -> None:
    """Serve a registry model over HTTP (JSON logs on stderr).

    BLAS and torch run single-threaded: with one worker process per core that is the fast
    setting (multi-threaded BLAS under concurrent requests cut throughput 20x in a
    measurement). SIGTERM/Ctrl-C finish requests in flight and commit every queued event
    before exiting.
    """
    for var in _SINGLE_THREAD:  # before numpy, scipy or torch are imported
        os.environ[var] = "1"
    import uvicorn
    from threadpoolctl import threadpool_limits

    from lmrec.serve import ModelRegistry, ServeConfig, create_app
    from lmrec.serve._observe import json_logging

    cfg = ServeConfig.from_yaml(config)
    cfg.keys(), cfg.keys(admin=True)  # fail fast, before anything is loaded or created
    ModelRegistry(cfg.registry).resolve(cfg.model, cfg.version)
    if host is not None:
        cfg.host = host
    if port is not None:
        cfg.port = port
    if workers is not None:
        cfg = ServeConfig.model_validate({**cfg.model_dump(), "workers": workers})
    json_logging(getattr(logging, log_level.upper(), logging.INFO))
    threadpool_limits(1)
    logging.getLogger("lmrec.serve").info(
        "starting",
        extra={"host": cfg.host, "port": cfg.port, "model": cfg.model, "workers": cfg.workers},
    )
    common: dict[str, Any] = {
        "host": cfg.host,
        "port": cfg.port,
        # asyncio, not uvloop: at saturation (64 connections) uvloop left a few requests
        # waiting ~1 s (max latency 0.56–0.99 s vs 42–57 ms with asyncio, same req/s). The HTTP
        # parser is httptools (the serve extra installs it) with TCP_NODELAY forced.
        "loop": "asyncio",
        "http": "lmrec.serve._protocol:NoDelayProtocol",
        "log_config": None,
        "access_log": False,
        "timeout_graceful_shutdown": 30,
    }
    if cfg.workers == 1:
        uvicorn.run(create_app(cfg), workers=1, **common)
        return
    if cfg.port == 0:
        raise ConfigError("workers > 1 need a fixed port (each worker binds it with SO_REUSEPORT)")
    # worker processes build their app from the environment; metrics are summed across them
    from lmrec.serve.app import CONFIG_ENV

    with tempfile.TemporaryDirectory(prefix="lmrec-metrics-") as metrics_dir:
        os.environ.update(
            {
                CONFIG_ENV: cfg.model_dump_json(),
                "LMREC_SERVE_LOG_LEVEL": log_level,
                "PROMETHEUS_MULTIPROC_DIR": metrics_dir,
            }
        )
        _supervise(cfg.workers, common)


def _supervise(n: int, common: dict[str, Any]) -> None:
    """Run ``n`` worker processes until SIGTERM/SIGINT, restarting any that dies.

    Each worker binds its own socket to the port with ``SO_REUSEPORT``, so the kernel spreads
    connections evenly (with one shared socket, whichever worker woke first accepted a burst
    of connections, and 16 keep-alive connections could all land on one worker).
    """
    import multiprocessing
    import signal
    import time

    from prometheus_client import multiprocess

    log = logging.getLogger("lmrec.serve")
    ctx = multiprocessing.get_context("spawn")
    stopping = threading.Event()

    def spawn() -> Any:
        proc = ctx.Process(target=_worker, args=(common,), name="lmrec-serve-worker")
        proc.start()
        return proc

    def stop(signum: int, _frame: Any) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    procs = [spawn() for _ in range(n)]
    while not stopping.wait(0.2):
        for i, proc in enumerate(procs):
            if not proc.is_alive() and not stopping.is_set():
                log.warning("worker exited; restarting", extra={"exitcode": proc.exitcode})
                multiprocess.mark_process_dead(proc.pid)  # drop its live gauges
                procs[i] = spawn()
    for proc in procs:  # graceful: each finishes its requests and commits its events
        if proc.is_alive():
            os.kill(proc.pid, signal.SIGTERM)
    deadline = time.monotonic() + 60
    for proc in procs:
        proc.join(max(0.0, deadline - time.monotonic()))
        if proc.is_alive():
            proc.kill()


def _worker(common: dict[str, Any]) -> None:
    """One worker process: its own ``SO_REUSEPORT`` socket and the app from the environment."""
    import socket

    import uvicorn

    host, port = common["host"], common["port"]
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(2048)
    options = {k: v for k, v in common.items() if k not in ("host", "port")}
    config = uvicorn.Config("lmrec.serve.app:app_from_env", factory=True, **options)
    uvicorn.Server(config).run(sockets=[sock])
