# SPDX-License-Identifier: MIT
"""Recommender models behind one protocol, and the registry that names them.

>>> import lmrec
>>> model = lmrec.models.create("ease", lam=500)
>>> sorted(lmrec.models.available())[:3]
['als', 'biased_mf', 'bpr']
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

from lmrec.errors import ArtifactError, ConfigError
from lmrec.models._base import ModelConfig, Recommender, Recs, UserBatch
from lmrec.models._topk import topk

# name -> "module:Class"; imported on first use so `import lmrec.models` stays light
_REGISTRY: dict[str, str] = {
    "popular": "lmrec.models.popularity:Popular",
    "random": "lmrec.models.popularity:Random",
    "item_knn": "lmrec.models.knn:ItemKNN",
    "user_knn": "lmrec.models.knn:UserKNN",
    "als": "lmrec.models.factorization:ALS",
    "bpr": "lmrec.models.factorization:BPR",
    "biased_mf": "lmrec.models.factorization:BiasedMF",
    "ease": "lmrec.models.linear:EASE",
    "fusion": "lmrec.models.fusion:Fusion",
    "content": "lmrec.models.content:ContentKNN",
    "content_learned": "lmrec.models.hybrid:ContentLearned",
    "hybrid": "lmrec.models.hybrid:Hybrid",
    "sasrec": "lmrec.models.sequential:SASRec",
    "sasrec_adapted": "lmrec.adapt:AdaptedSASRec",
    "lm_ranker": "lmrec.models.ranker:LMRanker",
    "pipeline": "lmrec.pipeline:Pipeline",
    "distilled": "lmrec.models.distill:Distilled",
}
_ALIASES = {
    "pop": "popular",
    "most_popular": "popular",
    "itemknn": "item_knn",
    "userknn": "user_knn",
    "svd": "biased_mf",
    "mf": "biased_mf",
}


def available() -> list[str]:
    """Names of all registered models."""
    return sorted(_REGISTRY)


def register(name: str, target: str | type[Recommender]) -> None:
    """Register a model class (or ``"module:Class"`` path) under ``name``."""
    if not isinstance(target, str):
        target = f"{target.__module__}:{target.__name__}"
    _REGISTRY[name] = target


def get(name: str) -> type[Recommender]:
    """The model class registered as ``name`` (aliases such as ``svd`` accepted)."""
    key = _ALIASES.get(name.lower(), name.lower())
    if key not in _REGISTRY:
        raise ConfigError(f"unknown model {name!r}; available: {', '.join(available())}")
    module, cls = _REGISTRY[key].split(":")
    return getattr(importlib.import_module(module), cls)  # type: ignore[no-any-return]


def create(name: str, config: dict[str, Any] | None = None, **params: Any) -> Recommender:
    """Instantiate model ``name`` with hyperparameters (validated against its config)."""
    return get(name)(config, **params)


def load(path: Path | str) -> Recommender:
    """Load any saved model folder (the class is read from its ``config.json``)."""
    cfg = Path(path) / "config.json"
    if not cfg.is_file():
        raise ArtifactError(f"{path}: no config.json; not an lmrec model folder")
    name = json.loads(cfg.read_text()).get("model", "")
    return get(name).load(path)


__all__ = [
    "ModelConfig",
    "Recommender",
    "Recs",
    "UserBatch",
    "available",
    "create",
    "get",
    "load",
    "register",
    "topk",
]
