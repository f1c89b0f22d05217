# SPDX-License-Identifier: MIT
"""Configuration of :class:`~lmrec.models.fusion.Fusion`."""

from __future__ import annotations

from typing import Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, model_validator

from lmrec.models._base import ModelConfig

Method = Literal["score", "rrf", "borda", "stacking"]
Normalize = Literal["minmax", "zscore", "rank"]


class ChildSpec(BaseModel):
    """One member of the ensemble: a registered model name, its hyperparameters, a label."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    params: dict[str, Any] = Field(default_factory=dict)
    label: str | None = None


class FusionConfig(ModelConfig):
    """Hyperparameters of :class:`~lmrec.models.fusion.Fusion`.

    Attributes:
        models: the children, each ``{"name", "params", "label"}`` (built with
            :func:`lmrec.models.create`).
        method: ``score`` (weighted sum of per-user normalised scores), ``rrf`` (reciprocal rank
            fusion), ``borda`` (Borda count) or ``stacking`` (a logistic combiner learned on the
            validation split).
        weights: one non-negative weight per child (default: equal); not used by ``stacking``.
        normalize: per-user score normalisation over the unseen items (``score``/``stacking``).
        rrf_k: the ``k`` of RRF, ``1 / (rrf_k + rank)``.
        depth: rank-based methods (and stacking candidates) use each child's top-``depth``.
        tune_weights: with ``weights=None`` and a validation split, pick the weights on
            ``weight_grid`` (per child) that maximise validation NDCG@10.
        weight_grid: per-child weight values searched by ``tune_weights``.
        max_valid_users: at most this many validation users (seeded sample) for tuning/stacking.
        stacking_c: inverse L2 strength of the stacking logistic regression.
        stacking_popularity: add the item's log-popularity as a stacking feature.
        seed: seed of the validation-user sample.
    """

    models: list[ChildSpec] = Field(min_length=1)
    method: Method = "score"
    weights: list[float] | None = None
    normalize: Normalize = "zscore"
    rrf_k: float = Field(60.0, gt=0)
    depth: int = Field(100, ge=1)
    tune_weights: bool = False
    weight_grid: list[float] = Field(default_factory=lambda: [0.0, 0.5, 1.0, 2.0], min_length=1)
    max_valid_users: int = Field(5000, ge=1)
    stacking_c: float = Field(1.0, gt=0)
    stacking_popularity: bool = True
    seed: int = 0

    @model_validator(mode="after")
    def _check(self) -> Self:
        n = len(self.models)
        if self.weights is not None:
            if len(self.weights) != n:
                raise ValueError(f"weights has {len(self.weights)} values for {n} models")
            if min(self.weights) < 0 or sum(self.weights) <= 0:
                raise ValueError("weights must be non-negative with a positive sum")
            if self.method == "stacking":
                raise ValueError("weights do not apply to method='stacking' (it learns them)")
            if self.tune_weights:
                raise ValueError("set weights or tune_weights, not both")
        if self.tune_weights and self.method == "stacking":
            raise ValueError("tune_weights applies to score/rrf/borda, not stacking")
        if min(self.weight_grid) < 0:
            raise ValueError("weight_grid values must be non-negative")
        labels = [m.label for m in self.models if m.label is not None]
        if len(set(labels)) != len(labels):
            raise ValueError(f"child labels must be unique, got {labels}")
        return self
