# SPDX-License-Identifier: MIT
"""Multi-stage recommendation: a retriever proposes candidates, a second model rescores them.

>>> import lmrec
>>> split = lmrec.data.synthetic.blocks()
>>> pipe = lmrec.models.create(
...     "pipeline", retriever="popular", ranker="item_knn", n_candidates=5
... ).fit(split.train)
>>> pipe.recommend([0], k=2).items.shape
(1, 2)

The same object is what :func:`lmrec.evaluate` scores and what ``lmrec serve`` loads, so an
offline figure is the served behaviour.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import scipy.sparse as sp
from pydantic import Field

from lmrec.data import Dataset
from lmrec.models._base import ModelConfig, Recommender, UserBatch
from lmrec.models._topk import mask_rows, topk


def rerank(
    scores: np.ndarray,
    history: sp.csr_matrix,
    score_pairs: Callable[[np.ndarray, np.ndarray], np.ndarray],
    n_candidates: int,
) -> np.ndarray:
    """First-stage ``scores`` with each row's top ``n_candidates`` (history excluded)
    replaced by ``score_pairs(rows, items)``; the other items keep the first stage's order
    below every candidate, history items stay at -inf."""
    out = np.array(scores, dtype=np.float32, copy=True)
    mask_rows(out, history)
    top, vals = topk(out, min(n_candidates, out.shape[1]))
    ok = np.isfinite(vals)
    rows = np.repeat(np.arange(len(out)), top.shape[1]).reshape(top.shape)[ok]
    items = top[ok]
    if not len(rows):
        return out
    new = np.asarray(score_pairs(rows, items), np.float32)
    floor = np.full(len(out), np.inf, np.float32)
    np.minimum.at(floor, rows, new)  # each row's lowest candidate score
    top_first = np.where(np.isfinite(vals[:, 0]), vals[:, 0], 0.0)
    shift = np.where(np.isfinite(floor), floor - top_first - 1.0, 0.0).astype(np.float32)
    out += shift[:, None]  # per row, so a user's scores do not depend on the batch
    out[rows, items] = new
    return out


class PipelineConfig(ModelConfig):
    """Stages of a :class:`Pipeline` (each a registered model name and its parameters)."""

    retriever: str = Field("als", description="first stage: proposes candidates")
    retriever_params: dict[str, Any] = Field(default_factory=dict)
    ranker: str = Field("lm_ranker", description="second stage: rescores the candidates")
    ranker_params: dict[str, Any] = Field(default_factory=dict)
    n_candidates: int = Field(100, ge=1, description="candidates per user from the retriever")


class Pipeline(Recommender):
    """Retriever → top ``n_candidates`` → ranker's :meth:`~Recommender.score_pairs` → top-k.

    Build it from a config (``fit`` trains both stages on the same data) or from fitted models
    with :meth:`from_models`. Saved as one folder holding both stages.
    """

    name: ClassVar[str] = "pipeline"
    config_class = PipelineConfig
    config: PipelineConfig

    @classmethod
    def from_models(
        cls, retriever: Recommender, ranker: Recommender, n_candidates: int = 100
    ) -> Pipeline:
        """A pipeline over already fitted stages (they must share the catalogue)."""
        from lmrec.errors import ModelError

        if retriever.n_items != ranker.n_items:
            raise ModelError(
                f"pipeline: retriever has {retriever.n_items} items, ranker {ranker.n_items}"
            )
        pipe = cls(retriever=retriever.name, ranker=ranker.name, n_candidates=n_candidates)
        for attr in ("users_", "items_", "train_", "popularity_", "fingerprint_"):
            setattr(pipe, attr, getattr(retriever, attr))
        pipe.retriever_, pipe.ranker_ = retriever, ranker
        return pipe

    def _fit(self, train: Dataset, valid: Dataset | None) -> None:
        from lmrec.models import create

        c = self.config
        self.retriever_ = create(c.retriever, **c.retriever_params).fit(train, valid)
        self.ranker_ = create(c.ranker, **c.ranker_params).fit(train, valid)

    def rates(self) -> bool:
        return self.ranker_.rates()

    def predict(self, users: np.ndarray, items: np.ndarray) -> np.ndarray:
        """The ranker's pair predictions (ratings for a rating ranker)."""
        return self.ranker_.predict(users, items)

    def _score(self, batch: UserBatch) -> np.ndarray:
        def pairs(rows: np.ndarray, items: np.ndarray) -> np.ndarray:
            return self.ranker_.score_pairs(batch, rows, items)

        return rerank(self.retriever_.score(batch), batch.history, pairs, self.config.n_candidates)

    def _save_files(self, folder: Path) -> None:
        self.retriever_.save(folder / "retriever")
        self.ranker_.save(folder / "ranker")

    def _load_files(self, folder: Path) -> None:
        from lmrec.models import load

        self.retriever_ = load(folder / "retriever")
        self.ranker_ = load(folder / "ranker")
