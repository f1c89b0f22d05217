# SPDX-License-Identifier: MIT
"""An interactive bandit simulator built from held-out explicit ratings.

Each round a user is drawn uniformly from the users with held-out ratings, and a candidate set
of ``n_candidates`` items is offered: up to ``rated_share`` of them drawn from the items this
user rated in the held-out data, the rest uniformly from the catalogue. Serving an item the user
rated ``≥ threshold`` gives reward 1, any other item 0.

**Bias**: an item the user never rated counts as "no click" although the user might have liked
it; this undercounts rewards for items far from what users rate (e.g. unpopular ones) and
rewards policies that find *what the user will rate*, which mixes taste with exposure. The
``rated_share`` mix keeps rounds informative (with uniform candidates almost every reward would
be 0) but makes "was rated at all" a signal that popularity already predicts well.

The round stream (users and candidates) depends only on the seed, so every policy faces the
same rounds and comparisons across policies are paired. Items listed as ``cold_items`` are
withheld from candidates until round ``reveal_at``, then offered like any other item; the
simulator reindexes items so that warm items are arms ``0..n_warm-1`` and cold items follow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from pydantic import BaseModel, Field

from lmrec.data import Dataset
from lmrec.errors import DataError
from lmrec.models.bandit import Context, Events, Policy

__all__ = ["RatingSimulator", "Rounds", "SimTrace", "SimulatorConfig", "simulate"]


class SimulatorConfig(BaseModel):
    """Settings of :class:`RatingSimulator`.

    Attributes:
        n_candidates: items offered per round.
        rated_share: at most this share of candidates comes from the user's rated items.
        threshold: rating giving reward 1.
        min_positive: users need at least this many held-out ratings ≥ threshold to be drawn.
    """

    n_candidates: int = Field(20, ge=2)
    rated_share: float = Field(0.5, ge=0, le=1)
    threshold: float = 4.0
    min_positive: int = Field(1, ge=0)


@dataclass(frozen=True)
class Rounds:
    """A seeded round stream: ``users[t]`` and ``candidates[t]`` (arm indices)."""

    users: np.ndarray
    candidates: np.ndarray
    reveal_at: int | None

    def __len__(self) -> int:
        return len(self.users)


class RatingSimulator:
    """Rewards from held-out ratings (see the module docstring for the protocol and its bias).

    Args:
        ratings: held-out explicit ratings (e.g. the test part of a split), same IdMaps as the
            training data.
        cold_items: dataset item indices withheld until ``reveal_at``.
        config: :class:`SimulatorConfig` (or pass its fields as keywords).
    """

    def __init__(
        self,
        ratings: Dataset,
        cold_items: np.ndarray | None = None,
        config: SimulatorConfig | None = None,
        **params: object,
    ) -> None:
        self.config = config or SimulatorConfig.model_validate(params)
        if ratings.n_events == 0:
            raise DataError("RatingSimulator: the held-out ratings are empty")
        cold = np.unique(np.asarray([] if cold_items is None else cold_items, np.int64))
        warm = np.setdiff1d(np.arange(ratings.n_items), cold)
        #: arm index -> dataset item index (warm items first, then cold ones)
        self.item_ids = np.r_[warm, cold]
        self.n_warm = len(warm)
        arm_of = np.empty(ratings.n_items, np.int64)
        arm_of[self.item_ids] = np.arange(ratings.n_items)
        r = sp.csr_matrix(ratings.interactions, dtype=np.float64)
        self.ratings_ = sp.csr_matrix(r[:, self.item_ids])
        self.positive_ = sp.csr_matrix(self.ratings_ >= self.config.threshold, dtype=np.float64)
        n_pos = np.diff(self.positive_.indptr)
        self.users_ = np.flatnonzero(
            (n_pos >= self.config.min_positive) & (np.diff(self.ratings_.indptr) > 0)
        )
        if len(self.users_) == 0:
            raise DataError("RatingSimulator: no user has enough held-out positive ratings")

    @property
    def n_arms(self) -> int:
        """All arms (warm and cold)."""
        return int(self.ratings_.shape[1])

    def rounds(self, n_rounds: int, seed: int = 0, reveal_at: int | None = None) -> Rounds:
        """A deterministic stream of ``n_rounds`` (user, candidates) pairs."""
        rng = np.random.default_rng(seed)
        m = self.config.n_candidates
        if m > self.n_warm:
            raise DataError(
                f"RatingSimulator: {m} candidates per round but only {self.n_warm} warm items; "
                "lower n_candidates"
            )
        users = rng.choice(self.users_, n_rounds)
        cands = np.empty((n_rounds, m), np.int64)
        n_rated = round(m * self.config.rated_share)
        for t, u in enumerate(users):
            avail = self.n_arms if reveal_at is not None and t >= reveal_at else self.n_warm
            lo, hi = self.ratings_.indptr[u], self.ratings_.indptr[u + 1]
            rated = self.ratings_.indices[lo:hi]
            rated = rated[rated < avail]
            pick = rng.choice(rated, min(n_rated, len(rated)), replace=False)
            rest = np.setdiff1d(np.arange(avail), pick, assume_unique=True)
            cands[t] = np.r_[pick, rng.choice(rest, m - len(pick), replace=False)]
            rng.shuffle(cands[t])
        return Rounds(users, cands, reveal_at)

    def rewards(self, users: np.ndarray, arms: np.ndarray) -> np.ndarray:
        """Reward of serving ``arms`` to ``users``: ``arms`` is ``[n]`` or ``[n, m]`` (one row of
        arms per user)."""
        users, arms = np.asarray(users, np.int64), np.asarray(arms, np.int64)
        u = np.broadcast_to(
            users.reshape(users.shape + (1,) * (arms.ndim - users.ndim)), arms.shape
        )
        out = np.asarray(self.positive_[u.ravel(), arms.ravel()]).ravel()
        return out.reshape(arms.shape)


@dataclass(frozen=True)
class SimTrace:
    """What a policy did over a round stream: served arms, propensities, rewards and the
    oracle's reward (best achievable with ``k`` slots among that round's candidates)."""

    policy: str
    items: np.ndarray
    propensities: np.ndarray
    rewards: np.ndarray
    oracle: np.ndarray

    @property
    def cumulative_reward(self) -> np.ndarray:
        """Cumulative sum of per-round reward (summed over slots)."""
        return np.cumsum(self.rewards.sum(axis=1))

    @property
    def cumulative_regret(self) -> np.ndarray:
        """Cumulative oracle reward minus cumulative reward."""
        return np.cumsum(self.oracle) - self.cumulative_reward

    def exposure(self, arms: np.ndarray) -> np.ndarray:
        """Per round, how many served slots were among ``arms``."""
        return np.isin(self.items, arms).sum(axis=1)


def simulate(
    policy: Policy,
    sim: RatingSimulator,
    rounds: Rounds,
    context: Callable[[int], Context],
    k: int = 1,
    seed: int = 0,
    join: Callable[[Policy, np.ndarray], None] | None = None,
) -> SimTrace:
    """Run ``policy`` over ``rounds``: select → reward → update, one round at a time.

    Args:
        policy: initialised with the simulator's warm arms (``sim.n_warm``).
        sim: the simulator.
        rounds: from :meth:`RatingSimulator.rounds`.
        context: user index -> :class:`Context` (e.g. with the user's LM vector).
        k: slots per round.
        seed: seed of the policy's own randomness.
        join: called once at ``rounds.reveal_at`` with the cold arms
            (``sim.n_warm..sim.n_arms-1``) so the policy can ``add_arms`` them (e.g. with a
            text prior); it must give them exactly these indices.
    """
    rng = np.random.default_rng(seed)
    n = len(rounds)
    items = np.empty((n, k), np.int64)
    props = np.empty((n, k))
    rew = np.empty((n, k))
    truth = sim.rewards(rounds.users, rounds.candidates)
    oracle = np.minimum(truth.sum(axis=1), k)
    for t in range(n):
        if join is not None and t == rounds.reveal_at:
            join(policy, np.arange(sim.n_warm, sim.n_arms))
        u = int(rounds.users[t])
        ctx = context(u)
        a, p = policy.select(ctx, rounds.candidates[t], k, rng)
        r = truth[t][np.nonzero(a[:, None] == rounds.candidates[t][None, :])[1]]
        items[t], props[t], rew[t] = a, p, r
        policy.update(Events.slate(ctx, a, r))
    return SimTrace(policy.name, items, props, rew, oracle)
