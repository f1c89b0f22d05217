# SPDX-License-Identifier: MIT
"""Keys (401), body size (413), validation (422), rate limit (429), CORS off, secrets unlogged."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from lmrec.errors import ConfigError
from lmrec.serve import ServeConfig, create_app
from lmrec.serve._observe import JsonFormatter
from lmrec.serve.security import TokenBucket
from serve import ADMIN, KEY, W

EVENT = {"event_id": "e1", "user": 1, "item": 2}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/feedback", {"events": [EVENT]}),
        ("post", "/items", {"items": [{"id": 1, "text": "t"}]}),
        ("get", "/admin/models", None),
        ("post", "/admin/models/v2/activate", None),
    ],
)
@pytest.mark.parametrize("headers", [{}, {"X-API-Key": "wrong"}])
def test_writes_and_admin_need_a_key(
    client: TestClient, method: str, path: str, body: object, headers: dict[str, str]
) -> None:
    r = client.request(method.upper(), path, json=body, headers=headers)
    assert r.status_code == 401
    assert r.json() == {"error": "unauthorized", "message": "missing or invalid X-API-Key header"}


def test_body_size_limit(client: TestClient) -> None:
    big = {"events": [{**EVENT, "event_id": f"e{i}", "kind": "x" * 30} for i in range(400)]}
    r = client.post("/feedback", json=big, headers=W)
    assert r.status_code == 413 and r.json()["error"] == "payload_too_large"

    def chunks() -> object:  # no Content-Length: the streamed size is counted
        yield b'{"events": ['
        for _ in range(1000):
            yield b'{"event_id": "abcdefghij", "user": 1, "item": 2},' * 2
        yield b"]}"

    r = client.post(
        "/feedback", content=chunks(), headers={**W, "content-type": "application/json"}
    )
    assert r.status_code == 413


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"user": 1, "k": 0}, "k: Input should be greater than or equal to 1"),
        ({"user": 1, "k": 21}, "k: must be ≤ 20"),
        ({"k": 3}, "give at least one of 'user', 'history' or 'query'"),
        ({"user": 1, "history": [1]}, "give 'user' or 'history', not both"),
        ({"user": 1, "colour": "red"}, "colour: Extra inputs are not permitted"),
        ({"user": [1, 2]}, "user"),
    ],
)
def test_validation_errors_are_422_with_a_message(
    client: TestClient, body: dict[str, object], needle: str
) -> None:
    r = client.post("/recommend", json=body)
    assert r.status_code == 422
    assert r.json()["error"] == "validation_error"
    assert needle in r.json()["message"]


def test_malformed_json_and_bad_events(client: TestClient) -> None:
    r = client.post(
        "/feedback", content=b"{not json", headers={**W, "content-type": "application/json"}
    )
    assert r.status_code == 422
    r = client.post("/feedback", json={"events": []}, headers=W)
    assert r.status_code == 422 and "events" in r.json()["message"]
    r = client.post("/feedback", json={"events": [{**EVENT, "event_id": ""}]}, headers=W)
    assert r.status_code == 422


def test_rate_limit_per_key(make_client: Callable[..., TestClient]) -> None:
    c = make_client(limits={"rate_per_s": 0.01, "burst": 3})
    codes = [c.post("/recommend", json={"user": 0}, headers=W).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 429, 429]
    r = c.post("/recommend", json={"user": 0}, headers=W)
    assert r.json()["error"] == "rate_limited" and int(r.headers["Retry-After"]) >= 1
    # another key is another client with its own bucket
    assert c.get("/admin/models", headers={"X-API-Key": ADMIN}).status_code == 200


def test_token_bucket_refills() -> None:
    b = TokenBucket(rate=1000.0, burst=2)
    assert b.take("a") == 0 and b.take("a") == 0
    assert b.take("b") == 0  # independent clients
    wait = b.take("a")
    assert 0 < wait <= 0.001 + 1e-9


def test_cors_is_off_by_default(client: TestClient) -> None:
    r = client.options(
        "/recommend",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in r.headers


def test_missing_key_env_refuses_to_start(
    make_config: Callable[..., ServeConfig], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("LMREC_SERVE_KEY")
    with pytest.raises(ConfigError, match="LMREC_SERVE_KEY"):
        create_app(make_config())


def test_keys_never_reach_the_logs(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        client.post("/feedback", json={"events": [EVENT]}, headers=W)
        client.post("/feedback", json={"events": [EVENT]}, headers={"X-API-Key": "leak-me"})
        client.get("/admin/models", headers={"X-API-Key": ADMIN})
    text = caplog.text + "".join(str(vars(r)) for r in caplog.records)
    assert KEY not in text and ADMIN not in text and "leak-me" not in text
    assert any(getattr(r, "route", None) == "/feedback" for r in caplog.records)


@pytest.mark.parametrize(
    "body",
    [
        {"user": 2**70},
        {"user": ""},
        {"history": [1, "2", 2**70, "x", -5]},
        {"history": []},
        {"user": 1, "include": []},
        {"user": 1, "include": [2**70], "exclude": [2**70, "a"]},
        {"query": "   "},
    ],
)
def test_odd_but_valid_requests_never_fail(client: TestClient, body: dict[str, object]) -> None:
    r = client.post("/recommend", json=body)
    assert r.status_code == 200, r.text


@pytest.mark.parametrize("user", [True, 1.5, [1], {"a": 1}, None])
def test_ids_must_be_integers_or_strings(client: TestClient, user: object) -> None:
    assert client.post("/recommend", json={"user": user}).status_code == 422


def test_json_log_lines_carry_extras() -> None:
    rec = logging.LogRecord("lmrec.serve", logging.INFO, __file__, 1, "request", None, None)
    rec.route, rec.status = "/recommend", 200
    line = json.loads(JsonFormatter().format(rec))
    assert line["msg"] == "request" and line["route"] == "/recommend" and line["status"] == 200
    assert line["level"] == "info" and line["ts"].endswith("+00:00")
