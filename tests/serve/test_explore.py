# SPDX-License-Identifier: MIT
"""Exploration slots in served lists: exact rewards, learning, logged propensities, replay."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient

from lmrec.serve import ServeConfig
from lmrec.serve.explore import ExploreConfig, Explorer
from serve import KEY


def test_rewards_are_exact_conjugate_updates() -> None:
    ex = Explorer(ExploreConfig(reward_window_s=10, seed=0))
    ex.served("u1", ["a", "b"], now=0.0)
    ex.served("u2", ["a"], now=1.0)
    ex.feedback([("u1", "a", 1.0), ("u1", "zzz", 1.0), ("u2", "a", -1.0)], now=2.0)
    # u1/a: reward 1 now; u2/a: a negative event is no click, it stays open until the window
    np.testing.assert_allclose(ex.means(["a", "b"]), [2 / 3, 1 / 2])
    ex.feedback([], now=10.5)  # u1/b (served at 0) expired: reward 0; u2/a not yet
    np.testing.assert_allclose(ex.means(["a", "b"]), [2 / 3, 1 / 3])
    ex.served("u3", ["c"], now=11.5)  # expires u2/a
    np.testing.assert_allclose(ex.means(["a", "b", "c"]), [2 / 4, 1 / 3, 1 / 2])
    assert ex.rewards == [2, 1]
    ex.feedback([("u1", "a", 1.0)], now=12.0)  # already closed: counted once
    assert ex.rewards == [2, 1]


def test_only_explored_slots_are_replayed() -> None:
    assert Explorer.explored("reserved_slots:thompson:2", ["a", "b", "c"]) == ["b", "c"]
    assert Explorer.explored("reserved_slots:ucb1:0", ["a"]) == []
    assert Explorer.explored("deterministic", ["a"]) == []


def test_anonymous_lists_open_no_impressions() -> None:
    ex = Explorer(ExploreConfig())
    ex.served(None, ["a"], now=0.0)
    assert not ex.pending


def test_thompson_finds_the_item_users_click() -> None:
    ex = Explorer(ExploreConfig(seed=1, reward_window_s=5))
    pool = [f"i{j}" for j in range(10)]
    shown = []
    for t in range(600):
        pos, props = ex.choose(pool, 1)
        item = pool[int(pos[0])]
        assert 0 < props[0] <= 1
        shown.append(item)
        ex.served(f"u{t}", [item], now=float(t))
        if item == "i7":
            ex.feedback([(f"u{t}", item, 1.0)], now=t + 0.5)
    assert shown[-200:].count("i7") > 150


def test_replay_rebuilds_the_same_posterior() -> None:
    cfg = ExploreConfig(reward_window_s=3)
    live = Explorer(cfg)
    served, events = [], []
    rng = np.random.default_rng(0)
    for t in range(50):
        items = [f"i{j}" for j in rng.choice(6, 2, replace=False)]
        live.served(f"u{t % 7}", items, now=float(t))
        served.append((float(t), f"u{t % 7}", "reserved_slots:thompson:2", items))
        if rng.random() < 0.5:
            ev = (t + 0.5, f"u{t % 7}", items[0], 1.0)
            live.feedback([ev[1:]], now=ev[0])
            events.append(ev)
    live.feedback([], now=100.0)
    again = Explorer(cfg)
    assert again.replay(served, events, now=100.0) == len(served) + len(events)
    ids = [f"i{j}" for j in range(6)]
    np.testing.assert_allclose(again.means(ids), live.means(ids))
    assert again.rewards == live.rewards


@pytest.mark.parametrize("policy", ["thompson", "epsilon_greedy", "ucb1"])
def test_service_logs_propensities_and_learns_from_feedback(
    make_config: Callable[..., ServeConfig], policy: str
) -> None:
    explore: dict[str, Any] = {"slots": 2, "pool": 10, "policy": policy, "seed": 0}
    cfg = make_config(explore=explore)
    with TestClient(_app(cfg)) as c:
        body = c.post("/recommend", json={"user": 1, "k": 5}).json()
        props = [r["propensity"] for r in body["items"]]
        assert props[:3] == [1.0, 1.0, 1.0] and all(0 < p <= 1 for p in props[3:])
        assert len({r["item"] for r in body["items"]}) == 5
        explored = body["items"][3]["item"]
        ev = {"events": [{"event_id": "x1", "user": 1, "item": explored, "value": 1.0}]}
        assert c.post("/feedback", json=ev, headers={"X-API-Key": KEY}).status_code == 200
        ex = c.app.state.service.explorer  # type: ignore[attr-defined]
        assert ex.rewards == [0, 1]
    with sqlite3.connect(cfg.events_db) as db:
        pol, stored = db.execute("SELECT policy, propensities FROM served").fetchone()
    assert pol == f"reserved_slots:{policy}:2" and json.loads(stored) == props
    with TestClient(_app(cfg)) as c:  # a restart replays the log: the reward is still there
        again = c.app.state.service.explorer  # type: ignore[attr-defined]
        assert again.rewards == [0, 1]
        np.testing.assert_allclose(again.means([str(explored)]), ex.means([str(explored)]))


def test_without_explore_every_propensity_is_one(client: TestClient) -> None:
    body = client.post("/recommend", json={"user": 1, "k": 5}).json()
    assert [r["propensity"] for r in body["items"]] == [1.0] * 5


def test_explore_config_is_validated(make_config: Callable[..., ServeConfig]) -> None:
    with pytest.raises(ValueError, match="policy"):
        make_config(explore={"policy": "greedy"})


def _app(cfg: ServeConfig) -> Any:
    from lmrec.serve import create_app

    return create_app(cfg)


def test_policy_params_are_validated_with_the_config() -> None:
    with pytest.raises(Exception, match="epsilon"):
        ExploreConfig(policy="epsilon_greedy", params={"epsilon": 2.0})
    assert ExploreConfig(policy="epsilon_greedy", params={"epsilon": 0.5}).params["epsilon"] == 0.5
