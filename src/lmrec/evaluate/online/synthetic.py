# SPDX-License-Identifier: MIT
"""A synthetic logged bandit problem whose target-policy value is known exactly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydantic import BaseModel, Field


class SyntheticConfig(BaseModel):
    """Shape of the problem.

    Attributes:
        n_rounds: logged rounds.
        n_contexts: discrete contexts, drawn uniformly.
        n_actions: actions per context.
        logging_temperature: softmax temperature of the (random-score) logging policy.
        target_temperature: softmax temperature of the target policy over true mean rewards
            (smaller: greedier, further from logging, harder for IPS).
        model_noise: std. dev. of the reward model's error around the true means.
        seed: random seed of the problem and the log.
    """

    n_rounds: int = Field(2000, ge=1)
    n_contexts: int = Field(10, ge=1)
    n_actions: int = Field(5, ge=2)
    logging_temperature: float = Field(1.0, gt=0)
    target_temperature: float = Field(0.1, gt=0)
    model_noise: float = Field(0.1, ge=0)
    seed: int = 0


def _softmax(x: np.ndarray, temp: float) -> np.ndarray:
    z = np.exp((x - x.max(axis=1, keepdims=True)) / temp)
    return z / z.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class SyntheticLog:
    """A log of a known logging policy μ, a known target policy π and Bernoulli rewards.

    Tables are ``[n_contexts, n_actions]``; per-round arrays have one entry per logged round.
    ``true_value = mean_x Σ_a π(a|x) r(x, a)`` (contexts are uniform), exact.
    """

    mean_reward: np.ndarray
    logging: np.ndarray
    target: np.ndarray
    reward_model: np.ndarray
    contexts: np.ndarray
    actions: np.ndarray
    rewards: np.ndarray
    true_value: float

    @property
    def propensities(self) -> np.ndarray:
        """μ(a_i | x_i) of each logged round."""
        return self.logging[self.contexts, self.actions]

    @property
    def target_probs(self) -> np.ndarray:
        """π(a_i | x_i) of each logged round."""
        return self.target[self.contexts, self.actions]

    @property
    def reward_logged(self) -> np.ndarray:
        """q̂(x_i, a_i) of each logged round."""
        return self.reward_model[self.contexts, self.actions]

    @property
    def reward_target(self) -> np.ndarray:
        """Σ_a π(a|x_i) q̂(x_i, a) of each logged round."""
        return (self.target * self.reward_model).sum(axis=1)[self.contexts]


def synthetic_log(config: SyntheticConfig | None = None, **params: object) -> SyntheticLog:
    """Draw a :class:`SyntheticLog` (deterministic under ``seed``).

    True means ``r(x,a) ~ U(0.1, 0.9)``; the logging policy is a softmax of random scores; the
    target policy a sharp softmax of the true means; the reward model is the truth plus Gaussian
    noise (clipped to [0, 1]) – a reasonable but imperfect model for DR.
    """
    c = config or SyntheticConfig.model_validate(params)
    rng = np.random.default_rng(c.seed)
    shape = (c.n_contexts, c.n_actions)
    mean = rng.uniform(0.1, 0.9, shape)
    logging = _softmax(rng.normal(size=shape), c.logging_temperature)
    target = _softmax(mean, c.target_temperature)
    model = np.clip(mean + rng.normal(0.0, c.model_noise, shape), 0.0, 1.0)
    ctx = rng.integers(0, c.n_contexts, c.n_rounds)
    cum = logging[ctx].cumsum(axis=1)
    act = np.minimum((rng.random(c.n_rounds)[:, None] > cum).sum(axis=1), c.n_actions - 1)
    rew = (rng.random(c.n_rounds) < mean[ctx, act]).astype(np.float64)
    truth = float((target * mean).sum(axis=1).mean())
    return SyntheticLog(mean, logging, target, model, ctx, act, rew, truth)
