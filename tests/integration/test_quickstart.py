# SPDX-License-Identifier: MIT
"""The quickstart experiment end to end on the real MovieLens-100k files."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from lmrec.cli import app
from lmrec.config import settings


def test_quickstart_on_ml100k(real_home, tmp_path, monkeypatch) -> None:
    real_home("ml-100k")
    monkeypatch.setenv("LMREC_CACHE_DIR", str(tmp_path / "cache"))  # embeddings stay in tmp
    settings.cache_clear()
    res = CliRunner().invoke(app, ["quickstart", "--output", str(tmp_path / "qs")])
    settings.cache_clear()
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "qs" / "results.json").read_text())
    ndcg = {r["model"]: r["metrics"]["ndcg@10"] for r in data["results"]}
    baselines = {"popular", "item_knn", "user_knn", "ease", "als", "bpr", "biased_mf"}
    assert set(ndcg) == baselines | {"content-minilm", "hybrid-minilm"}
    assert (tmp_path / "cache" / "embeddings").is_dir()
    # personalised collaborative models (and the LM hybrid) clearly beat popularity here
    for name in ("item_knn", "user_knn", "ease", "als", "hybrid-minilm"):
        assert ndcg[name]["ci_low"] > ndcg["popular"]["ci_high"], name
    rmse = next(r for r in data["results"] if r["model"] == "biased_mf")["global"]["rmse"]
    assert 0.8 < rmse < 1.1
    assert (tmp_path / "qs" / "report.html").stat().st_size > 50_000
