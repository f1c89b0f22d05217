# SPDX-License-Identifier: MIT
"""Request and response bodies of the service (pydantic; they also document the OpenAPI)."""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, Strict, field_validator, model_validator

Id = Annotated[int, Strict()] | Annotated[str, Strict()]
"""An external user or item id: integer or string, as in the training data."""


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class RecommendRequest(_Body):
    """One user: a known user id, an ad-hoc history, or a text query (text models)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"user": 196, "k": 10},
                {"history": [50, 181, 258], "k": 5, "explain": True},
                {"query": "space opera with starships", "k": 10},
            ]
        },
    )

    user: Id | None = Field(None, description="known or new user id (new: feedback or fallback)")
    history: list[Id] | None = Field(None, max_length=5000, description="ad-hoc item history")
    query: str | None = Field(None, min_length=1, max_length=2000, description="free text")
    k: int = Field(10, ge=1, description="list length (≤ the service's max_k)")
    include: list[Id] | None = Field(None, max_length=100_000, description="rank only these")
    exclude: list[Id] | None = Field(None, max_length=100_000, description="never these")
    exclude_seen: bool = Field(True, description="drop items already in the user's history")
    explain: bool = Field(False, description="add a reason per item")
    scenario: str | None = Field(None, max_length=64, description="recorded with the served log")

    @model_validator(mode="after")
    def _one_subject(self) -> Self:
        if self.user is None and self.history is None and self.query is None:
            raise ValueError("give at least one of 'user', 'history' or 'query'")
        if self.user is not None and self.history is not None:
            raise ValueError("give 'user' or 'history', not both")
        return self


class Reason(_Body):
    """Why an item was recommended."""

    kind: Literal["history", "query", "popular"]
    items: list[Id] | None = Field(None, description="history items that drove it")
    similarity: list[float] | None = Field(None, description="their cosine to the item")
    text: str | None = None


class RecItem(_Body):
    """One recommended item."""

    item: Id
    score: float
    propensity: float = Field(
        1.0,
        description="probability that the serving policy put this item in this position: 1 for "
        "ranked positions, the explorer's probability for exploration slots (config `explore`)",
    )
    reason: Reason | None = None


class RecommendResponse(_Body):
    """A served list, logged with the model version for off-policy evaluation."""

    request_id: str
    model: str
    version: str
    source: str = Field(
        ...,
        description="user | user+feedback | feedback | history | query | history+query | "
        "fallback:popularity | fallback:query",
    )
    policy: str = "deterministic"
    items: list[RecItem]
    unknown_items: list[Id] = Field(default_factory=list, description="ignored request ids")


class FeedbackEvent(_Body):
    """One interaction; ``event_id`` makes resending safe (stored once)."""

    event_id: str = Field(..., min_length=1, max_length=128)
    user: Id
    item: Id
    value: float = Field(1.0, ge=-1e6, le=1e6, description="> 0 adds to the history")
    kind: str = Field("interaction", min_length=1, max_length=32)
    ts: float | None = Field(None, ge=0, description="Unix seconds (default: receipt time)")

    @field_validator("value")
    @classmethod
    def _finite(cls, v: float) -> float:
        if not math.isfinite(v):
            raise ValueError("value must be finite")
        return v


class FeedbackRequest(_Body):
    """A batch of events."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"events": [{"event_id": "e-1", "user": 196, "item": 242}]}]
        },
    )

    events: list[FeedbackEvent] = Field(..., min_length=1)


class FeedbackResponse(_Body):
    """All events are durably stored when this is returned."""

    accepted: int
    stored: int = Field(..., description="new events (the rest were already stored)")
    duplicates: int


class NewItem(_Body):
    """An item known only by its text."""

    id: Id
    text: str = Field(..., min_length=1, max_length=10_000)


class AddItemsRequest(_Body):
    """New catalogue items (text models only)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"items": [{"id": 99999, "text": "A heist thriller in a casino"}]}]
        },
    )

    items: list[NewItem] = Field(..., min_length=1, max_length=1000)


class AddItemsResponse(_Body):
    """Items are recommendable when this is returned."""

    added: list[Id]
    n_items: int


class SimilarItem(_Body):
    """One neighbour."""

    item: Id
    score: float


class SimilarResponse(_Body):
    """Neighbours of an item."""

    item: Id
    model: str
    version: str
    items: list[SimilarItem]


class ModelVersion(_Body):
    """One published version."""

    version: str
    created: str | None = None
    model: str | None = None
    data_fingerprint: str | None = None
    active: bool = False


class ModelsResponse(_Body):
    """Published versions of the served model name."""

    name: str
    active: str | None
    versions: list[ModelVersion]


class ErrorResponse(_Body):
    """Every error reply."""

    error: str
    message: str
    details: list[dict[str, Any]] | None = None
