# SPDX-License-Identifier: MIT
"""Bandit policies: convergence, exact posterior updates, propensities, determinism, cold arms."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from lmrec.errors import ArtifactError, ConfigError, ModelError, NotFittedError
from lmrec.models.bandit import (
    UCB1,
    BetaThompson,
    Context,
    EpsilonGreedy,
    Events,
    LinTS,
    LinUCB,
    Policy,
    ReservedSlots,
    StaticGreedy,
    UniformRandom,
    greedy_slate,
    sampled_slate_propensities,
    text_prior,
)

MEANS = np.array([0.1, 0.2, 0.3, 0.8, 0.25])  # arm 3 dominates by a clear gap
DIM = 4


def _vectors(n: int, seed: int = 0) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=(n, DIM))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


# name -> factory of an initialised policy over len(MEANS) arms (table-driven)
POLICIES: dict[str, Callable[[], Policy]] = {
    "epsilon_greedy": lambda: EpsilonGreedy(epsilon=0.1).init(len(MEANS)),
    "ucb1": lambda: UCB1().init(len(MEANS)),
    "thompson": lambda: BetaThompson(propensity_samples=50).init(len(MEANS)),
    "linucb": lambda: LinUCB(alpha=0.5, propensity_samples=20).init(np.eye(len(MEANS))),
    "lints": lambda: LinTS(v=0.2, propensity_samples=20).init(np.eye(len(MEANS))),
}


def _run(policy: Policy, rounds: int, seed: int, k: int = 1) -> np.ndarray:
    """Play a Bernoulli bandit; returns served arms ``[rounds, k]``."""
    rng, env = np.random.default_rng(seed), np.random.default_rng(seed + 100)
    arms = np.arange(policy.n_arms)
    served = np.empty((rounds, k), np.int64)
    for t in range(rounds):
        a, _ = policy.select(Context(), arms, k, rng)
        policy.update(Events.slate(Context(), a, env.random(len(a)) < MEANS[a]))
        served[t] = a
    return served


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_finds_dominant_arm(name: str) -> None:
    served = _run(POLICIES[name](), rounds=1500, seed=0)[:, 0]
    late = np.bincount(served[-500:], minlength=len(MEANS))
    assert late.argmax() == 3
    assert late[3] / 500 > 0.8


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_deterministic_under_seed(name: str) -> None:
    a = _run(POLICIES[name](), rounds=60, seed=3, k=2)
    b = _run(POLICIES[name](), rounds=60, seed=3, k=2)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_slate_distinct_and_propensities_in_unit_interval(name: str) -> None:
    policy, rng = POLICIES[name](), np.random.default_rng(0)
    for _ in range(20):
        items, props = policy.select(Context(), np.array([4, 0, 2, 3]), 3, rng)
        assert len(set(items.tolist())) == 3 and set(items.tolist()) <= {0, 2, 3, 4}
        assert np.all((props > 0) & (props <= 1))
        policy.update(Events.slate(Context(), items, [1.0, 0.0, 0.0]))


def test_beta_posterior_update_is_exact() -> None:
    policy = BetaThompson(prior_a=1.0, prior_b=2.0).init(3)
    policy.update(Events(np.array([0, 0, 2, 0]), np.array([1.0, 0.0, 1.0, 1.0])))
    np.testing.assert_allclose(policy.a_, [3.0, 1.0, 2.0])
    np.testing.assert_allclose(policy.b_, [3.0, 2.0, 2.0])
    np.testing.assert_allclose(policy.means, [0.5, 1 / 3, 0.5])


def test_linear_posterior_update_is_exact() -> None:
    vecs = _vectors(3)
    policy = LinUCB(lam=2.0).init(vecs)
    ctx = [Context(vector=v) for v in _vectors(4, seed=1)]
    items, rewards = np.array([0, 1, 2, 1]), np.array([1.0, 0.0, 1.0, 1.0])
    policy.update(Events(items, rewards, tuple(ctx)))
    x = np.vstack([policy.features(c, np.array([i]))[0] for c, i in zip(ctx, items, strict=True)])
    a = 2.0 * np.eye(x.shape[1]) + x.T @ x
    np.testing.assert_allclose(policy.a_inv_, np.linalg.inv(a), atol=1e-10)
    np.testing.assert_allclose(policy.theta_, np.linalg.solve(a, x.T @ rewards), atol=1e-10)


@pytest.mark.parametrize(
    ("policy", "exact"),
    [
        (EpsilonGreedy(epsilon=0.3), True),
        (UCB1(), True),
        (BetaThompson(propensity_samples=400), False),
    ],
)
def test_single_slot_propensities_sum_to_one(policy: Policy, exact: bool) -> None:
    policy.init(4)  # type: ignore[attr-defined]
    policy.update(Events(np.array([0, 1, 1, 2]), np.array([1.0, 1.0, 0.0, 0.0])))
    rng, seen = np.random.default_rng(0), {}
    counts = np.zeros(4)
    for _ in range(3000):
        item, p = policy.select_one(Context(), np.arange(4), rng)
        counts[item] += 1
        seen.setdefault(item, []).append(p)
    mean_p = {i: float(np.mean(ps)) for i, ps in seen.items()}
    tol = 1e-12 if exact else 0.05
    assert sum(mean_p.values()) == pytest.approx(1.0, abs=tol)
    for item, p in mean_p.items():  # reported propensity matches the empirical frequency
        assert counts[item] / 3000 == pytest.approx(p, abs=0.04)


def test_epsilon_greedy_propensity_formula() -> None:
    pos, props = greedy_slate(np.array([0.1, 0.9, 0.9, 0.2]), 1, np.random.default_rng(0), 0.2)
    assert pos[0] in (1, 2)
    assert props[0] == pytest.approx(0.8 / 2 + 0.2 / 4)


def test_sampled_propensities_count_the_served_draw() -> None:
    draws = np.array([[3.0, 1.0, 2.0], [1.0, 3.0, 2.0]])
    np.testing.assert_allclose(sampled_slate_propensities(draws, np.array([0, 2])), [2 / 3, 1])


def test_uniform_random_propensities_are_exact() -> None:
    items, props = (
        UniformRandom().init(10).select(Context(), np.arange(5), 3, np.random.default_rng(0))
    )
    np.testing.assert_allclose(props, [1 / 5, 1 / 4, 1 / 3])
    assert len(set(items.tolist())) == 3


def _contextual_problem(n_users: int = 8, n_items: int = 6, seed: int = 0):  # type: ignore[no-untyped-def]
    """Users and items with vectors; reward mean is high iff their clusters match."""
    rng = np.random.default_rng(seed)
    centres = np.eye(DIM)[:2]
    user_c, item_c = rng.integers(0, 2, n_users), np.arange(n_items) % 2
    users = centres[user_c] + 0.05 * rng.normal(size=(n_users, DIM))
    items = centres[item_c] + 0.05 * rng.normal(size=(n_items, DIM))
    means = np.where(user_c[:, None] == item_c[None, :], 0.7, 0.2)
    means += 0.05 * (np.arange(n_items) % 3)[None, :]  # small item effects
    return users, items, means


def _contextual_reward(policy: Policy, rounds: int, seed: int) -> float:
    users, _, means = _contextual_problem()
    rng, env = np.random.default_rng(seed), np.random.default_rng(seed + 1)
    total = 0.0
    for _ in range(rounds):
        u = int(env.integers(len(users)))
        ctx = Context(user=u, vector=users[u])
        a, _ = policy.select(ctx, np.arange(means.shape[1]), 1, rng)
        r = float(env.random() < means[u, a[0]])
        policy.update(Events.slate(ctx, a, [r]))
        total += r
    return total / rounds


def test_contextual_policies_beat_non_contextual_thompson() -> None:
    _, items, _ = _contextual_problem()
    results = {
        "lints": _contextual_reward(LinTS(v=0.2, propensity_samples=10).init(items), 800, 0),
        "linucb": _contextual_reward(LinUCB(alpha=0.3).init(items), 800, 0),
        "thompson": _contextual_reward(BetaThompson(propensity_samples=10).init(6), 800, 0),
    }
    assert results["lints"] > results["thompson"] + 0.1
    assert results["linucb"] > results["thompson"] + 0.1


def test_text_prior_averages_similar_arms() -> None:
    old = np.array([[1.0, 0.0], [0.0, 1.0], [0.9, 0.1]])
    prior = text_prior(np.array([[1.0, 0.05], [-1.0, -1.0]]), old, np.array([0.8, 0.1, 0.6]))
    assert prior[0] > 0.6  # close to the two good arms
    assert prior[1] == 0.5  # no positive neighbour -> default


@pytest.mark.parametrize("name", ["thompson", "ucb1", "lints"])
def test_new_arm_with_text_prior_gets_exposure(name: str) -> None:
    vecs = np.eye(5)  # orthogonal "texts": the linear model is per-arm here
    policy: Policy
    if name == "lints":
        policy = LinTS(v=0.2, propensity_samples=10).init(vecs)
    else:
        policy = (BetaThompson(propensity_samples=10) if name == "thompson" else UCB1()).init(5)
    means = np.array([0.2, 0.3, 0.7, 0.2, 0.3])
    rng, env = np.random.default_rng(0), np.random.default_rng(1)
    for _ in range(300):
        a, _ = policy.select(Context(), np.arange(5), 1, rng)
        policy.update(Events(a, [float(env.random() < means[a[0]])]))
    new_vec = 0.95 * vecs[2:3] + 0.05  # a new item whose text resembles the good arm
    if name == "lints":
        new = policy.add_arms(new_vec)  # type: ignore[attr-defined]
    else:
        pulls = policy.pulls_  # type: ignore[attr-defined]
        prior = text_prior(new_vec, vecs, policy.means, pulls)  # type: ignore[attr-defined]
        assert prior[0] > 0.5
        new = policy.add_arms(1, prior_mean=prior)  # type: ignore[attr-defined]
    assert new.tolist() == [5]
    # against the known mediocre arms, the newcomer that reads like the good arm gets served
    others = np.array([0, 1, 3, 4, 5])
    served = [policy.select_one(Context(), others, rng)[0] for _ in range(100)]
    assert served.count(5) >= 30


def test_static_greedy_and_reserved_slots() -> None:
    import pandas as pd

    from lmrec.data import Dataset
    from lmrec.models.popularity import Popular

    ev = pd.DataFrame({"user": [0, 0, 1, 1, 2], "item": [0, 1, 0, 2, 0]})
    base = Popular().fit(Dataset.from_events(ev))
    explorer = BetaThompson(propensity_samples=20).init(base.n_items)
    policy = ReservedSlots(n_explore=1).init(base, explorer)
    items, props = policy.select(Context(user=0), np.arange(3), 2, np.random.default_rng(0))
    assert items[0] == 0 and props[0] == 1.0  # most popular first
    assert items[1] in (1, 2) and 0 < props[1] <= 1
    policy.update(Events.slate(Context(user=0), items, [1.0, 0.0]))
    assert explorer.a_[0] == 2.0
    greedy = StaticGreedy().init(np.array([0.1, 0.5, 0.3]))
    assert greedy.select(Context(), np.arange(3), 2, np.random.default_rng(0))[0].tolist() == [1, 2]


def test_errors_name_the_problem() -> None:
    with pytest.raises(ConfigError, match="epsilon"):
        EpsilonGreedy(epsilon=2.0)
    policy = UCB1().init(3)
    with pytest.raises(ModelError, match="out of range"):
        policy.select(Context(), np.array([5]), 1, np.random.default_rng(0))
    with pytest.raises(ModelError, match="no candidates"):
        policy.select(Context(), np.array([], np.int64), 1, np.random.default_rng(0))
    with pytest.raises(ModelError, match="rewards"):
        Events(np.array([0, 1]), np.array([1.0]))


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_save_load_round_trip(name: str, tmp_path: Path) -> None:
    policy = POLICIES[name]()
    _run(policy, rounds=30, seed=1, k=2)
    policy.save(tmp_path / name)
    for loaded in (type(policy).load(tmp_path / name), Policy.load(tmp_path / name)):
        assert type(loaded) is type(policy) and loaded.config == policy.config
        a = policy.select(Context(), np.arange(5), 3, np.random.default_rng(9))
        b = loaded.select(Context(), np.arange(5), 3, np.random.default_rng(9))
        np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_allclose(a[1], b[1])


def test_save_refuses_wrapped_models_and_wrong_class(tmp_path: Path) -> None:
    UCB1().init(3).save(tmp_path / "ucb")
    with pytest.raises(ArtifactError, match="ucb1"):
        BetaThompson.load(tmp_path / "ucb")
    with pytest.raises(NotFittedError):
        UCB1().save(tmp_path / "empty")


def test_arm_offsets_posterior_is_exact() -> None:
    policy = LinUCB(lam=1.0, arm_sd=0.5, noise_sd=0.5, interaction=False).init(np.zeros((2, 1)))
    policy.update(Events(np.array([0]), np.array([1.0])))  # θ = 0 before: residual 1
    # offset posterior: precision 1/0.25 + 1/0.25 = 8, mean = (1 / 0.25) / 8 = 0.5
    np.testing.assert_allclose(policy.arm_prec_, [8.0, 4.0])
    np.testing.assert_allclose(policy._offsets(np.array([0, 1]))[0], [0.5, 0.0])


@pytest.mark.parametrize("cls", [LinUCB, LinTS])
def test_new_arm_uncertainty_buys_exposure(cls: type[Policy]) -> None:
    """A newcomer the shared model ranks below the incumbent still gets tried when its
    offset prior is wide, and never when it is zero."""
    shares = {}
    for sd in (0.0, 0.5):
        policy = cls(alpha=1.0, v=0.05, new_arm_sd=sd, propensity_samples=10)  # type: ignore[call-arg]
        policy.init(np.array([[1.0], [0.0]]))  # type: ignore[attr-defined]
        rng, env = np.random.default_rng(0), np.random.default_rng(1)
        for _ in range(300):
            a, _ = policy.select(Context(), np.arange(2), 1, rng)
            policy.update(Events(a, [float(env.random() < (0.6 if a[0] == 0 else 0.1))]))
        policy.add_arms(np.array([[0.0]]))  # type: ignore[attr-defined]
        served = [policy.select_one(Context(), np.array([0, 2]), rng)[0] for _ in range(50)]
        shares[sd] = served.count(2) / 50
    assert shares[0.0] == 0.0
    assert shares[0.5] > 0.0


def test_decay_discounts_old_evidence_exactly() -> None:
    policy = BetaThompson(decay=0.5).init(2)
    policy.update(Events(np.array([0, 0]), np.array([1.0, 0.0])))
    # event 1: a0 = 1 + 1 = 2; event 2: a0 = 1 + 0.5·(2 − 1) = 1.5, b0 = 1 + 0.5·0 + 1 = 2
    np.testing.assert_allclose(policy.a_, [1.5, 1.0])
    np.testing.assert_allclose(policy.b_, [2.0, 1.0])


def test_decay_tracks_a_drifting_best_arm() -> None:
    late = {}
    for decay in (1.0, 0.98):
        policy = BetaThompson(decay=decay, propensity_samples=5).init(2)
        rng, env = np.random.default_rng(0), np.random.default_rng(1)
        served = []
        for t in range(1200):
            means = (0.7, 0.3) if t < 800 else (0.3, 0.7)  # the best arm swaps at t = 800
            a, _ = policy.select(Context(), np.arange(2), 1, rng)
            policy.update(Events(a, [float(env.random() < means[a[0]])]))
            served.append(a[0])
        late[decay] = np.mean(np.array(served[-200:]) == 1)
    assert late[0.98] > 0.8
    assert late[0.98] > late[1.0] + 0.3
