# SPDX-License-Identifier: MIT
"""Bandit policies for exploration vs exploitation, with logged propensities.

>>> import numpy as np
>>> from lmrec.models.bandit import BetaThompson, Context, Events
>>> policy = BetaThompson().init(n_arms=5)
>>> items, props = policy.select(Context(), np.arange(5), k=2, rng=np.random.default_rng(0))
>>> policy.update(Events.slate(Context(), items, [1.0, 0.0]))

Every policy has ``init(...)`` (arms), ``add_arms(...)`` (new items join at once),
``select(context, candidates, k, rng) -> (items, propensities)``, ``update(events)`` and
``save(path)`` / ``Policy.load(path)`` (npz + JSON, no pickle).
Non-contextual (one Beta arm per item): :class:`EpsilonGreedy`, :class:`UCB1`,
:class:`BetaThompson`. Contextual on LM embeddings: :class:`LinUCB`, :class:`LinTS`. Slate
over a base Recommender: :class:`ReservedSlots`. References: :class:`UniformRandom`,
:class:`StaticGreedy`.
"""

from lmrec.models.bandit._base import (
    Context,
    Events,
    Policy,
    greedy_slate,
    sampled_slate_propensities,
)
from lmrec.models.bandit._prior import text_prior
from lmrec.models.bandit.arms import (
    UCB1,
    ArmsConfig,
    BetaThompson,
    EpsilonGreedy,
    EpsilonGreedyConfig,
    ThompsonConfig,
    UCB1Config,
)
from lmrec.models.bandit.baselines import StaticGreedy, UniformRandom
from lmrec.models.bandit.linear import LinearConfig, LinTS, LinUCB, joint_features
from lmrec.models.bandit.slate import ReservedSlots, ReservedSlotsConfig

POLICIES: dict[str, type[Policy]] = {
    cls.name: cls
    for cls in (
        EpsilonGreedy,
        UCB1,
        BetaThompson,
        LinUCB,
        LinTS,
        ReservedSlots,
        UniformRandom,
        StaticGreedy,
    )
}

__all__ = [
    "POLICIES",
    "UCB1",
    "ArmsConfig",
    "BetaThompson",
    "Context",
    "EpsilonGreedy",
    "EpsilonGreedyConfig",
    "Events",
    "LinTS",
    "LinUCB",
    "LinearConfig",
    "Policy",
    "ReservedSlots",
    "ReservedSlotsConfig",
    "StaticGreedy",
    "ThompsonConfig",
    "UCB1Config",
    "UniformRandom",
    "greedy_slate",
    "joint_features",
    "sampled_slate_propensities",
    "text_prior",
]
