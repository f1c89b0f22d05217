# SPDX-License-Identifier: MIT
"""Feedback: durable before the reply, idempotent by event id, and felt by the next request."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import lmrec
from lmrec.serve import Event, EventStore
from serve import W


def _db_ids(client: TestClient) -> list[str]:
    db = client.app.state.service.config.events_db  # type: ignore[attr-defined]
    with sqlite3.connect(db) as conn:  # a separate connection: sees only committed rows
        return [r[0] for r in conn.execute("SELECT event_id FROM events ORDER BY seq")]


def _events(ids: list[str], user: object = "u1", item: int = 3) -> dict[str, object]:
    return {"events": [{"event_id": i, "user": user, "item": item} for i in ids]}


def test_acknowledged_events_are_committed_and_resends_not_duplicated(client: TestClient) -> None:
    r = client.post("/feedback", json=_events(["a", "b", "c"]), headers=W)
    assert r.json() == {"accepted": 3, "stored": 3, "duplicates": 0}
    assert _db_ids(client) == ["a", "b", "c"]  # committed before the 2xx
    r = client.post("/feedback", json=_events(["b", "c", "d", "d"]), headers=W)
    assert r.json() == {"accepted": 4, "stored": 1, "duplicates": 3}
    assert _db_ids(client) == ["a", "b", "c", "d"]


def test_concurrent_resends_store_each_event_once(client: TestClient) -> None:
    batches = [[f"e{(i * 7 + j) % 60}" for j in range(10)] for i in range(24)]
    with ThreadPoolExecutor(8) as pool:
        codes = list(
            pool.map(lambda b: client.post("/feedback", json=_events(b), headers=W), batches)
        )
    assert all(r.status_code == 200 for r in codes)
    distinct = {e for b in batches for e in b}
    assert sum(r.json()["stored"] for r in codes) == len(distinct)
    ids = _db_ids(client)
    assert len(ids) == len(set(ids)) == len(distinct)


@pytest.mark.parametrize("model", ["als", "ease"])
def test_feedback_changes_the_next_recommendation(
    make_client: Callable[..., TestClient], model: str
) -> None:
    c = make_client(model)
    for user in (0, "brand-new"):
        before = c.post("/recommend", json={"user": user, "k": 5}).json()
        top = before["items"][0]["item"]
        r = c.post("/feedback", json=_events([f"{user}-{model}"], user=user, item=top), headers=W)
        assert r.status_code == 200
        after = c.post("/recommend", json={"user": user, "k": 5, "explain": True}).json()
        assert after["source"] in ("user+feedback", "feedback")
        assert top not in [it["item"] for it in after["items"]]  # now seen
        assert after["items"] != before["items"]
        if user == "brand-new":  # its history is the new event: it explains the list
            assert any(top in it["reason"].get("items", []) for it in after["items"])


def test_negative_feedback_only_hides_the_item(client: TestClient) -> None:
    before = client.post("/recommend", json={"user": "n1", "k": 3}).json()
    top = before["items"][0]["item"]
    ev = {"event_id": "neg", "user": "n1", "item": top, "value": -1, "kind": "dislike"}
    client.post("/feedback", json={"events": [ev]}, headers=W)
    after = client.post("/recommend", json={"user": "n1", "k": 3}).json()
    assert after["source"] == "fallback:popularity"
    assert top not in [it["item"] for it in after["items"]]


def test_store_flushes_queued_events_on_close(tmp_path: Path) -> None:
    store = EventStore(tmp_path / "e.db", flush_ms=50)
    futures = [store.submit([Event(f"x{i}", "u", str(i))]) for i in range(100)]
    store.close()
    assert all(f.result(timeout=5) == 1 for f in futures)
    with sqlite3.connect(tmp_path / "e.db") as conn:
        assert conn.execute("SELECT COUNT(*) FROM events").fetchone()[0] == 100
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    with pytest.raises(RuntimeError, match="closed"):
        store.submit([Event("late", "u", "1")])


def test_sequential_model_reads_feedback_in_order(tmp_path: Path, env_keys: None) -> None:
    """SASRec learned next = previous + 1: after feedback on item 20, a known user's next item
    is 21 — the feedback is the newest step of the history, not sorted into it."""
    from lmrec.serve import ModelRegistry, ServeConfig, create_app
    from models.test_sequential import FAST, successor_data

    ds = successor_data()
    model = lmrec.models.create("sasrec", **{**FAST, "epochs": 60}).fit(ds)
    ModelRegistry(tmp_path / "reg").publish(model, "seq")
    cfg = ServeConfig(registry=tmp_path / "reg", model="seq", events_db=tmp_path / "e.db")
    user = int(ds.users.ids[0])
    with TestClient(create_app(cfg)) as c:
        ev = {"events": [{"event_id": "s1", "user": user, "item": 20}]}
        assert c.post("/feedback", json=ev, headers=W).status_code == 200
        body = c.post("/recommend", json={"user": user, "k": 1}).json()
    assert body["source"] == "user+feedback" and body["items"][0]["item"] == 21
