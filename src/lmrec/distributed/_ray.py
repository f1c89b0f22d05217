# SPDX-License-Identifier: MIT
"""Starting (or joining) a Ray runtime, and the error when Ray is missing."""

from __future__ import annotations

import os
from typing import Any

from lmrec.errors import ConfigError

ENABLE = "pip install 'lmrec[ray]'"


def ray_available() -> bool:
    """Whether the ``ray`` package is installed."""
    try:
        import ray  # noqa: F401
    except ImportError:
        return False
    return True


def init_ray(num_cpus: int | None = None, address: str | None = None) -> Any:
    """The ``ray`` module with a runtime up: an existing one, the cluster at ``address`` (or
    ``RAY_ADDRESS``), else a local runtime with ``num_cpus`` and no dashboard."""
    try:
        import ray
    except ImportError:
        raise ConfigError(f"backend 'ray' needs Ray: {ENABLE} (or use backend='local')") from None
    if not ray.is_initialized():
        address = address or os.environ.get("RAY_ADDRESS")
        if address:
            ray.init(address=address, log_to_driver=False)
        else:
            ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False)
    return ray
