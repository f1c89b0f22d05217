# SPDX-License-Identifier: MIT
"""A text model served: text queries, new items by text (recommendable at once), similar items."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from serve import W

NEW = {"id": 1000, "text": "nature documentary wildlife ocean whales reef"}


def test_text_query(make_client: Callable[..., TestClient]) -> None:
    c = make_client("content")
    r = c.post("/recommend", json={"query": "heist thriller bank robbery", "k": 4, "explain": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["source"] == "query"
    assert all(
        it["reason"] == {"kind": "query", "text": "heist thriller bank robbery"}
        for it in body["items"]
    )
    # blocks(): items 12..17 are the heist block
    assert all(12 <= it["item"] < 18 for it in body["items"])


def test_new_items_are_recommendable_at_once_and_survive_a_restart(
    make_client: Callable[..., TestClient],
) -> None:
    c = make_client("content")
    r = c.post("/items", json={"items": [NEW]}, headers=W)
    assert r.status_code == 200, r.text
    assert r.json()["added"] == [1000] and r.json()["n_items"] == 19
    q = {"query": "ocean whales reef", "k": 3}
    assert c.post("/recommend", json=q).json()["items"][0]["item"] == 1000
    sim = c.get("/items/1000/similar", params={"k": 3}).json()["items"]
    assert len(sim) == 3
    # a user with the new item in their history gets explanations through it
    r = c.post("/recommend", json={"history": [1000], "k": 3, "explain": True}).json()
    assert r["items"][0]["reason"]["items"] == [1000]
    assert c.post("/items", json={"items": [NEW]}, headers=W).status_code == 422  # duplicate
    assert (
        c.post("/items", json={"items": [{"id": "abc", "text": "t"}]}, headers=W).status_code == 422
    )
    c2 = make_client("content")  # same events db: the item is re-added on load
    assert c2.post("/recommend", json=q).json()["items"][0]["item"] == 1000
