# SPDX-License-Identifier: MIT
"""Unbiased replay evaluation (Li, Chu, Langford & Wang, WSDM 2011).

Walk through a log whose actions were chosen *uniformly at random* among each round's
candidates; whenever the evaluated policy picks the logged action, count the logged reward and
let the policy learn from it, otherwise skip the round. For a stationary problem the mean of the
counted rewards is an unbiased estimate of the policy's per-round value (about ``n/|C|`` rounds
are kept).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from lmrec.evaluate.stats import bootstrap_ci
from lmrec.models.bandit import Context, Events, Policy

__all__ = ["ReplayResult", "replay"]


@dataclass(frozen=True)
class ReplayResult:
    """Outcome of :func:`replay`: the kept rounds' rewards and the value with a 95% CI."""

    n_logged: int
    matched: np.ndarray
    rewards: np.ndarray
    value: float
    low: float
    high: float

    @property
    def n_matched(self) -> int:
        """Rounds where the policy agreed with the log."""
        return len(self.rewards)


def replay(
    policy: Policy,
    contexts: Sequence[Context],
    candidates: Sequence[np.ndarray] | np.ndarray,
    actions: np.ndarray,
    rewards: np.ndarray,
    seed: int = 0,
    propensities: np.ndarray | None = None,
    learn: bool = True,
) -> ReplayResult:
    """Replay-evaluate ``policy`` on a uniformly logged log.

    Args:
        policy: an initialised policy (it is updated in place when ``learn``).
        contexts: per-round contexts.
        candidates: per-round candidate arms (a 2-D array when all rounds have ``m``).
        actions: logged actions.
        rewards: logged rewards.
        seed: seed of the policy's random choices.
        propensities: logged propensities; when given they must equal ``1/|candidates|``.
        learn: update the policy on kept rounds (False evaluates it frozen).

    Raises:
        ValueError: on length mismatches or non-uniform logging propensities.
    """
    actions = np.asarray(actions, np.int64).ravel()
    rewards = np.asarray(rewards, np.float64).ravel()
    n = len(actions)
    if not len(contexts) == len(candidates) == len(rewards) == n:
        raise ValueError("contexts, candidates, actions and rewards must have one entry a round")
    if propensities is not None:
        sizes = np.array([len(c) for c in candidates], np.float64)
        if not np.allclose(np.asarray(propensities, np.float64), 1.0 / sizes):
            raise ValueError(
                "replay is unbiased only for uniformly logged actions (propensity 1/|C|); "
                "use lmrec.evaluate.online.ips/dr for other logs"
            )
    rng = np.random.default_rng(seed)
    kept = []
    for i in range(n):
        arm, _ = policy.select_one(contexts[i], np.asarray(candidates[i]), rng)
        if arm != actions[i]:
            continue
        kept.append(i)
        if learn:
            policy.update(Events(actions[i : i + 1], rewards[i : i + 1], (contexts[i],)))
    idx = np.array(kept, np.int64)
    value, low, high = bootstrap_ci(rewards[idx], seed=seed)
    return ReplayResult(n, idx, rewards[idx], value, low, high)
