# SPDX-License-Identifier: MIT
"""Model registry: versions, verification, refusal of tampered artifacts, hot swap under load."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

import lmrec
from lmrec.errors import ArtifactError, ConfigError
from lmrec.serve import ModelRegistry, ServeConfig, create_app
from serve import A


@pytest.fixture
def own_registry(tmp_path: Path, registry_root: Path) -> Path:
    """A private copy of the session registry (these tests alter it)."""
    root = tmp_path / "reg"
    shutil.copytree(registry_root, root)
    for f in root.glob("*/ACTIVE"):  # other tests activate versions in the shared one
        f.unlink()
    return root


def test_publish_list_resolve(own_registry: Path) -> None:
    reg = ModelRegistry(own_registry)
    assert reg.versions("als") == ["v1", "v2"]
    model = reg.load("als", "v1")
    assert reg.publish(model, "als") == "v3"
    assert reg.publish(model, "als", "2026-11-30.b") == "2026-11-30.b"
    assert reg.resolve("als", None) == "v3"  # newest by natural order ("v3" > "2026…")
    reg.set_active("als", "v1")
    assert reg.resolve("als", None) == "v1" and reg.resolve("als", "v2") == "v2"
    with pytest.raises(ConfigError, match="versions are immutable"):
        reg.publish(model, "als", "v1")
    with pytest.raises(ConfigError, match="invalid version"):
        reg.load("als", "../ease/v1")
    with pytest.raises(ArtifactError, match=r"no version 'v9' \(published: "):
        reg.load("als", "v9")


def _tamper(folder: Path) -> None:
    with open(folder / "state.npz", "ab") as f:
        f.write(b"\0")


def test_tampered_version_is_refused_and_the_previous_stays_active(
    own_registry: Path, make_config: Callable[..., ServeConfig]
) -> None:
    _tamper(own_registry / "als" / "v2")
    with pytest.raises(ArtifactError, match="SHA-256 differs"):
        ModelRegistry(own_registry).load("als", "v2")
    with TestClient(create_app(make_config(registry=own_registry))) as c:
        r = c.post("/admin/models/v2/activate", headers=A)
        assert r.status_code == 409
        assert r.json()["error"] == "artifact_refused"
        assert "SHA-256 differs" in r.json()["message"]
        assert "previous model stays active" in r.json()["message"]
        assert c.get("/ready").json()["version"] == "v1"
        assert c.post("/recommend", json={"user": 0}).json()["version"] == "v1"
    assert ModelRegistry(own_registry).active("als") is None  # the refusal was not recorded


def test_a_tampered_start_version_refuses_to_start(
    own_registry: Path, make_config: Callable[..., ServeConfig]
) -> None:
    _tamper(own_registry / "als" / "v1")
    with pytest.raises(ArtifactError), TestClient(create_app(make_config(registry=own_registry))):
        pass


def test_activation_is_remembered_across_restarts(
    own_registry: Path, make_config: Callable[..., ServeConfig]
) -> None:
    cfg = make_config(registry=own_registry, version=None)
    with TestClient(create_app(cfg)) as c:
        assert c.get("/ready").json()["version"] == "v2"  # newest
        assert c.post("/admin/models/v1/activate", headers=A).status_code == 200
    with TestClient(create_app(cfg)) as c:
        assert c.get("/ready").json()["version"] == "v1"


def test_hot_swap_under_load_fails_no_request(
    own_registry: Path, make_config: Callable[..., ServeConfig]
) -> None:
    reg = ModelRegistry(own_registry)
    data = lmrec.data.synthetic.random_interactions(n_users=40, n_items=30, explicit=False)
    reg.publish(lmrec.models.create("item_knn", k=10).fit(data), "als", "knn")  # another family
    stop = threading.Event()
    failures: list[str] = []
    versions: set[str] = set()
    with TestClient(create_app(make_config(registry=own_registry))) as c:

        def hammer(worker: int) -> None:
            i = 0
            while not stop.is_set():
                body = {"user": (worker * 13 + i) % 45, "k": 5, "explain": i % 2 == 0}
                r = c.post("/recommend", json=body)
                if r.status_code != 200 or len(r.json()["items"]) != 5:
                    failures.append(f"{r.status_code} {r.text[:200]}")
                else:
                    versions.add(r.json()["version"])
                i += 1

        threads = [threading.Thread(target=hammer, args=(w,)) for w in range(4)]
        for t in threads:
            t.start()
        try:
            for v in ["v2", "knn", "v1", "knn", "v2", "v1"]:
                r = c.post(f"/admin/models/{v}/activate", headers=A)
                assert r.status_code == 200, r.text
                time.sleep(0.05)  # let requests run on this version
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=30)
    assert failures == []
    assert {"v1", "v2", "knn"} <= versions  # requests ran on every version, none failed
