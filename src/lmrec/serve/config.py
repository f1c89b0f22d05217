# SPDX-License-Identifier: MIT
"""Service configuration: one YAML file, validated by pydantic.

API keys are never written in the file: it names the environment variables holding them.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from lmrec.errors import ConfigError
from lmrec.serve.explore import ExploreConfig


class Limits(BaseModel):
    """Request limits (per process)."""

    model_config = ConfigDict(extra="forbid")

    max_body_bytes: int = Field(1_000_000, ge=1024, description="larger bodies get 413")
    max_k: int = Field(100, ge=1, description="largest list length a client may ask for")
    max_events: int = Field(1000, ge=1, description="events per /feedback request")
    rate_per_s: float = Field(200.0, gt=0, description="token-bucket refill per client key")
    burst: int = Field(400, ge=1, description="token-bucket size per client key")
    history_limit: int = Field(500, ge=1, description="recent feedback events used per user")


class ServeConfig(BaseModel):
    """Everything ``lmrec serve`` needs.

    Attributes:
        registry: model registry root (``<registry>/<model>/<version>/``).
        model: model name inside the registry.
        version: version to serve; None = the last activated one, else the newest.
        events_db: SQLite file for feedback events, served lists and added items.
        api_key_envs: environment variables holding keys allowed to write (feedback, items).
        admin_key_envs: environment variables holding admin keys (model activation).
        host, port: bind address (loopback by default).
        cors_origins: allowed CORS origins; empty (the default) = CORS off.
        limits: request limits.
        flush_ms: longest wait of the event writer to group commits.
        explore: exploration slots in every list (None, the default: pure ranking, every
            propensity 1); see :class:`~lmrec.serve.explore.ExploreConfig`. Needs one worker.
        workers: server processes (one per core is the fast setting). Each loads the model;
            they share the event store, and each follows the registry's active version and
            the items added by the others every ``sync_s`` seconds.
        sync_s: how often a worker checks the active version and added items (workers > 1).
    """

    model_config = ConfigDict(extra="forbid")

    registry: Path
    model: str = Field(..., min_length=1)
    version: str | None = None
    events_db: Path
    api_key_envs: list[str] = Field(default_factory=lambda: ["LMREC_SERVE_KEY"])
    admin_key_envs: list[str] = Field(default_factory=lambda: ["LMREC_ADMIN_KEY"])
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=0, le=65535)
    cors_origins: list[str] = Field(default_factory=list)
    limits: Limits = Field(default_factory=lambda: Limits.model_validate({}))
    flush_ms: float = Field(2.0, ge=0, le=1000)
    explore: ExploreConfig | None = None
    workers: int = Field(1, ge=1, le=64)
    sync_s: float = Field(0.5, gt=0, le=60)

    @model_validator(mode="after")
    def _one_explorer(self) -> ServeConfig:
        if self.explore is not None and self.workers > 1:
            raise ValueError(
                "explore needs workers: 1 (the explorer learns in the process that served the "
                "list, so its rewards would be split across workers)"
            )
        return self

    @classmethod
    def from_yaml(cls, path: Path | str) -> ServeConfig:
        """Read a YAML file; relative paths are resolved against the file's folder."""
        path = Path(path)
        if not path.is_file():
            raise ConfigError(f"{path}: service config not found")
        raw = yaml.safe_load(path.read_text()) or {}
        if not isinstance(raw, dict):
            raise ConfigError(f"{path}: expected a mapping at the top level")
        for key in ("registry", "events_db"):
            if key in raw and not Path(str(raw[key])).is_absolute():
                raw[key] = path.parent / str(raw[key])
        try:
            return cls(**raw)
        except ValidationError as e:
            first = e.errors()[0]
            where = ".".join(map(str, first["loc"])) or "config"
            raise ConfigError(f"{path}: {where}: {first['msg']}") from None

    def keys(self, admin: bool = False) -> frozenset[str]:
        """The keys read from the configured environment variables (missing ones raise)."""
        names = self.admin_key_envs if admin else self.api_key_envs
        missing = [n for n in names if not os.environ.get(n)]
        if missing or not names:
            what = "admin" if admin else "write"
            raise ConfigError(
                f"no {what} API key: set the environment variable(s) {missing or names} "
                f"(named by {'admin_key_envs' if admin else 'api_key_envs'} in the config)"
            )
        return frozenset(os.environ[n] for n in names)
