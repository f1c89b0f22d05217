# SPDX-License-Identifier: MIT
"""Endpoints of the service on a tiny ALS model: recommend, similar, health, metrics, admin."""

from __future__ import annotations

import sqlite3

from fastapi.testclient import TestClient

from serve import A, W


def test_recommend_known_user_with_explanations(client: TestClient) -> None:
    r = client.post("/recommend", json={"user": 0, "k": 5, "explain": True})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["model"] == "als" and body["version"] == "v1" and body["source"] == "user"
    assert len(body["items"]) == 5
    for it in body["items"]:
        assert it["propensity"] == 1.0
        assert it["reason"]["kind"] == "history"  # ALS item factors give the nearest history
        assert it["reason"]["items"]


def test_recommend_history_filters_and_unknown_items(client: TestClient) -> None:
    r = client.post(
        "/recommend",
        json={"history": [1, 2, "nope"], "k": 10, "include": [3, 4, 5, 6, 1], "exclude": [4]},
    )
    assert r.status_code == 200, r.text
    body = r.json()
    items = [it["item"] for it in body["items"]]
    assert set(items) <= {3, 5, 6}  # 1 is in the history (seen), 4 excluded
    assert body["source"] == "history" and body["unknown_items"] == ["nope"]


def test_unknown_user_falls_back_to_popularity(client: TestClient) -> None:
    r = client.post("/recommend", json={"user": "never-seen", "k": 3, "explain": True})
    assert r.status_code == 200
    body = r.json()
    assert body["source"] == "fallback:popularity"
    assert [it["reason"]["kind"] for it in body["items"]] == ["popular"] * 3


def test_query_on_a_model_without_text_falls_back(client: TestClient) -> None:
    r = client.post("/recommend", json={"query": "space opera", "k": 3})
    assert r.status_code == 200 and r.json()["source"] == "fallback:popularity"


def test_served_lists_are_logged_with_version_and_propensity(client: TestClient) -> None:
    client.post("/recommend", json={"user": 1, "k": 4, "scenario": "home"})
    client.app.state.service.store.close()  # type: ignore[attr-defined]  # flush the log
    db = client.app.state.service.config.events_db  # type: ignore[attr-defined]
    with sqlite3.connect(db) as conn:
        row = conn.execute(
            "SELECT user_id, scenario, model, version, propensities FROM served"
        ).fetchone()
    assert row[:4] == ("1", "home", "als", "v1") and row[4] == "[1.0, 1.0, 1.0, 1.0]"


def test_similar_items(client: TestClient) -> None:
    r = client.get("/items/3/similar", params={"k": 4})
    assert r.status_code == 200
    items = r.json()["items"]
    assert len(items) == 4 and 3 not in [i["item"] for i in items]
    assert client.get("/items/999/similar").status_code == 404
    assert client.get("/items/999/similar").json()["error"] == "unknown_id"


def test_health_ready_metrics(client: TestClient) -> None:
    assert client.get("/health").json() == {"status": "ok"}
    assert client.get("/ready").json()["version"] == "v1"
    client.post("/recommend", json={"user": 0})
    text = client.get("/metrics").text
    assert 'lmrec_requests_total{route="/recommend",status="200"}' in text
    assert 'lmrec_model_info{name="als",version="v1"} 1.0' in text


def test_admin_lists_and_activates(client: TestClient) -> None:
    r = client.get("/admin/models", headers=A)
    assert r.status_code == 200
    assert [v["version"] for v in r.json()["versions"]] == ["v1", "v2"]
    assert r.json()["active"] == "v1"
    r = client.post("/admin/models/v2/activate", headers=A)
    assert r.status_code == 200 and r.json()["active"] == "v2"
    assert client.post("/recommend", json={"user": 0}).json()["version"] == "v2"
    text = client.get("/metrics").text
    assert 'lmrec_model_info{name="als",version="v2"} 1.0' in text
    assert 'lmrec_model_info{name="als",version="v1"} 1.0' not in text
    assert client.post("/admin/models/v9/activate", headers=A).status_code == 404
    assert client.post("/admin/models/v1/activate", headers=W).status_code == 401  # not admin
    client.post("/admin/models/v1/activate", headers=A)  # leave the shared registry at v1


def test_items_refused_for_models_without_text(client: TestClient) -> None:
    r = client.post("/items", json={"items": [{"id": 500, "text": "x"}]}, headers=W)
    assert r.status_code == 409
    assert "only text models" in r.json()["message"]


def test_openapi_documents_every_endpoint(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for p in ("/recommend", "/feedback", "/items", "/items/{item}/similar", "/health", "/ready"):
        assert p in paths
    assert "/admin/models/{version}/activate" in paths
