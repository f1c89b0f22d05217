# SPDX-License-Identifier: MIT
"""The small API every bandit policy shares: contexts, feedback events, slate selection.

A policy serves ``k`` arms out of a candidate set and records the propensity of each served
arm; it learns from ``(context, arm, reward)`` events. Arms are dense integers ``0..n_arms-1``
(an item's index in the catalogue the policy was built for); :meth:`Policy.add_arms` appends
new ones. Randomness comes only from the ``rng`` passed to :meth:`Policy.select`, so a run is
deterministic under a seed.

Propensities of a slate are *position-wise conditional*: entry ``j`` is the probability that the
policy puts ``items[j]`` in slot ``j`` given the items already placed in slots ``0..j-1``
(for ``k = 1`` this is the ordinary action probability).
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Self

import numpy as np

from lmrec._io import atomic_dir, load_arrays, save_arrays, verify_dir, write_json
from lmrec.errors import ArtifactError, ModelError, NotFittedError
from lmrec.models._base import CONFIG_FILE, STATE_FILE, ModelConfig, make_config


@dataclass(frozen=True)
class Context:
    """What a policy knows about the request: a user index and/or a user feature vector."""

    user: int = -1
    vector: np.ndarray | None = None


@dataclass(frozen=True)
class Events:
    """Feedback: ``rewards[i]`` observed for serving arm ``items[i]`` in ``contexts[i]``."""

    items: np.ndarray
    rewards: np.ndarray
    contexts: tuple[Context, ...] = field(default=())

    def __post_init__(self) -> None:
        items = np.asarray(self.items, np.int64).ravel()
        rewards = np.asarray(self.rewards, np.float64).ravel()
        if len(items) != len(rewards):
            raise ModelError(f"{len(items)} items but {len(rewards)} rewards")
        if self.contexts and len(self.contexts) != len(items):
            raise ModelError(f"{len(items)} items but {len(self.contexts)} contexts")
        object.__setattr__(self, "items", items)
        object.__setattr__(self, "rewards", rewards)

    def __len__(self) -> int:
        return len(self.items)

    @classmethod
    def slate(cls, context: Context, items: Sequence[int] | np.ndarray, rewards: Any) -> Events:
        """Events of one served slate: every item shares ``context``."""
        items = np.asarray(items, np.int64).ravel()
        return cls(items, np.asarray(rewards, np.float64), (context,) * len(items))

    def context(self, i: int) -> Context:
        """Context of event ``i`` (an empty :class:`Context` when none were given)."""
        return self.contexts[i] if self.contexts else Context()


def slot_choice(
    greedy: np.ndarray, remaining: np.ndarray, eps: float, rng: np.random.Generator
) -> tuple[int, float]:
    """Pick one slot: with prob. 1-ε a uniform member of the tied-best set ``greedy``, else a
    uniform member of ``remaining``; returns (position in ``remaining``, exact probability)."""
    if eps > 0 and rng.random() < eps:
        pos = int(rng.integers(len(remaining)))
    else:
        pos = int(greedy[rng.integers(len(greedy))])
    p = eps / len(remaining) + (1.0 - eps) * (1.0 / len(greedy) if pos in set(greedy) else 0.0)
    return pos, float(p)


def greedy_slate(
    scores: np.ndarray, k: int, rng: np.random.Generator, eps: float = 0.0
) -> tuple[np.ndarray, np.ndarray]:
    """Fill ``k`` slots from ``scores`` slot by slot: best remaining (ties uniform) with prob.
    1-ε, uniform remaining with prob. ε. Returns positions into ``scores`` and the exact
    position-wise conditional propensities."""
    left = np.arange(len(scores))
    pos_out, props = [], []
    for _ in range(min(k, len(scores))):
        s = scores[left]
        greedy = np.flatnonzero(s == s.max())
        j, p = slot_choice(greedy, left, eps, rng)
        pos_out.append(int(left[j]))
        props.append(p)
        left = np.delete(left, j)
    return np.array(pos_out, np.int64), np.array(props, np.float64)


def sampled_slate_propensities(draws: np.ndarray, chosen: np.ndarray) -> np.ndarray:
    """Monte-Carlo position-wise propensities of a slate served by a sampling policy.

    ``draws`` is ``[n_mc, m]`` fresh samples of the scores of the ``m`` candidates and
    ``chosen`` the served positions (best first). Slot ``j``'s propensity is the share of draws
    that agree with the served slate on slots ``0..j-1`` and put ``chosen[j]`` at slot ``j``,
    among those agreeing on ``0..j-1``; the served draw itself counts as one agreeing sample, so
    every value lies in ``[1/(n_mc+1), 1]``.
    """
    k = len(chosen)
    order = np.argsort(-draws, axis=1, kind="stable")[:, :k]
    agree = np.ones(len(draws), bool)
    out = np.empty(k)
    for j in range(k):
        hit = agree & (order[:, j] == chosen[j])
        out[j] = (hit.sum() + 1.0) / (agree.sum() + 1.0)
        agree = hit
    return out


class Policy(ABC):
    """Base of bandit policies: a typed config, arms, ``select`` and ``update``.

    Subclasses implement :meth:`_init_arms`, :meth:`_add_arms`, :meth:`_scores_for_select` or
    :meth:`select`, and :meth:`update`.

    Stability: caller (the API may still grow).
    """

    name: ClassVar[str] = "policy"
    config_class: ClassVar[type[ModelConfig]] = ModelConfig
    contextual: ClassVar[bool] = False

    def __init__(self, config: ModelConfig | dict[str, Any] | None = None, **params: Any) -> None:
        self.config = make_config(self.name, self.config_class, config, params)

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.config.model_dump().items())
        return f"{type(self).__name__}({params})"

    @property
    def n_arms(self) -> int:
        """Number of arms (0 before :meth:`init`)."""
        return int(getattr(self, "n_arms_", 0))

    def _check(self, candidates: np.ndarray, k: int) -> np.ndarray:
        if not hasattr(self, "n_arms_"):
            raise NotFittedError(f"{self.name}: call init(...) before select")
        c = np.asarray(candidates, np.int64).ravel()
        if len(c) == 0:
            raise ModelError(f"{self.name}: no candidates to choose from")
        if k < 1:
            raise ModelError(f"k must be ≥ 1, got {k}")
        if c.min() < 0 or c.max() >= self.n_arms_:
            raise ModelError(f"{self.name}: candidate arm out of range 0..{self.n_arms_ - 1}")
        return c

    def _check_events(self, events: Events) -> None:
        if len(events) and (events.items.min() < 0 or events.items.max() >= self.n_arms):
            raise ModelError(f"{self.name}: event arm out of range 0..{self.n_arms - 1}")

    @abstractmethod
    def select(
        self, context: Context, candidates: np.ndarray, k: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Serve ``k`` distinct arms from ``candidates``; returns (arms, propensities)."""

    @abstractmethod
    def update(self, events: Events) -> None:
        """Learn from observed rewards."""

    def select_one(
        self, context: Context, candidates: np.ndarray, rng: np.random.Generator
    ) -> tuple[int, float]:
        """A single arm and its propensity (``select`` with ``k = 1``)."""
        items, props = self.select(context, candidates, 1, rng)
        return int(items[0]), float(props[0])

    # ------------------------------------------------------------------ persistence
    def _learned_state(self) -> tuple[dict[str, np.ndarray], dict[str, int | float]]:
        """Learned attributes (trailing ``_``) split into arrays and JSON scalars."""
        if not hasattr(self, "n_arms_"):
            raise NotFittedError(f"{self.name}: nothing to save; call init(...) first")
        arrays: dict[str, np.ndarray] = {}
        scalars: dict[str, int | float] = {}
        for key, value in vars(self).items():
            if not key.endswith("_"):
                continue
            if isinstance(value, np.ndarray):
                arrays[key] = value
            elif isinstance(value, int | float | np.integer | np.floating):
                scalars[key] = value.item() if isinstance(value, np.generic) else value
            else:
                raise ModelError(
                    f"{self.name}: state {key!r} is a {type(value).__name__}; save its parts "
                    "(e.g. the base model and the explorer) separately"
                )
        return arrays, scalars

    def save(self, path: Path | str) -> None:
        """Write ``config.json`` (config and scalar state), ``state.npz`` and a checksummed
        manifest, atomically; no pickle."""
        arrays, scalars = self._learned_state()
        with atomic_dir(path, extra_manifest={"policy": self.name}) as tmp:
            spec = {"policy": self.name, "config": self.config.model_dump(mode="json")}
            write_json(tmp / CONFIG_FILE, {**spec, "scalars": scalars})
            save_arrays(tmp / STATE_FILE, arrays)

    @classmethod
    def load(cls, path: Path | str) -> Self:
        """Load a policy saved by :meth:`save` (checksums verified first). On the base class
        the policy type is read from the folder."""
        path = Path(path)
        verify_dir(path)
        spec = json.loads((path / CONFIG_FILE).read_text())
        name = spec.get("policy")
        klass: type[Policy] = cls
        if cls is Policy:
            from lmrec.models.bandit import POLICIES

            if name not in POLICIES:
                raise ArtifactError(f"{path}: unknown policy {name!r}")
            klass = POLICIES[name]
        elif name != cls.name:
            raise ArtifactError(f"{path}: holds a {name!r} policy, not {cls.name!r}")
        policy = klass(spec["config"])
        for key, value in {**load_arrays(path / STATE_FILE), **spec["scalars"]}.items():
            setattr(policy, key, value)
        return policy  # type: ignore[return-value]
