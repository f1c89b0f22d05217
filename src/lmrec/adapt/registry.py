# SPDX-License-Identifier: MIT
"""Per-scenario adapters over one shared base: published, listed, loaded and swapped by name."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from lmrec.adapt.model import AdaptedSASRec
from lmrec.errors import ConfigError, UnknownIdError
from lmrec.models._base import Recs, UserBatch

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


class ScenarioRegistry:
    """Scenario name → adapted model folder under ``root`` (``root/<scenario>/``).

    Each folder holds only what the scenario trained (``adapter.safetensors``) plus its
    catalogue; the frozen weights come from the shared base, loaded once per process.

    >>> reg = ScenarioRegistry("artifacts/scenarios")            # doctest: +SKIP
    >>> reg.publish("scientific", adapted_model)                 # doctest: +SKIP
    >>> reg.recommend([0, 1], k=10, scenario="scientific")       # doctest: +SKIP
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)
        self._loaded: dict[str, AdaptedSASRec] = {}

    def publish(self, scenario: str, model: AdaptedSASRec) -> dict[str, Any]:
        """Save ``model`` as ``scenario`` (atomically, replacing an older version)."""
        if not _NAME.match(scenario):
            raise ConfigError(f"scenario name {scenario!r}: use letters, digits, '_', '-', '.'")
        if not isinstance(model, AdaptedSASRec):
            raise ConfigError(f"publish: expected an adapted model, got {type(model).__name__}")
        model.save(self.root / scenario)
        self._loaded[scenario] = model
        return self.describe(scenario)

    def describe(self, scenario: str) -> dict[str, Any]:
        """Name, strategy, base folder and on-disk size of one scenario."""
        folder = self._folder(scenario)
        cfg = json.loads((folder / "config.json").read_text())["config"]
        files = {p.name: p.stat().st_size for p in folder.iterdir() if p.is_file()}
        return {
            "scenario": scenario,
            "strategy": cfg["adapt"]["strategy"],
            "base": cfg["base"],
            "adapter_bytes": files.get("adapter.safetensors", 0),
            "folder_bytes": sum(files.values()),
        }

    def list(self) -> list[dict[str, Any]]:
        """Every published scenario, sorted by name."""
        if not self.root.is_dir():
            return []
        names = sorted(p.name for p in self.root.iterdir() if (p / "config.json").is_file())
        return [self.describe(n) for n in names]

    def get(self, scenario: str) -> AdaptedSASRec:
        """The scenario's model (loaded and verified on first use, then kept)."""
        if scenario not in self._loaded:
            from lmrec.models import load

            model = load(self._folder(scenario))
            if not isinstance(model, AdaptedSASRec):
                raise ConfigError(f"scenario {scenario!r} does not hold an adapted model")
            self._loaded[scenario] = model
        return self._loaded[scenario]

    def recommend(
        self, users: UserBatch | Any, k: int = 10, *, scenario: str, **kwargs: Any
    ) -> Recs:
        """Top-``k`` for ``users`` of ``scenario`` (the base is shared, never reloaded)."""
        return self.get(scenario).recommend(users, k=k, **kwargs)

    def _folder(self, scenario: str) -> Path:
        folder = self.root / scenario
        if not (folder / "config.json").is_file():
            known = ", ".join(d["scenario"] for d in self.list()) or "none"
            raise UnknownIdError(f"unknown scenario {scenario!r}; published: {known}")
        return folder
