# SPDX-License-Identifier: MIT
"""Settings (environment / YAML) and experiment configuration.

Settings come from ``LMREC_``-prefixed environment variables (``LMREC_DATA_HOME``,
``LMREC_CACHE_DIR``); components receive values from here, they never read the environment.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Process-wide settings."""

    model_config = SettingsConfigDict(env_prefix="LMREC_", env_nested_delimiter="__")

    data_home: Path = Field(
        default=Path.home() / ".cache" / "lmrec" / "datasets",
        description="folder holding one sub-folder per data set (ml-100k/, ml-1m/, …)",
    )
    cache_dir: Path = Field(
        default=Path.home() / ".cache" / "lmrec",
        description="caches (embeddings, downloads)",
    )


@lru_cache(maxsize=1)
def settings() -> Settings:
    """The current settings (read once per process)."""
    return Settings()
