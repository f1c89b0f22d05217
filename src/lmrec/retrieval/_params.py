# SPDX-License-Identifier: MIT
"""Typed build and search parameters of each index kind."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from lmrec.errors import ConfigError

METRICS = ("ip", "cosine", "l2")


class IndexParams(BaseModel):
    """Base of every kind's parameters: typed, frozen, unknown keys rejected."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    #: names that may change after build (through ``set_search_params``)
    search_keys: ClassVar[frozenset[str]] = frozenset()


class ExactParams(IndexParams):
    """Brute-force search has no parameters."""


class HNSWParams(IndexParams):
    """HNSW graph: ``M`` links per node, build and search beam widths."""

    M: int = Field(32, ge=2, le=512)
    ef_construction: int = Field(200, ge=1)
    ef_search: int = Field(128, ge=1)
    search_keys: ClassVar[frozenset[str]] = frozenset({"ef_search"})


class IVFParams(IndexParams):
    """Inverted lists: ``nlist`` cells (``None``: about 4·sqrt(n) at train time), ``nprobe``."""

    nlist: int | None = Field(None, ge=1)
    nprobe: int = Field(16, ge=1)
    search_keys: ClassVar[frozenset[str]] = frozenset({"nprobe"})


def validate_params(cls: type[IndexParams], kind: str, params: dict[str, Any]) -> IndexParams:
    """``cls(**params)``, turning a validation failure into a one-line :class:`ConfigError`."""
    try:
        return cls(**params)
    except ValidationError as e:
        err = e.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or "params"
        allowed = ", ".join(cls.model_fields) or "none"
        raise ConfigError(
            f"{kind} index: bad parameter {where!r}: {err['msg']} (parameters: {allowed})"
        ) from None


def check_metric(metric: str) -> str:
    """Validate a metric name."""
    if metric not in METRICS:
        raise ConfigError(f"unknown metric {metric!r}; use one of {', '.join(METRICS)}")
    return metric
