# SPDX-License-Identifier: MIT
"""Non-contextual policies with one Beta-Bernoulli arm per item: ε-greedy, UCB1, Thompson.

All three keep, per arm, pseudo-counts ``a`` (successes) and ``b`` (failures) that start at a
prior and grow with each event by ``reward`` and ``1 − reward`` (rewards in [0, 1]). A new arm's
prior may come from its text (see :func:`~lmrec.models.bandit.text_prior`): mean ``m`` with
strength ``s`` gives ``a = m·s``, ``b = (1−m)·s``.

Time decay (``decay = γ < 1``, for drifting rewards): before each event every arm's evidence
shrinks toward its prior, ``a ← a₀ + γ·(a − a₀)`` (same for ``b``), so an observation ``n``
events old weighs ``γⁿ`` (discounted Thompson sampling, Raj & Kalyani 2017).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from pydantic import Field

from lmrec.models._base import ModelConfig
from lmrec.models.bandit._base import (
    Context,
    Events,
    Policy,
    greedy_slate,
    sampled_slate_propensities,
)


class ArmsConfig(ModelConfig):
    """Hyperparameters shared by the per-item policies.

    Attributes:
        prior_a, prior_b: Beta prior pseudo-counts of arms without a text prior.
        prior_strength: pseudo-count total ``a + b`` given to a text prior mean.
        decay: per-event discount γ of past evidence (1: no decay).
    """

    prior_a: float = Field(1.0, gt=0)
    prior_b: float = Field(1.0, gt=0)
    prior_strength: float = Field(2.0, gt=0)
    decay: float = Field(1.0, gt=0, le=1)


class EpsilonGreedyConfig(ArmsConfig):
    """ε-greedy: ``epsilon`` is the per-slot probability of a uniform random arm."""

    epsilon: float = Field(0.1, ge=0, le=1)


class UCB1Config(ArmsConfig):
    """UCB1: ``c`` scales the confidence bonus ``c·sqrt(2 ln t / n)``."""

    c: float = Field(1.0, ge=0)


class ThompsonConfig(ArmsConfig):
    """Beta-Bernoulli Thompson sampling.

    Attributes:
        propensity_samples: Monte-Carlo posterior draws used to estimate propensities.
    """

    propensity_samples: int = Field(200, ge=1)


class _BetaArms(Policy):
    """Per-arm Beta pseudo-counts and their bookkeeping."""

    config: ArmsConfig

    def init(self, n_arms: int, prior_mean: np.ndarray | None = None) -> _BetaArms:
        """Start with ``n_arms`` fresh arms (optionally with text prior means); returns self."""
        self.a_ = np.empty(0)
        self.b_ = np.empty(0)
        self.a0_ = np.empty(0)
        self.b0_ = np.empty(0)
        self.pulls_ = np.empty(0)
        self.n_arms_ = 0
        self.t_ = 0
        self.add_arms(n_arms, prior_mean)
        return self

    def add_arms(self, n: int, prior_mean: np.ndarray | None = None, **_: Any) -> np.ndarray:
        """Append ``n`` arms; ``prior_mean`` (e.g. from text) sets their Beta prior.

        Returns the new arm indices.
        """
        c = self.config
        if prior_mean is None:
            a, b = np.full(n, c.prior_a), np.full(n, c.prior_b)
        else:
            m = np.clip(np.asarray(prior_mean, np.float64).ravel(), 1e-3, 1 - 1e-3)
            a, b = m * c.prior_strength, (1 - m) * c.prior_strength
        self.a_ = np.r_[self.a_, a]
        self.b_ = np.r_[self.b_, b]
        self.a0_ = np.r_[self.a0_, a]
        self.b0_ = np.r_[self.b0_, b]
        self.pulls_ = np.r_[self.pulls_, np.zeros(n)]
        start = self.n_arms_
        self.n_arms_ = start + n
        return np.arange(start, self.n_arms_)

    @property
    def means(self) -> np.ndarray:
        """Posterior mean reward of every arm."""
        return self.a_ / (self.a_ + self.b_)

    def update(self, events: Events) -> None:
        """Add each event's reward to its arm's counts (exact conjugate update; with decay,
        past evidence is discounted before each event)."""
        self._check_events(events)
        r = np.clip(events.rewards, 0.0, 1.0)
        np.add.at(self.pulls_, events.items, 1.0)
        self.t_ += len(events)
        if self.config.decay == 1.0:
            np.add.at(self.a_, events.items, r)
            np.add.at(self.b_, events.items, 1.0 - r)
            return
        g = self.config.decay
        for item, reward in zip(events.items, r, strict=True):
            self.a_ = self.a0_ + g * (self.a_ - self.a0_)
            self.b_ = self.b0_ + g * (self.b_ - self.b0_)
            self.a_[item] += reward
            self.b_[item] += 1.0 - reward


class EpsilonGreedy(_BetaArms):
    """Serves the best posterior mean per slot, or with probability ε a uniform random arm.

    Propensities are exact: ``(1−ε)/|ties|`` for a greedy pick plus ``ε/|remaining|``.
    """

    name = "epsilon_greedy"
    config_class = EpsilonGreedyConfig
    config: EpsilonGreedyConfig

    def select(
        self, context: Context, candidates: np.ndarray, k: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        c = self._check(candidates, k)
        pos, props = greedy_slate(self.means[c], k, rng, self.config.epsilon)
        return c[pos], props


class UCB1(_BetaArms):
    """Upper confidence bound: mean + ``c·sqrt(2 ln t / n)`` with ``n = a + b`` (prior
    pseudo-counts count as pulls, so an unplayed arm gets a large but finite bonus).

    Deterministic up to ties (broken uniformly): propensities are 1, or ``1/|ties|``.
    """

    name = "ucb1"
    config_class = UCB1Config
    config: UCB1Config

    def select(
        self, context: Context, candidates: np.ndarray, k: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        c = self._check(candidates, k)
        n = self.a_[c] + self.b_[c]
        bonus = self.config.c * np.sqrt(2.0 * np.log(self.t_ + 2.0) / n)
        pos, props = greedy_slate(self.means[c] + bonus, k, rng)
        return c[pos], props


class BetaThompson(_BetaArms):
    """Beta-Bernoulli Thompson sampling: one posterior draw per candidate, serve the top ``k``.

    Propensities are estimated by Monte Carlo: ``propensity_samples`` fresh posterior draws are
    ranked and the served slate's position-wise frequency taken (see
    :func:`~lmrec.models.bandit.sampled_slate_propensities`), so they lie in
    ``[1/(n_mc+1), 1]`` with standard error about ``sqrt(p(1−p)/n_mc)``.
    """

    name = "thompson"
    config_class = ThompsonConfig
    config: ThompsonConfig

    def select(
        self, context: Context, candidates: np.ndarray, k: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        c = self._check(candidates, k)
        a, b = self.a_[c], self.b_[c]
        draw = rng.beta(a, b)
        k = min(k, len(c))
        pos = np.argsort(-draw, kind="stable")[:k]
        draws = rng.beta(a, b, size=(self.config.propensity_samples, len(c)))
        return c[pos], sampled_slate_propensities(draws, pos)
