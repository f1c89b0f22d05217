# SPDX-License-Identifier: MIT
"""ALS (Hu, Koren & Volinsky) and BPR (Rendle et al.) through the ``implicit`` library."""

from __future__ import annotations

import sys
from typing import Any

import numpy as np
from pydantic import Field
from threadpoolctl import threadpool_limits

from lmrec.data import Dataset
from lmrec.models._base import ModelConfig, Recommender, UserBatch, as_input, binary
from lmrec.models.factorization._foldin import fold_in


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
        return fold_in(self.item_factors_, h, self.config.regularization, self.config.alpha)


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
        return fold_in(self.item_factors_, binary(history), self.config.foldin_regularization)
