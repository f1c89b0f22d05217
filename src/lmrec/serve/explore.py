# SPDX-License-Identifier: MIT
"""Exploration in served lists: the last ``slots`` positions of each list are chosen by a
bandit policy among the model's next-best candidates, and every position's propensity is
logged with the served list (for off-policy evaluation).

The explorer keeps one Beta-Bernoulli arm per item id (so it survives hot swaps and items
added at serving time). Rewards come from feedback: every item served to a known user in an
exploration slot opens an impression; positive feedback (``value > 0``) from that user on that
item within ``reward_window_s`` closes it with reward 1, otherwise it closes with reward 0 when
the window ends. Both are exact conjugate updates of the policy. The state lives in memory and
is rebuilt at start-up by replaying the served lists and events of the last ``replay_s`` seconds
from the event store, so a restart keeps what was learned.

Stability: experimental.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, model_validator

from lmrec.models.bandit import POLICIES, UCB1, BetaThompson, Context, EpsilonGreedy, Events


class ExploreConfig(BaseModel):
    """The ``explore:`` section of the service config.

    Attributes:
        slots: positions at the end of each list filled by the policy (lists shorter than
            ``slots + 1`` are all explored).
        pool: how many of the model's next-best candidates (after the exploited head) the policy
            chooses from; bounded so exploration stays near what the model would show (and
            Thompson sampling's Monte-Carlo propensities cost about 17 µs per pool item).
        policy: ``thompson`` (Monte-Carlo propensities), ``epsilon_greedy`` or ``ucb1``.
        params: the policy's hyperparameters (e.g. ``{prior_a: 1, prior_b: 20}`` or
            ``{epsilon: 0.2}``), see :mod:`lmrec.models.bandit`.
        reward_window_s: positive feedback within this window after serving counts as a reward.
        replay_s: how far back the served log is replayed at start-up.
        max_pending: open impressions kept at most (the oldest close with reward 0 beyond it).
        seed: random seed of the policy's draws (None: fresh entropy).
    """

    model_config = ConfigDict(extra="forbid")

    slots: int = Field(1, ge=1, le=100)
    pool: int = Field(20, ge=1, le=10_000)
    policy: Literal["thompson", "epsilon_greedy", "ucb1"] = "thompson"
    params: dict[str, Any] = Field(default_factory=dict)
    reward_window_s: float = Field(600.0, gt=0)
    replay_s: float = Field(86_400.0, ge=0)
    max_pending: int = Field(1_000_000, ge=1)
    seed: int | None = None

    @model_validator(mode="after")
    def _policy_params(self) -> ExploreConfig:
        POLICIES[self.policy].config_class(**self.params)  # unknown or invalid ones raise here
        return self


class Explorer:
    """Thread-safe arms over item ids, impressions and rewards (see the module docstring)."""

    def __init__(self, config: ExploreConfig) -> None:
        self.config = config
        policy = POLICIES[config.policy](**config.params)
        assert isinstance(policy, BetaThompson | EpsilonGreedy | UCB1)
        self.policy = policy.init(0)
        self.arms: dict[str, int] = {}
        self.pending: collections.OrderedDict[tuple[str, str], float] = collections.OrderedDict()
        self.rng = np.random.default_rng(config.seed)
        self.rewards = [0, 0]  # impressions closed with reward 0 and 1
        self._lock = threading.Lock()

    def label(self, n_explored: int) -> str:
        """The policy logged with a served list whose last ``n_explored`` items were explored:
        ``reserved_slots:<policy>:<n_explored>`` (replay reads the count back)."""
        return f"reserved_slots:{self.config.policy}:{n_explored}"

    @staticmethod
    def explored(policy: str, items: list[str]) -> list[str]:
        """The explored items of a logged list, from its policy label (see :meth:`label`)."""
        parts = policy.split(":")
        if len(parts) != 3 or parts[0] != "reserved_slots" or not parts[2].isdigit():
            return []
        n = int(parts[2])
        return items[len(items) - n :] if n else []

    def _arms(self, ids: Sequence[str]) -> np.ndarray:
        new = [i for i in dict.fromkeys(ids) if i not in self.arms]
        if new:
            start = len(self.arms)
            self.policy.add_arms(len(new))
            self.arms.update({i: start + j for j, i in enumerate(new)})
        return np.fromiter((self.arms[i] for i in ids), np.int64, len(ids))

    # ------------------------------------------------------------------ serving
    def choose(self, pool: Sequence[str], n: int) -> tuple[np.ndarray, np.ndarray]:
        """Positions in ``pool`` (item ids) of the ``n`` explored items, and their propensities
        (the probability that this policy put that item in that slot)."""
        n = min(n, len(pool))
        if n == 0:
            return np.empty(0, np.int64), np.empty(0)
        with self._lock:
            arms = self._arms(pool)
            chosen, props = self.policy.select(Context(), arms, n, self.rng)
        where = {a: p for p, a in enumerate(arms.tolist())}
        return np.array([where[a] for a in chosen.tolist()], np.int64), np.asarray(props)

    def served(self, user: str | None, items: Iterable[str], now: float | None = None) -> None:
        """Open an impression for each served item of a known user (anonymous lists are not
        attributable, so they teach nothing)."""
        if user is None:
            return
        now = time.time() if now is None else now
        with self._lock:
            self._expire(now)
            for item in items:
                self.pending.setdefault((user, item), now)
            over = len(self.pending) - self.config.max_pending
            if over > 0:
                self._reward([self.pending.popitem(last=False)[0][1] for _ in range(over)], 0.0)

    def feedback(self, events: Iterable[tuple[str, str, float]], now: float | None = None) -> None:
        """Close the impressions that ``(user, item, value)`` events answer."""
        now = time.time() if now is None else now
        with self._lock:
            self._expire(now)
            hits = [i for u, i, v in events if v > 0 and self.pending.pop((u, i), None) is not None]
            if hits:
                self._reward(hits, 1.0)

    def _expire(self, now: float) -> None:
        old = []
        cutoff = now - self.config.reward_window_s
        while self.pending:
            key, ts = next(iter(self.pending.items()))
            if ts > cutoff:
                break
            del self.pending[key]
            old.append(key[1])
        if old:
            self._reward(old, 0.0)

    def _reward(self, items: list[str], reward: float) -> None:
        self.policy.update(Events(self._arms(items), np.full(len(items), reward)))
        self.rewards[int(reward)] += len(items)

    def means(self, ids: Sequence[str]) -> np.ndarray:
        """Posterior mean reward of the given item ids (the prior mean for unseen ones)."""
        with self._lock:
            arms = self._arms(ids)
            return np.asarray(self.policy.means)[arms]

    # ------------------------------------------------------------------ start-up
    def replay(
        self,
        served: Iterable[tuple[float, str | None, str, list[str]]],
        events: Iterable[tuple[float, str, str, float]],
        now: float | None = None,
    ) -> int:
        """Rebuild the state from logged ``(ts, user, policy, items)`` lists and ``(ts, user,
        item, value)`` events (each in time order); returns the number of rows replayed."""
        now = time.time() if now is None else now
        merged = sorted(
            [(ts, 0, (u, self.explored(p, items))) for ts, u, p, items in served]
            + [(ts, 1, (u, i, v)) for ts, u, i, v in events],
            key=lambda r: (r[0], r[1]),
        )
        for ts, kind, row in merged:
            if kind == 0:
                self.served(row[0], row[1], now=ts)  # type: ignore[arg-type]
            else:
                self.feedback([row], now=ts)  # type: ignore[list-item]
        with self._lock:
            self._expire(now)
        return len(merged)
