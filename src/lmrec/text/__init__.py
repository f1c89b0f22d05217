# SPDX-License-Identifier: MIT
"""Text encoders for items, users and queries, behind one :class:`TextEncoder` protocol.

>>> from lmrec.text import get_encoder
>>> enc = get_encoder("hashing")
>>> enc.encode(["space opera", "romantic comedy"]).shape
(2, 256)
"""

from __future__ import annotations

import importlib
from typing import Any

from lmrec.errors import ConfigError
from lmrec.text._base import TextEncoder, l2_normalise
from lmrec.text.hashing import HashingEncoder

# name -> "module:Class"; heavy backends are imported only when asked for
_ENCODERS: dict[str, str] = {
    "hashing": "lmrec.text.hashing:HashingEncoder",
}


def available() -> list[str]:
    """Names accepted by :func:`get_encoder`."""
    return sorted(_ENCODERS)


def get_encoder(name: str = "hashing", **params: Any) -> TextEncoder:
    """An encoder by name (e.g. ``"hashing"``), constructed with ``params``."""
    if name not in _ENCODERS:
        raise ConfigError(f"unknown text encoder {name!r}; available: {', '.join(available())}")
    module, cls = _ENCODERS[name].split(":")
    return getattr(importlib.import_module(module), cls)(**params)  # type: ignore[no-any-return]


__all__ = ["HashingEncoder", "TextEncoder", "available", "get_encoder", "l2_normalise"]
