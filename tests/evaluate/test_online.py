# SPDX-License-Identifier: MIT
"""Online evaluation: OPE on a known-truth synthetic log, replay, and the rating simulator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lmrec.data import Dataset
from lmrec.evaluate.online import (
    RatingSimulator,
    dr,
    ips,
    replay,
    simulate,
    snips,
    synthetic_log,
)
from lmrec.models.bandit import BetaThompson, Context, Events, Policy, UniformRandom

SEEDS = range(30)


def _estimates(seed: int) -> dict[str, object]:
    log = synthetic_log(seed=seed)
    args = (log.rewards, log.propensities, log.target_probs)
    return {
        "truth": log.true_value,
        "ips": ips(*args, n_boot=400, seed=seed),
        "snips": snips(*args, n_boot=400, seed=seed),
        "dr": dr(*args, log.reward_logged, log.reward_target, n_boot=400, seed=seed),
    }


@pytest.fixture(scope="module")
def ope_runs() -> list[dict[str, object]]:
    return [_estimates(s) for s in SEEDS]


@pytest.mark.parametrize("name", ["ips", "snips", "dr"])
def test_ci_covers_truth_on_seed_zero(ope_runs: list[dict[str, object]], name: str) -> None:
    est, truth = ope_runs[0][name], ope_runs[0]["truth"]
    assert est.covers(truth)  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["ips", "snips", "dr"])
def test_ci_coverage_over_seeds(ope_runs: list[dict[str, object]], name: str) -> None:
    covered = [run[name].covers(run["truth"]) for run in ope_runs]  # type: ignore[attr-defined]
    assert np.mean(covered) >= 0.85  # nominal 95%; 30 fixed seeds


def test_dr_has_lower_variance_than_ips(ope_runs: list[dict[str, object]]) -> None:
    ratio = [run["dr"].variance / run["ips"].variance for run in ope_runs]  # type: ignore[attr-defined]
    assert np.mean(ratio) < 0.6
    # and the spread of the estimates over independent logs agrees
    errors = {k: np.array([run[k].value - run["truth"] for run in ope_runs]) for k in ("ips", "dr")}  # type: ignore[attr-defined]
    assert errors["dr"].var() < errors["ips"].var()


def test_ips_known_answer() -> None:
    est = ips([1.0, 0.0, 1.0], [0.5, 0.25, 1.0], [1.0, 1.0, 0.5], n_boot=10)
    assert est.value == pytest.approx((2.0 + 0.0 + 0.5) / 3)
    est = snips([1.0, 0.0], [0.5, 0.25], [1.0, 1.0], n_boot=10)
    assert est.value == pytest.approx(2.0 / 6.0)
    est = dr([1.0], [0.5], [1.0], [0.6], [0.7], n_boot=10)
    assert est.value == pytest.approx(0.7 + 2.0 * 0.4)


def test_ope_rejects_bad_propensities() -> None:
    with pytest.raises(ValueError, match="propensities"):
        ips([1.0], [0.0], [1.0])
    with pytest.raises(ValueError, match="length"):
        ips([1.0, 0.0], [0.5], [1.0])


class _TablePolicy(Policy):
    """A fixed stochastic policy over discrete contexts (``Context.user``)."""

    name = "table"

    def __init__(self, table: np.ndarray) -> None:
        super().__init__()
        self.table = table
        self.n_arms_ = table.shape[1]

    def select(
        self, context: Context, candidates: np.ndarray, k: int, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        p = self.table[context.user]
        a = int(rng.choice(len(p), p=p))
        return np.array([a]), np.array([p[a]])

    def update(self, events: Events) -> None:
        pass


def test_replay_is_unbiased_on_uniform_logs() -> None:
    errors = []
    for seed in range(8):
        log = synthetic_log(seed=seed, n_rounds=3000)
        rng = np.random.default_rng(seed)
        n_a = log.mean_reward.shape[1]
        actions = rng.integers(0, n_a, len(log.contexts))  # uniform logging
        rewards = (rng.random(len(actions)) < log.mean_reward[log.contexts, actions]).astype(float)
        res = replay(
            _TablePolicy(log.target),
            [Context(user=int(c)) for c in log.contexts],
            np.tile(np.arange(n_a), (len(actions), 1)),
            actions,
            rewards,
            seed=seed,
            propensities=np.full(len(actions), 1.0 / n_a),
        )
        assert res.n_matched > len(actions) / n_a * 0.8
        errors.append(res.value - log.true_value)
    assert abs(np.mean(errors)) < 0.02
    assert np.mean(np.abs(errors)) < 0.05


def test_replay_rejects_non_uniform_logs() -> None:
    with pytest.raises(ValueError, match="uniformly"):
        replay(UniformRandom().init(2), [Context()], [np.arange(2)], [0], [1.0], propensities=[0.9])


def _ratings() -> Dataset:
    rng = np.random.default_rng(0)
    users, items = np.meshgrid(np.arange(30), np.arange(40), indexing="ij")
    keep = rng.random(users.shape) < 0.4
    good = (items % 5 == 0)[keep]  # items 0, 5, 10, ... are liked by everyone
    rating = np.where(good, 5, rng.integers(1, 4, keep.sum()))
    ev = pd.DataFrame({"user": users[keep], "item": items[keep], "rating": rating})
    return Dataset.from_events(ev, value="rating")


def test_simulator_rounds_rewards_and_cold_items() -> None:
    ds = _ratings()
    cold = np.array([35, 36, 37, 38, 39])
    sim = RatingSimulator(ds, cold_items=cold, n_candidates=8, rated_share=0.5)
    assert sim.n_warm == 35 and sim.n_arms == 40
    rounds = sim.rounds(200, seed=1, reveal_at=100)
    again = sim.rounds(200, seed=1, reveal_at=100)
    np.testing.assert_array_equal(rounds.candidates, again.candidates)
    assert rounds.candidates[:100].max() < 35  # cold items withheld until the reveal
    assert (rounds.candidates[100:] >= 35).any()
    assert all(len(set(row.tolist())) == 8 for row in rounds.candidates)
    u, arm = 0, 0
    rated = ds.interactions[u, sim.item_ids[arm]]
    assert sim.rewards(np.array([u]), np.array([arm]))[0] == float(rated >= 4)

    def join(policy: Policy, arms: np.ndarray) -> None:
        assert policy.add_arms(len(arms)).tolist() == arms.tolist()  # type: ignore[attr-defined]

    traces = {}
    for name, policy in [
        ("random", UniformRandom().init(sim.n_warm)),
        ("thompson", BetaThompson(propensity_samples=10).init(sim.n_warm)),
    ]:
        traces[name] = simulate(
            policy, sim, rounds, lambda u: Context(user=u), k=2, seed=0, join=join
        )
    tr = traces["thompson"]
    assert tr.items.shape == (200, 2) and np.all((tr.propensities > 0) & (tr.propensities <= 1))
    assert np.all(tr.cumulative_regret >= 0)
    assert tr.cumulative_reward[-1] > traces["random"].cumulative_reward[-1]
    assert tr.exposure(np.arange(35, 40))[100:].sum() > 0


def _timed_blocks(n_users: int = 60, n_items: int = 40, seed: int = 0) -> Dataset:
    """Two taste groups; each user's events spread over time; a third of users arrive late."""
    rng = np.random.default_rng(seed)
    rows = []
    for u in range(n_users):
        group = u % 2
        items = rng.choice(np.arange(group, n_items, 2), 12, replace=False)
        start = 0.6 if u % 3 == 0 else 0.0  # late arrivals: unknown to the initial fit
        for i in items:
            rows.append((u, int(i), int(rng.uniform(start, 1.0) * 1e6)))
    ev = pd.DataFrame(rows, columns=["user", "item", "ts"])
    return Dataset.from_events(ev, timestamp="ts")


def test_prequential_frozen_incremental_retrain() -> None:
    from lmrec.evaluate.online import chronological_windows, prequential
    from lmrec.models.factorization import ALS

    ds = _timed_blocks()
    initial, windows = chronological_windows(ds, 0.5, 3)
    assert len(initial) + sum(len(w) for w in windows) == ds.n_events
    assert ds.timestamps[initial].max() <= min(ds.timestamps[w].min() for w in windows)

    def make() -> ALS:
        return ALS(factors=4, iterations=5, regularization=0.1, num_threads=1, seed=0)

    res = prequential(ds, make, initial_frac=0.5, n_windows=3, k=5)
    assert {(r.strategy, r.window) for r in res} == {
        (s, w) for s in ("frozen", "incremental", "retrain") for w in range(3)
    }
    assert all(0.0 <= r.ndcg <= 1.0 and r.n_users > 0 for r in res)
    by = {
        s: np.mean([r.ndcg for r in res if r.strategy == s and r.window > 0])
        for s in ("frozen", "incremental", "retrain")
    }
    assert by["incremental"] > by["frozen"]  # late users are folded in after their first window
    assert all(r.update_s == pytest.approx(0.0, abs=1e-3) for r in res if r.strategy == "frozen")


def test_prequential_steps_update_inside_a_window() -> None:
    """With steps, late users are folded in during their first window, so incremental beats
    frozen already there; min_history keeps new users with few events on popularity."""
    from lmrec.evaluate.online import prequential
    from lmrec.models.factorization import ALS

    ds = _timed_blocks()

    def make() -> ALS:
        return ALS(factors=4, iterations=5, regularization=0.1, num_threads=1, seed=0)

    whole = prequential(ds, make, n_windows=1, k=5, strategies=("frozen", "incremental"))
    steps = prequential(ds, make, n_windows=1, k=5, strategies=("frozen", "incremental"), step=20)
    once = {r.strategy: r for r in whole}
    assert once["incremental"].ndcg == once["frozen"].ndcg  # one step: updates come too late
    stepped = {r.strategy: r for r in steps}
    assert stepped["incremental"].ndcg > stepped["frozen"].ndcg
    assert stepped["incremental"].n_users > whole[0].n_users  # users counted once per step
    never = prequential(
        ds, make, n_windows=1, k=5, strategies=("frozen", "incremental"), step=20, min_history=99
    )
    # late users never reach 99 events, so they stay on popularity (known users still update)
    assert never[1].ndcg < stepped["incremental"].ndcg
    from lmrec.errors import DataError

    with pytest.raises(DataError, match="step"):
        prequential(ds, make, step=0)


def test_prequential_running_foldin_gives_the_refold_results(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The O(f²) running fold-in scores exactly like folding each user's history in again."""
    from lmrec.evaluate.online import prequential, streaming
    from lmrec.models.factorization import ALS

    ds = _timed_blocks()

    def make() -> ALS:
        return ALS(factors=4, iterations=5, regularization=0.1, num_threads=1, seed=0)

    fast = prequential(ds, make, n_windows=2, k=5, strategies=("incremental",), step=20)
    monkeypatch.setattr(streaming, "_running", lambda model, history: None)
    slow = prequential(ds, make, n_windows=2, k=5, strategies=("incremental",), step=20)
    assert [r.ndcg for r in fast] == pytest.approx([r.ndcg for r in slow], abs=1e-9)
    assert all(r.update_cpu_s >= 0 for r in fast)


def test_simulator_errors_name_the_problem() -> None:
    from lmrec.errors import DataError

    sim = RatingSimulator(_ratings(), n_candidates=50)
    with pytest.raises(DataError, match="n_candidates"):
        sim.rounds(10)
