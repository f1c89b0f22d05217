# SPDX-License-Identifier: MIT
"""ALS (Hu, Koren & Volinsky) and BPR (Rendle et al.) through the ``implicit`` library."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, Self

import numpy as np
import scipy.sparse as sp
from pydantic import Field
from threadpoolctl import threadpool_limits

from lmrec.data import Dataset
from lmrec.data._idmap import IdMap, as_id_array
from lmrec.errors import DataError
from lmrec.models._base import ModelConfig, Recommender, UserBatch, as_input, binary
from lmrec.models.factorization._foldin import RunningFoldIn, fold_in


class ALSConfig(ModelConfig):
    """Hyperparameters of :class:`ALS` (passed to ``implicit``).

    Attributes:
        factors: latent dimensions.
        regularization: L2 weight λ.
        alpha: confidence of an observed interaction is ``alpha · value``.
        iterations: ALS sweeps.
        binarize: use value 1 for every interaction before scaling by ``alpha``.
        seed: initialisation seed.
        num_threads: solver threads (0 = all cores); results do not depend on it.
    """

    factors: int = Field(64, ge=1)
    regularization: float = Field(0.01, ge=0)
    alpha: float = Field(1.0, gt=0)
    iterations: int = Field(15, ge=1)
    binarize: bool = True
    seed: int = 0
    num_threads: int = Field(0, ge=0)


class BPRConfig(ModelConfig):
    """Hyperparameters of :class:`BPR` (passed to ``implicit``).

    Attributes:
        factors: latent dimensions (implicit adds one for the item bias).
        learning_rate, regularization: SGD step and L2 weight.
        iterations: epochs over the interactions.
        seed: sampling/initialisation seed.
        num_threads: SGD threads; with more than one the updates race (hogwild) and results
            vary slightly between runs, so the default is 1 for exact reproducibility.
        foldin_regularization: λ of the least-squares fold-in used for ad-hoc users.
    """

    factors: int = Field(64, ge=1)
    learning_rate: float = Field(0.01, gt=0)
    regularization: float = Field(0.01, ge=0)
    iterations: int = Field(100, ge=1)
    seed: int = 0
    num_threads: int = Field(1, ge=0)
    foldin_regularization: float = Field(0.1, ge=0)


class _ImplicitMF(Recommender):
    """Shared scoring and persistence of the two ``implicit`` factor models."""

    _gram_cache: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def _estimator(self) -> Any:
        raise NotImplementedError

    def _fit(self, train: Dataset, valid: Dataset | None) -> None:
        x = as_input(self.train_, getattr(self.config, "binarize", True))
        # implicit parallelises itself; a multi-threaded BLAS underneath only oversubscribes
        with threadpool_limits(1, "blas"):
            est = self._estimator()
            est.fit(x, show_progress=sys.stderr.isatty())
        self.user_factors_ = np.ascontiguousarray(est.user_factors, dtype=np.float32)
        self.item_factors_ = np.ascontiguousarray(est.item_factors, dtype=np.float32)

    def _foldin(self, history: Any) -> np.ndarray:
        raise NotImplementedError

    def update(
        self,
        users: Sequence[Any] | np.ndarray,
        items: Sequence[Any] | np.ndarray,
        values: Sequence[float] | np.ndarray | None = None,
        fold_items: bool = False,
        decay: float = 1.0,
    ) -> Self:
        """Apply new interactions online, without retraining.

        The events (external ids; unknown users and items join the catalogue) are added to the
        training matrix (a repeated pair takes the new value), then every affected user's
        factors are re-solved in closed form with the item factors fixed — an exact ALS
        half-step for those rows. With ``fold_items`` the affected items are re-solved too
        (user factors fixed; needed for new items, which start at zero and so are never
        recommended otherwise); that reads their columns, O(stored events), so batch it.

        Args:
            users, items: one external id each per event.
            values: interaction values (default 1).
            fold_items: also re-solve the items of these events.
            decay: time decay in (0, 1]: the stored values of each affected user are multiplied
                by it before the new events are added, so an interaction ``n`` updates old
                weighs ``decayⁿ``. Values are confidences only with ``binarize=False``
                (ALS); with binarized input decay has no effect.

        Returns:
            self, updated in place.

        Raises:
            DataError: lengths differ, or a value is not finite.
        """
        self._check_fitted()
        u_ids, i_ids = as_id_array(users), as_id_array(items)
        vals = np.ones(len(u_ids), np.float32) if values is None else np.asarray(values, np.float32)
        if not len(u_ids) == len(i_ids) == len(vals):
            raise DataError(
                f"update: {len(u_ids)} users, {len(i_ids)} items and {len(vals)} values differ"
            )
        if not np.isfinite(vals).all():
            raise DataError("update: values must be finite")
        if not 0 < decay <= 1:
            raise DataError(f"update: decay must lie in (0, 1], got {decay}")
        if len(u_ids) == 0:
            return self
        f = self.item_factors_.shape[1]
        self.users_, new_u = _grow(self.users_, u_ids, "user")
        self.items_, new_i = _grow(self.items_, i_ids, "item")
        if new_u:
            self.user_factors_ = np.vstack([self.user_factors_, np.zeros((new_u, f), np.float32)])
        if new_i:
            self.item_factors_ = np.vstack([self.item_factors_, np.zeros((new_i, f), np.float32)])
            self.popularity_ = np.r_[self.popularity_, np.zeros(new_i, np.float32)]
        u = self.users_.index(u_ids).astype(np.int64)
        i = self.items_.index(i_ids).astype(np.int64)
        before = self.train_
        if decay < 1:
            before = before.copy()
            for r in np.unique(u[u < before.shape[0]]).tolist():
                before.data[before.indptr[r] : before.indptr[r + 1]] *= decay
        self.train_ = _set_entries(before, u, i, vals, (len(self.users_), len(self.items_)))
        np.add.at(self.popularity_, i, 1.0)  # counts events like the fitted popularity
        touched = np.unique(u)
        self.user_factors_[touched] = self._foldin(self.train_[touched])
        if fold_items:
            ti = np.unique(i)
            cols = as_input(self.train_[:, ti].T.tocsr(), getattr(self.config, "binarize", True))
            reg, alpha = self._solver()
            self.item_factors_[ti] = fold_in(self.user_factors_, cols, reg, alpha)
            self._gram_cache = None  # the item factors changed in place
        return self

    def _solver(self) -> tuple[float, float]:
        """(λ, α) of the closed-form fold-in."""
        raise NotImplementedError

    def running_foldin(self, history: sp.csr_matrix) -> RunningFoldIn:
        """A :class:`RunningFoldIn` over these item factors starting from ``history``
        (``[n_users, n_items]`` in this model's indices): user vectors re-solved event by event
        in O(f²), the same as :meth:`update`'s fold-in but without the training matrix.

        Raises:
            DataError: the fold-in confidences are not all 1 (ALS with ``alpha != 1`` or
                ``binarize=False``), so the fold-in matrix differs between users.
        """
        self._check_fitted()
        reg, alpha = self._solver()
        if alpha != 1.0 or not getattr(self.config, "binarize", True):
            raise DataError(
                f"{self.name}: running fold-in needs every confidence to be 1 "
                f"(alpha=1, binarize=True); this model has alpha={alpha}"
            )
        y, gram = self._item_gram()
        return RunningFoldIn(y, reg, history, gram=gram)

    def _item_gram(self) -> tuple[np.ndarray, np.ndarray]:
        """Item factors in float64 and their Gram matrix ``YᵀY``, kept while ``item_factors_``
        is the same array (``update(fold_items=True)`` changes it in place and drops them)."""
        cached = self._gram_cache
        if cached is None or cached[0] is not self.item_factors_:
            y = np.asarray(self.item_factors_, np.float64)
            cached = (self.item_factors_, y, y.T @ y)
            self._gram_cache = cached
        return cached[1], cached[2]

    def _score(self, batch: UserBatch) -> np.ndarray:
        known = batch.index >= 0
        users = np.empty((len(batch), self.item_factors_.shape[1]), np.float32)
        users[known] = self.user_factors_[batch.index[known]]
        if (~known).any():
            users[~known] = self._foldin(batch.history[np.flatnonzero(~known)])
        return users @ self.item_factors_.T

    def _state(self) -> dict[str, np.ndarray]:
        return {"user_factors": self.user_factors_, "item_factors": self.item_factors_}

    def _set_state(self, state: dict[str, np.ndarray]) -> None:
        self.user_factors_ = state["user_factors"]
        self.item_factors_ = state["item_factors"]


class ALS(_ImplicitMF):
    """Implicit-feedback ALS; new users are folded in exactly (closed-form least squares)."""

    name = "als"
    config_class = ALSConfig
    config: ALSConfig

    def _estimator(self) -> Any:
        from implicit.cpu.als import AlternatingLeastSquares

        c = self.config
        return AlternatingLeastSquares(
            factors=c.factors,
            regularization=c.regularization,
            alpha=c.alpha,
            iterations=c.iterations,
            random_state=c.seed,
            num_threads=c.num_threads,
        )

    def _foldin(self, history: Any) -> np.ndarray:
        h = as_input(history, self.config.binarize)
        y, gram = self._item_gram()
        return fold_in(y, h, self.config.regularization, self.config.alpha, gram=gram)

    def _solver(self) -> tuple[float, float]:
        return self.config.regularization, self.config.alpha


class BPR(_ImplicitMF):
    """Bayesian personalised ranking; new users are folded in by least squares on the
    item factors (an approximation: BPR itself has no closed form)."""

    name = "bpr"
    config_class = BPRConfig
    config: BPRConfig

    def _estimator(self) -> Any:
        from implicit.cpu.bpr import BayesianPersonalizedRanking

        c = self.config
        return BayesianPersonalizedRanking(
            factors=c.factors,
            learning_rate=c.learning_rate,
            regularization=c.regularization,
            iterations=c.iterations,
            random_state=c.seed,
            num_threads=c.num_threads,
        )

    def _foldin(self, history: Any) -> np.ndarray:
        y, gram = self._item_gram()
        return fold_in(y, binary(history), self.config.foldin_regularization, gram=gram)

    def _solver(self) -> tuple[float, float]:
        return self.config.foldin_regularization, 1.0


def _grow(ids: IdMap, new: np.ndarray, name: str) -> tuple[IdMap, int]:
    """``ids`` extended by the unseen values of ``new`` (first-seen order) and how many."""
    idx = ids.index(new, missing="negative")
    unseen = list(dict.fromkeys(new[idx < 0].tolist()))
    if not unseen:
        return ids, 0
    extra = as_id_array(unseen)
    if ids.ids.dtype.kind in "iu" and extra.dtype.kind not in "iu":
        raise DataError(
            f"update: new {name} id {unseen[0]!r} is not an integer, but this model's {name} "
            "ids are integers"
        )
    return IdMap(np.r_[ids.ids, extra.astype(ids.ids.dtype)], name=name), len(unseen)


def _set_entries(
    m: sp.csr_matrix, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]
) -> sp.csr_matrix:
    """A new matrix: ``m`` grown to ``shape`` with ``m[rows, cols] = vals`` (the last of repeated
    pairs wins). Stored pairs are overwritten and new ones inserted in place of a sparse sum:
    a couple of copies of the stored arrays (about 1 ms per million entries)."""
    if not m.has_sorted_indices:
        m = m.sorted_indices()
    key = rows * shape[1] + cols
    _, from_end = np.unique(key[::-1], return_index=True)  # sorted by (row, col)
    last = len(key) - 1 - from_end
    rows, cols, vals = rows[last], cols[last], vals[last]
    indptr = np.r_[m.indptr, np.full(shape[0] - m.shape[0], m.indptr[-1], m.indptr.dtype)]
    data = m.data.copy()
    pos = np.empty(len(rows), np.int64)
    found = np.zeros(len(rows), bool)
    for j, (r, c) in enumerate(zip(rows.tolist(), cols.tolist(), strict=True)):
        lo, hi = indptr[r], indptr[r + 1]
        p = lo + int(np.searchsorted(m.indices[lo:hi], c))
        pos[j] = p
        found[j] = p < hi and m.indices[p] == c
    data[pos[found]] = vals[found]
    add = ~found
    if add.any():
        data = np.insert(data, pos[add], vals[add])
        indices = np.insert(m.indices, pos[add], cols[add].astype(m.indices.dtype))
        counts = np.bincount(rows[add], minlength=shape[0])
        indptr = indptr + np.r_[0, np.cumsum(counts)].astype(indptr.dtype)
    else:
        indices = m.indices.copy()
    out = sp.csr_matrix((data, indices, indptr), shape=shape)
    out.has_sorted_indices = True
    return out
