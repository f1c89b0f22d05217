# SPDX-License-Identifier: MIT
"""The real-time recommendation service: FastAPI app, durable event store, model registry.

>>> from lmrec.serve import ServeConfig, create_app          # doctest: +SKIP
>>> app = create_app(ServeConfig.from_yaml("serve.yaml"))   # doctest: +SKIP

Needs the ``serve`` extra (``pip install 'lmrec[serve]'``). See ``docs/serving.md``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from lmrec.serve.config import Limits, ServeConfig
from lmrec.serve.events import Event, EventStore
from lmrec.serve.registry import ModelRegistry

if TYPE_CHECKING:
    from fastapi import FastAPI


def create_app(config: ServeConfig) -> FastAPI:
    """The service app (see :func:`lmrec.serve.app.create_app`); imports FastAPI lazily."""
    from lmrec.serve.app import create_app as _create

    return _create(config)


__all__ = ["Event", "EventStore", "Limits", "ModelRegistry", "ServeConfig", "create_app"]
