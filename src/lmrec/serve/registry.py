# SPDX-License-Identifier: MIT
"""A model registry on disk: ``<root>/<name>/<version>/`` folders, each a saved lmrec model.

Publishing uses the model's own atomic, checksummed save; loading verifies every SHA-256 first,
so a tampered or half-written artifact is refused with :class:`ArtifactError`. The last
activated version is remembered in ``<root>/<name>/ACTIVE`` (written atomically).

Stability: experimental.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

from lmrec.errors import ArtifactError, ConfigError
from lmrec.models import Recommender
from lmrec.models import load as load_model

_SAFE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
ACTIVE = "ACTIVE"


def check_name(value: str, what: str = "version") -> str:
    """``value`` if it is a safe folder name (letters, digits, ``._-``), else ConfigError."""
    if not _SAFE.match(value):
        raise ConfigError(
            f"invalid {what} {value!r}: use 1-64 letters, digits, '.', '_' or '-' "
            "(starting with a letter or digit)"
        )
    return value


class ModelRegistry:
    """Versioned model folders under ``root``."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, name: str, version: str) -> Path:
        """Folder of ``name``/``version`` (names are checked, so no path escapes the root)."""
        return self.root / check_name(name, "model name") / check_name(version)

    def versions(self, name: str) -> list[str]:
        """Published versions of ``name``, oldest first (``v1 < v2 < v10``)."""
        folder = self.root / check_name(name, "model name")
        if not folder.is_dir():
            return []
        found = [
            p.name
            for p in folder.iterdir()
            if p.is_dir() and _SAFE.match(p.name) and (p / "manifest.json").is_file()
        ]
        return sorted(found, key=_natural)

    def publish(self, model: Recommender, name: str, version: str | None = None) -> str:
        """Save ``model`` as a new version of ``name`` (``v<N+1>`` when not given)."""
        if version is None:
            numbers = [int(v[1:]) for v in self.versions(name) if re.fullmatch(r"v\d+", v)]
            version = f"v{max(numbers, default=0) + 1}"
        target = self.path(name, version)
        if target.exists():
            raise ConfigError(f"{target}: version {version!r} exists; versions are immutable")
        model.save(target, meta={"registry_name": name, "registry_version": version})
        return version

    def load(self, name: str, version: str) -> Recommender:
        """Load and verify one version (ArtifactError when missing or tampered)."""
        target = self.path(name, version)
        if not target.is_dir():
            have = ", ".join(self.versions(name)) or "none"
            raise ArtifactError(f"model {name!r} has no version {version!r} (published: {have})")
        return load_model(target)

    def info(self, name: str, version: str) -> dict[str, Any]:
        """Manifest summary of one version (not verified; for listings)."""
        manifest = json.loads((self.path(name, version) / "manifest.json").read_text())
        keep = ("created", "model", "data_fingerprint")
        return {"version": version, **{k: manifest.get(k) for k in keep}}

    def active(self, name: str) -> str | None:
        """The version recorded by the last :meth:`set_active`, or None."""
        f = self.root / check_name(name, "model name") / ACTIVE
        return f.read_text().strip() or None if f.is_file() else None

    def set_active(self, name: str, version: str) -> None:
        """Record ``version`` as active (atomic replace, fsynced)."""
        folder = self.path(name, version).parent
        fd, tmp = tempfile.mkstemp(prefix=".active.", dir=folder)
        with os.fdopen(fd, "w") as f:
            f.write(version + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, folder / ACTIVE)

    def resolve(self, name: str, version: str | None) -> str:
        """``version`` if given, else the recorded active one, else the newest."""
        if version is not None:
            return check_name(version)
        active = self.active(name)
        if active is not None:
            return active
        versions = self.versions(name)
        if not versions:
            raise ArtifactError(
                f"no published versions of model {name!r} under {self.root}; publish one with "
                "ModelRegistry(root).publish(model, name)"
            )
        return versions[-1]


def _natural(v: str) -> list[Any]:
    return [(0, int(p)) if p.isdigit() else (1, p) for p in re.split(r"(\d+)", v)]
