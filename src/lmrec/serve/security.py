# SPDX-License-Identifier: MIT
"""API keys, a per-key token bucket and the request body size limit.

Keys are compared in constant time and never logged: logs and metrics carry a short SHA-256
prefix (``key_id``) instead.

Stability: experimental.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def key_id(key: str) -> str:
    """A short, non-reversible label of a key for logs."""
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def key_matches(given: str | None, allowed: frozenset[str]) -> bool:
    """Whether ``given`` equals one of ``allowed`` (constant-time per comparison)."""
    if not given:
        return False
    ok = False
    for k in allowed:
        ok |= hmac.compare_digest(given.encode(), k.encode())
    return ok


class TokenBucket:
    """Per-client token buckets: ``rate`` tokens per second, at most ``burst`` stored."""

    def __init__(self, rate: float, burst: int, max_clients: int = 100_000) -> None:
        self.rate = rate
        self.burst = float(burst)
        self.max_clients = max_clients
        self._state: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str, cost: float = 1.0) -> float:
        """Take ``cost`` tokens; returns 0 when allowed, else the seconds to wait."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._state.get(client, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            if tokens >= cost:
                self._state[client] = (tokens - cost, now)
                return 0.0
            self._state[client] = (tokens, now)
            if len(self._state) > self.max_clients:  # forget idle clients (full buckets)
                self._state = {c: s for c, s in self._state.items() if s[0] < self.burst}
            return (cost - tokens) / self.rate


class BodyTooLarge(Exception):
    """Raised inside ``receive`` when a streamed body passes the limit."""


class BodyLimitMiddleware:
    """Refuse request bodies above ``max_bytes`` with 413 (declared or streamed size)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_bytes):
            await self._reject(send)
            return
        seen = 0
        state = {"started": False, "too_big": False}

        async def limited_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    state["too_big"] = True
                    raise BodyTooLarge
            return message

        async def tracking_send(message: Message) -> None:
            if state["too_big"]:  # the app turned our exception into its own error reply
                if message["type"] == "http.response.start" and not state["started"]:
                    state["started"] = True
                    await self._reject(send)
                return
            if message["type"] == "http.response.start":
                state["started"] = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except BodyTooLarge:
            if not state["started"]:
                await self._reject(send)

    async def _reject(self, send: Send) -> None:
        body = json.dumps(
            {
                "error": "payload_too_large",
                "message": f"request body exceeds {self.max_bytes} bytes; send smaller batches",
            }
        ).encode()
        headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})
