# SPDX-License-Identifier: MIT
"""Structured JSON logs and Prometheus metrics for the service (no secrets in either)."""

from __future__ import annotations

import json
import logging
import sys
import time
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from lmrec.serve.security import ASGIApp, Message, Receive, Scope, Send

_log = logging.getLogger("lmrec.serve.access")
_STD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None)))
_STD |= {"message", "asctime", "color_message"}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and any ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        out.update({k: v for k, v in vars(record).items() if k not in _STD})
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


def json_logging(level: int = logging.INFO) -> None:
    """Send lmrec and uvicorn logs to stderr as JSON lines."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    for name in ("lmrec", "uvicorn", "uvicorn.error"):
        lg = logging.getLogger(name)
        lg.handlers = [handler]
        lg.setLevel(level)
        lg.propagate = False


class Metrics:
    """The service's Prometheus metrics in their own registry (one per app)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "lmrec_requests", "HTTP requests", ["route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "lmrec_request_seconds",
            "request latency",
            ["route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
            registry=self.registry,
        )
        self.events = Counter(
            "lmrec_feedback_events", "feedback events", ["outcome"], registry=self.registry
        )
        self.model = Gauge(
            "lmrec_model_info",
            "active model (1); per worker process when there are several",
            ["name", "version"],
            registry=self.registry,
            multiprocess_mode="liveall",
        )

    def set_model(self, name: str, version: str) -> None:
        """Mark ``name``/``version`` as the only active model (the previous one drops to 0;
        prometheus-client cannot remove labels in multiprocess mode)."""
        previous = getattr(self, "_active", None)
        if previous is not None and previous != (name, version):
            self.model.labels(*previous).set(0)
        self.model.labels(name, version).set(1)
        self._active = (name, version)


class ObserveMiddleware:
    """Counts, times and logs every HTTP request by route template."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, wrapped)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            took = time.perf_counter() - start
            self.metrics.requests.labels(route, str(status["code"])).inc()
            self.metrics.latency.labels(route).observe(took)
            _log.info(
                "request",
                extra={
                    "method": scope.get("method"),
                    "route": route,
                    "status": status["code"],
                    "ms": round(took * 1000, 2),
                    "client": scope.get("state", {}).get("client_id"),
                },
            )
