# SPDX-License-Identifier: MIT
"""Fixtures of the service tests: a registry with tiny models, a config, a TestClient."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")

from fastapi.testclient import TestClient

import lmrec
from lmrec.data import synthetic
from lmrec.serve import ModelRegistry, ServeConfig, create_app
from serve import ADMIN, KEY


@pytest.fixture(scope="session")
def registry_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``als`` v1/v2 (ALS, two seeds), ``ease`` v1 and ``content`` v1 (hashing encoder)."""
    root = tmp_path_factory.mktemp("registry")
    reg = ModelRegistry(root)
    data = synthetic.random_interactions(n_users=40, n_items=30, explicit=False)
    for seed in (0, 1):
        als = lmrec.models.create("als", factors=8, iterations=5, seed=seed, num_threads=1)
        reg.publish(als.fit(data), "als")
    reg.publish(lmrec.models.create("ease", lam=10).fit(data), "ease")
    text = synthetic.blocks(with_text=True).train
    reg.publish(lmrec.models.create("content", encoder="hashing").fit(text), "content")
    return root


@pytest.fixture
def env_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LMREC_SERVE_KEY", KEY)
    monkeypatch.setenv("LMREC_ADMIN_KEY", ADMIN)


@pytest.fixture
def make_config(tmp_path: Path, registry_root: Path, env_keys: None) -> Callable[..., ServeConfig]:
    def make(model: str = "als", **over: Any) -> ServeConfig:
        limits = over.pop("limits", {})
        return ServeConfig(
            registry=over.pop("registry", registry_root),
            model=model,
            version=over.pop("version", "v1"),
            events_db=tmp_path / "events.db",
            limits={"max_body_bytes": 20_000, "max_k": 20, **limits},
            **over,
        )

    return make


@pytest.fixture
def client(make_config: Callable[..., ServeConfig]) -> Iterator[TestClient]:
    """A started ALS service (v1)."""
    with TestClient(create_app(make_config())) as c:
        yield c


@pytest.fixture
def make_client(make_config: Callable[..., ServeConfig]) -> Iterator[Callable[..., TestClient]]:
    opened: list[TestClient] = []

    def make(model: str = "als", **over: Any) -> TestClient:
        c = TestClient(create_app(make_config(model, **over)))
        c.__enter__()
        opened.append(c)
        return c

    yield make
    for c in opened:
        c.__exit__(None, None, None)
