# SPDX-License-Identifier: MIT
"""Report files: JSON for machines, Markdown/HTML with plots for people."""

from __future__ import annotations

import json

import pandas as pd

import lmrec
from lmrec.data.synthetic import random_interactions
from lmrec.evaluate.report import write_report


def test_report_files(tmp_path) -> None:
    ds = random_interactions(n_users=80, seed=2)
    sp = lmrec.split.random_user(ds, test_frac=0.25, seed=0)
    results = [
        lmrec.evaluate(lmrec.models.create(name).fit(sp.train), sp.test, n_boot=50, name=name)
        for name in ("popular", "item_knn", "ease")
    ]
    html_path = write_report(results, tmp_path / "r", context={"dataset": "synthetic"})
    out = tmp_path / "r"
    data = json.loads((out / "results.json").read_text())
    assert [r["model"] for r in data["results"]] == ["popular", "item_knn", "ease"]
    ndcg = data["results"][1]["metrics"]["ndcg@10"]
    assert ndcg["ci_low"] <= ndcg["mean"] <= ndcg["ci_high"]
    assert data["results"][0]["meta"]["users_per_s"] > 0
    assert data["environment"]["cpus"] >= 1
    assert len(data["comparisons"]) == 2
    per_user = pd.read_csv(out / "per_user.csv")
    assert set(per_user["model"]) == {"popular", "item_knn", "ease"}
    md = (out / "report.md").read_text()
    assert "| item_knn |" in md and "ndcg_at_k.png" in md and "dataset: synthetic" in md
    html = html_path.read_text()
    assert html.count("data:image/png;base64,") == 4  # self-contained: plots embedded
    for png in ("ndcg_at_k.png", "recall_at_k.png", "ndcg_ci.png", "accuracy_vs_beyond.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"


def test_single_result_save(tmp_path) -> None:
    ds = random_interactions(seed=4)
    sp = lmrec.split.random_user(ds, test_frac=0.25, seed=0)
    res = lmrec.evaluate(lmrec.models.create("popular").fit(sp.train), sp.test, n_boot=20)
    path = res.save(tmp_path / "one")
    assert path.name == "report.html"
    assert json.loads((tmp_path / "one" / "results.json").read_text())["comparisons"] == []
