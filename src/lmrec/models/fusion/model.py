# SPDX-License-Identifier: MIT
"""Fusion: one recommender made of several (score, RRF, Borda or stacked combination)."""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Self

import numpy as np
import scipy.sparse as sp

from lmrec._io import MANIFEST, atomic_dir
from lmrec.data import Dataset
from lmrec.errors import ArtifactError, ModelError
from lmrec.models import create
from lmrec.models import load as load_model
from lmrec.models._base import Recommender, UserBatch
from lmrec.models._topk import mask_rows, topk
from lmrec.models.fusion import _stacking as stk
from lmrec.models.fusion._combine import (
    floor_dead,
    ndcg_per_user,
    normalize,
    pool_mask,
    rank_points,
    top_ranks,
    weighted_sum,
)
from lmrec.models.fusion.config import FusionConfig, Method

CHILDREN = "children"
_BASE = "_base"
_CHUNK = 1024


class Fusion(Recommender):
    """Combine child recommenders per user.

    ``score`` sums per-user normalised child scores with ``weights``; ``rrf`` and ``borda`` sum
    rank points of each child's top-``depth`` unseen items (other items get none); ``stacking``
    learns a class-balanced logistic combiner on the validation split over the union of the
    children's top-``depth`` candidates (features: per-child normalised score and reciprocal
    rank, item log-popularity) and ranks non-candidates below every candidate.

    Statistics and ranks are taken over each user's unseen items, so items in the history get
    no rank points. An item every (weighted) child scores ``-inf`` stays ``-inf``.

    Stability: caller.
    """

    name = "fusion"
    config_class = FusionConfig
    config: FusionConfig

    # ------------------------------------------------------------------ members
    @property
    def labels(self) -> list[str]:
        """A unique label per child (its ``label``, else its model name)."""
        raw = [m.label or m.name for m in self.config.models]
        return [lab if raw.count(lab) == 1 else f"{lab}#{i}" for i, lab in enumerate(raw)]

    def combination(self) -> dict[str, float]:
        """The learned or configured weights by child label (stacking: by feature name)."""
        self._check_fitted()
        if self.config.method == "stacking":
            names = stk.feature_names(self.labels, self.config.stacking_popularity)
            coef = dict(zip(names, self.coef_.tolist(), strict=True))
            return {"intercept": float(self.intercept_[0]), **coef}
        return dict(zip(self.labels, self.weights_.tolist(), strict=True))

    # ------------------------------------------------------------------ training
    def _fit(self, train: Dataset, valid: Dataset | None) -> None:
        children = [create(spec.name, spec.params) for spec in self.config.models]
        self.children_ = [child.fit(train, valid) for child in children]
        self._learn(valid)

    @classmethod
    def from_models(
        cls,
        models: Sequence[Recommender],
        method: Method = "score",
        weights: Sequence[float] | None = None,
        valid: Dataset | None = None,
        **params: Any,
    ) -> Self:
        """Wrap already-fitted models sharing one item (and user) vocabulary.

        ``valid`` is needed for ``stacking`` and used by ``tune_weights``; other ``params``
        are :class:`FusionConfig` fields. Vocabularies and training history come from
        ``models[0]``.
        """
        if not models:
            raise ModelError("fusion: from_models needs at least one fitted model")
        for m in models:
            m._check_fitted()
        _check_vocabularies(models)
        specs = [{"name": m.name, "params": m.config.model_dump(mode="json")} for m in models]
        w = None if weights is None else [float(x) for x in weights]
        fusion = cls(models=specs, method=method, weights=w, **params)
        ref = models[0]
        fusion.users_, fusion.items_ = ref.users_, ref.items_
        fusion.train_, fusion.popularity_ = ref.train_, ref.popularity_
        fusion.fingerprint_ = ref.fingerprint_
        fusion.children_ = list(models)
        fusion._learn(valid)
        return fusion

    def _learn(self, valid: Dataset | None) -> None:
        cfg = self.config
        n = len(cfg.models)
        self.weights_ = np.asarray(cfg.weights or [1.0] * n, np.float64)
        self.coef_ = np.zeros(0, np.float64)
        self.intercept_ = np.zeros(1, np.float64)
        if cfg.method == "stacking":
            if valid is None:
                raise ModelError(
                    "fusion: method='stacking' learns its combiner on a validation split; "
                    "call fit(train, valid)"
                )
            self._fit_stacking(valid)
        elif cfg.tune_weights and valid is not None:
            self._tune_weights(valid)

    def _valid_chunks(self, valid: Dataset) -> Iterator[tuple[UserBatch, sp.csr_matrix]]:
        """Batches of validation users (with training history) and their validation items."""
        if valid.n_items != self.n_items or valid.n_users != self.n_users:
            raise ModelError(
                f"fusion: valid ({valid.n_users} users × {valid.n_items} items) does not share "
                "the training id maps; cut train and valid from one Dataset with lmrec.split"
            )
        truth = sp.csr_matrix(valid.interactions)
        has = (np.diff(truth.indptr) > 0) & (np.diff(self.train_.indptr) > 0)
        users = np.flatnonzero(has)
        if not len(users):
            raise ModelError("fusion: no validation user also has training events")
        if len(users) > self.config.max_valid_users:
            rng = np.random.default_rng(self.config.seed)
            users = np.sort(rng.choice(users, self.config.max_valid_users, replace=False))
        for start in range(0, len(users), _CHUNK):
            ub = users[start : start + _CHUNK]
            yield UserBatch(index=ub, history=self.train_[ub]), truth[ub]

    def _tune_weights(self, valid: Dataset) -> None:
        grid = _weight_grid(self.config.weight_grid, len(self.children_))
        totals = np.zeros(len(grid))
        for batch, truth in self._valid_chunks(valid):
            parts = self._parts(self._child_scores(batch), batch.history)
            for g, w in enumerate(grid):
                fused = mask_rows(weighted_sum(parts, w), batch.history)
                totals[g] += ndcg_per_user(topk(fused, 10)[0], truth, 10).sum()
        self.weights_ = grid[int(np.argmax(totals))]  # first best: equal weights win ties

    def _fit_stacking(self, valid: Dataset) -> None:
        xs: list[np.ndarray] = []
        ys: list[np.ndarray] = []
        for batch, truth in self._valid_chunks(valid):
            views = self._views(self._child_scores(batch), batch.history)
            x, (rows, items) = stk.candidate_features(views, self._logpop())
            xs.append(x)
            ys.append(np.asarray(truth[rows, items]).ravel() > 0)
        x, y = np.concatenate(xs), np.concatenate(ys)
        if y.all() or not y.any():
            raise ModelError(
                f"fusion: stacking needs validation items both inside and outside the children's "
                f"top-{self.config.depth} candidates; raise depth or use a larger valid split"
            )
        coef, intercept = stk.fit_logistic(x, y, self.config.stacking_c)
        self.coef_, self.intercept_ = coef, np.array([intercept])

    # ------------------------------------------------------------------ scoring
    def reads_text(self) -> bool:
        """True when any child reads user texts (their query scores are fused, not replaced)."""
        return any(m.reads_text() for m in getattr(self, "children_", []))

    def _child_scores(self, batch: UserBatch) -> list[np.ndarray]:
        return [child.score(batch) for child in self.children_]

    def _logpop(self) -> np.ndarray | None:
        if not self.config.stacking_popularity:
            return None
        return np.log1p(np.asarray(self.popularity_, np.float64))

    def _parts(self, raw: list[np.ndarray], history: sp.csr_matrix) -> list[np.ndarray]:
        """Per-child contributions: normalised scores (score) or rank points (rrf, borda)."""
        cfg = self.config
        out = []
        for s in raw:
            pool = pool_mask(s, history)
            if cfg.method == "score":
                out.append(floor_dead(normalize(s, pool, cfg.normalize)))
            else:
                ranks = top_ranks(s, pool, cfg.depth)
                out.append(rank_points(ranks, cfg.method, cfg.depth, cfg.rrf_k))
        return out

    def _views(self, raw: list[np.ndarray], history: sp.csr_matrix) -> list[stk.ChildView]:
        cfg = self.config
        views = []
        for s in raw:
            pool = pool_mask(s, history)
            norm = floor_dead(normalize(s, pool, cfg.normalize))
            views.append(stk.ChildView(norm, top_ranks(s, pool, cfg.depth)))
        return views

    def _score(self, batch: UserBatch) -> np.ndarray:
        raw = self._child_scores(batch)
        if self.config.method == "stacking":
            views = self._views(raw, batch.history)
            lin = stk.linear_scores(views, self._logpop(), self.coef_, float(self.intercept_[0]))
            cand = np.logical_or.reduce([v.ranks > 0 for v in views])
            fused = stk.below_candidates(lin, cand)
            alive = np.logical_or.reduce([np.isfinite(s) for s in raw])
        else:
            fused = weighted_sum(self._parts(raw, batch.history), self.weights_)
            used = [np.isfinite(s) for s, w in zip(raw, self.weights_, strict=True) if w != 0]
            alive = np.logical_or.reduce(used)
        fused[~alive] = -np.inf
        return fused.astype(np.float32)

    # ------------------------------------------------------------------ persistence
    def _state(self) -> dict[str, np.ndarray]:
        return {"weights": self.weights_, "coef": self.coef_, "intercept": self.intercept_}

    def _set_state(self, state: dict[str, np.ndarray]) -> None:
        self.weights_ = state["weights"]
        self.coef_ = state["coef"]
        self.intercept_ = state["intercept"]

    def save(self, path: Path | str, meta: dict[str, Any] | None = None) -> None:
        """Write the base files, one folder per child under ``children/``, one manifest.

        The top manifest lists every file of the tree (children's manifests included).
        """
        self._check_fitted()
        info = {
            **(meta or {}),
            "model": self.name,
            "data_fingerprint": self.fingerprint_,
            "children": self.labels,
        }
        with atomic_dir(path, extra_manifest=info) as tmp:
            super().save(tmp / _BASE, meta)  # config.json + state.npz, written by the base class
            for p in (tmp / _BASE).iterdir():
                if p.name != MANIFEST:
                    os.replace(p, tmp / p.name)
            shutil.rmtree(tmp / _BASE)
            for i, child in enumerate(self.children_):
                child.save(tmp / CHILDREN / str(i))

    @classmethod
    def load(cls, path: Path | str) -> Self:
        """Load a fusion saved by :meth:`save` (the whole tree's checksums are verified)."""
        model = super().load(path)
        folder = Path(path) / CHILDREN
        n = len(model.config.models)
        if not all((folder / str(i)).is_dir() for i in range(n)):
            raise ArtifactError(f"{folder}: expected {n} child folders; re-save the model")
        model.children_ = [load_model(folder / str(i)) for i in range(n)]
        _check_vocabularies([model, *model.children_])
        return model


def _check_vocabularies(models: Sequence[Recommender]) -> None:
    """Raise :class:`ModelError` unless every model shares the first one's ids."""
    ref = models[0]
    for i, m in enumerate(models[1:], start=1):
        for what in ("items_", "users_"):
            if getattr(m, what) != getattr(ref, what):
                raise ModelError(
                    f"fusion: model {i} ({m.name}) has a different {what[:-2]} vocabulary than "
                    f"model 0 ({ref.name}); fit every model on splits of one Dataset"
                )


def _weight_grid(values: Sequence[float], n: int) -> list[np.ndarray]:
    """Equal weights first, then every grid combination with a new direction."""
    grid = [np.ones(n)]
    seen = {tuple(np.round(grid[0] / n, 6))}
    for combo in itertools.product(sorted(set(values)), repeat=n):
        w = np.asarray(combo, np.float64)
        if w.sum() <= 0:
            continue
        key = tuple(np.round(w / w.sum(), 6))
        if key not in seen:
            seen.add(key)
            grid.append(w)
    return grid
