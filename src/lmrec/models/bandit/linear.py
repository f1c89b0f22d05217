# SPDX-License-Identifier: MIT
"""Contextual policies on LM features: LinUCB and linear Thompson sampling.

One *shared* ridge-regression model over joint features of (user, item), so that every arm,
including one added a second ago, is scored from its text embedding alone:

    x(u, v) = [u ⊙ v, v, 1]

where ``u`` is the context vector (e.g. the mean text embedding of the user's liked items, or
the embedding of a user profile text) and ``v`` the arm's item text embedding, both of the same
dimension ``d`` (project LM embeddings down, e.g. by PCA to 32–64 dimensions, to keep the
``(2d+1)²`` posterior cheap). ``u ⊙ v`` learns which embedding directions a user's taste and
an item must share (a weighted dot product); ``v`` learns item quality/popularity directions;
``1`` is the base rate. Without a context vector ``u = 0`` and only the item part is used.

The posterior is kept as ``A⁻¹`` (``A = λI + Σ x xᵀ``) and ``b = Σ r x``, updated per event with
Sherman–Morrison in ``O(D²)``; ``θ = A⁻¹ b``.

Optional per-arm offsets (a hybrid model, off by default): arm ``a`` scores ``x·θ + β_a`` with
``β_a ~ N(0, σ_a²)`` a priori (``arm_sd`` for initial arms, ``new_arm_sd`` for arms added later,
whose text-based features are less certain). Each event adds ``(r − x·θ)`` (with θ before the
event) to its arm's Gaussian posterior with noise s.d. ``noise_sd``: a backfitting-style
approximation, not the joint posterior. A new arm's larger ``σ_a`` is what buys it exploration
when the shared model alone would rank it below established arms.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field

from lmrec.errors import ModelError
from lmrec.models._base import ModelConfig
from lmrec.models.bandit._base import (
    Context,
    Events,
    Policy,
    greedy_slate,
    sampled_slate_propensities,
)


class LinearConfig(ModelConfig):
    """Hyperparameters of the linear policies.

    Attributes:
        lam: ridge prior precision λ.
        alpha: LinUCB bonus scale (``x·θ + α·sqrt(xᵀA⁻¹x)``).
        v: LinTS posterior scale (``θ̃ ~ N(θ, v² A⁻¹)``).
        propensity_samples: LinTS Monte-Carlo draws for propensities.
        interaction: include the ``u ⊙ v`` block (False: item features only).
        arm_sd: prior s.d. of the per-arm offsets of the initial arms (0: no offsets).
        new_arm_sd: prior s.d. of the offsets of arms added later (None: ``arm_sd``).
        noise_sd: reward noise s.d. assumed by the offset posteriors.
    """

    lam: float = Field(1.0, gt=0)
    alpha: float = Field(0.5, ge=0)
    v: float = Field(0.3, ge=0)
    propensity_samples: int = Field(200, ge=1)
    interaction: bool = True
    arm_sd: float = Field(0.0, ge=0)
    new_arm_sd: float | None = Field(None, ge=0)
    noise_sd: float = Field(0.5, gt=0)


def _precision(sd: float, n: int) -> np.ndarray:
    """Prior precision of ``n`` offsets with s.d. ``sd`` (infinite for 0: offset fixed at 0)."""
    return np.full(n, np.inf if sd == 0 else 1.0 / sd**2)


def joint_features(user: np.ndarray | None, items: np.ndarray, interaction: bool) -> np.ndarray:
    """``[m, D]`` rows ``[u ⊙ v, v, 1]`` (or ``[v, 1]`` without the interaction block)."""
    m, d = items.shape
    ones = np.ones((m, 1))
    if not interaction:
        return np.hstack([items, ones])
    u = np.zeros(d) if user is None else np.asarray(user, np.float64).ravel()
    if len(u) != d:
        raise ModelError(f"context vector has {len(u)} dims, item vectors have {d}")
    return np.hstack([items * u[None, :], items, ones])


class _Linear(Policy):
    """Shared ridge model over joint features; arms are rows of ``item_vectors_``."""

    contextual = True
    config: LinearConfig

    def init(self, item_vectors: np.ndarray) -> _Linear:
        """Start with one arm per row of ``item_vectors`` (``[n_arms, d]``); returns self."""
        vecs = np.asarray(item_vectors, np.float64)
        if vecs.ndim != 2:
            raise ModelError(f"item_vectors must be 2-D, got shape {vecs.shape}")
        self.item_vectors_ = vecs
        self.n_arms_ = len(vecs)
        dim = joint_features(None, vecs[:1], self.config.interaction).shape[1]
        self.a_inv_ = np.eye(dim) / self.config.lam
        self.b_ = np.zeros(dim)
        self.theta_ = np.zeros(dim)
        self.arm_prec_ = _precision(self.config.arm_sd, len(vecs))
        self.arm_sum_ = np.zeros(len(vecs))
        return self

    def _offsets(self, arms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and variance of the per-arm offsets."""
        prec = self.arm_prec_[arms]
        return self.arm_sum_[arms] / prec, 1.0 / prec

    def add_arms(self, vectors: np.ndarray, **_: Any) -> np.ndarray:
        """Append arms with text embeddings ``vectors``; they are scored at once through the
        shared model (their prior is what similar items taught it). Returns new arm indices."""
        vecs = np.asarray(vectors, np.float64).reshape(-1, self.item_vectors_.shape[1])
        start = self.n_arms_
        self.item_vectors_ = np.vstack([self.item_vectors_, vecs])
        self.n_arms_ = len(self.item_vectors_)
        sd = self.config.arm_sd if self.config.new_arm_sd is None else self.config.new_arm_sd
        self.arm_prec_ = np.r_[self.arm_prec_, _precision(sd, len(vecs))]
        self.arm_sum_ = np.r_[self.arm_sum_, np.zeros(len(vecs))]
        return np.arange(start, self.n_arms_)

    def features(self, context: Context, arms: np.ndarray) -> np.ndarray:
        """Joint features of ``arms`` in ``context``."""
        return joint_features(context.vector, self.item_vectors_[arms], self.config.interaction)

    def predict(self, context: Context, arms: np.ndarray) -> np.ndarray:
        """Posterior mean reward of ``arms`` in ``context``."""
        arms = np.asarray(arms, np.int64)
        return self.features(context, arms) @ self.theta_ + self._offsets(arms)[0]

    def update(self, events: Events) -> None:
        """Sherman–Morrison rank-one updates of ``A⁻¹``, then ``θ = A⁻¹ b``; offsets take the
        residual of the shared model."""
        self._check_events(events)
        noise_prec = 1.0 / self.config.noise_sd**2
        for i in range(len(events)):
            a = events.items[i]
            x = self.features(events.context(i), events.items[i : i + 1])[0]
            self.arm_sum_[a] += (events.rewards[i] - x @ self.theta_) * noise_prec
            self.arm_prec_[a] += noise_prec
            ax = self.a_inv_ @ x
            self.a_inv_ -= np.outer(ax, ax) / (1.0 + x @ ax)
            self.b_ += events.rewards[i] * x
        self.theta_ = self.a_inv_ @ self.b_


class LinUCB(_Linear):
    """LinUCB (Li et al., 2010) on the shared joint features: ``x·θ + β̂_a +
    α·sqrt(xᵀA⁻¹x + var(β_a))``; propensities are exact (1, or ``1/|ties|``)."""

    name = "linucb"
    config_class = LinearConfig

    def select(
        self, context: Context, candidates: np.ndarray, k: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        c = self._check(candidates, k)
        x = self.features(context, c)
        mean, var = self._offsets(c)
        width = np.sqrt(np.maximum(np.einsum("ij,jk,ik->i", x, self.a_inv_, x), 0.0) + var)
        pos, props = greedy_slate(x @ self.theta_ + mean + self.config.alpha * width, k, rng)
        return c[pos], props


class LinTS(_Linear):
    """Linear Thompson sampling (Agrawal & Goyal, 2013): ``θ̃ ~ N(θ, v²A⁻¹)`` (and offsets
    ``β̃_a`` from their posteriors), serve the top ``k`` of ``x·θ̃ + β̃``. Propensities by
    Monte Carlo over fresh draws, as for :class:`~lmrec.models.bandit.BetaThompson`."""

    name = "lints"
    config_class = LinearConfig

    def _draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        cov = (self.a_inv_ + self.a_inv_.T) / 2.0
        chol = np.linalg.cholesky(cov + 1e-12 * np.eye(len(cov)))
        z = rng.standard_normal((n, len(cov)))
        return self.theta_[None, :] + self.config.v * z @ chol.T

    def select(
        self, context: Context, candidates: np.ndarray, k: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        c = self._check(candidates, k)
        x = self.features(context, c)
        n = self.config.propensity_samples + 1
        mean, var = self._offsets(c)
        scores = self._draw(n, rng) @ x.T + mean + np.sqrt(var) * rng.standard_normal((n, len(c)))
        k = min(k, len(c))
        pos = np.argsort(-scores[0], kind="stable")[:k]
        return c[pos], sampled_slate_propensities(scores[1:], pos)
