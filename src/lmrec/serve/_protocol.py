# SPDX-License-Identifier: MIT
"""uvicorn's HTTP protocol with ``TCP_NODELAY`` set on every connection.

asyncio only sets ``TCP_NODELAY`` on sockets whose ``proto`` is ``IPPROTO_TCP``; the listening
socket uvicorn creates for several worker processes has ``proto`` 0, so its connections kept
Nagle's algorithm on, and every small response waited for the client's delayed ACK: 44 ms
median latency at any load with two workers (measured by ``bench/load.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

try:  # the serve extra installs httptools; h11 is uvicorn's pure-Python fallback
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol as _Base
except ImportError:  # pragma: no cover - depends on the installed extras
    from uvicorn.protocols.http.h11_impl import H11Protocol as _Base  # type: ignore[assignment]


class NoDelayProtocol(_Base):  # type: ignore[misc, valid-type]
    """The HTTP protocol uvicorn would pick, with ``TCP_NODELAY`` on each connection."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().connection_made(transport)
