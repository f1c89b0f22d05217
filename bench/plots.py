# SPDX-License-Identifier: MIT
"""Plots for docs/results.md from the JSON in bench/results/ (writes docs/img/*.png).

Usage: python bench/plots.py
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

RESULTS = Path(__file__).parent / "results"
IMG = Path(__file__).parent.parent / "docs" / "img"


def _load(name: str) -> dict[str, Any] | None:
    path = RESULTS / f"{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def _bars(ax: Any, rows: dict[str, dict[str, Any]], title: str) -> None:
    labels = list(rows)
    means = [rows[m]["ndcg@10"] for m in labels]
    lows = [rows[m]["ndcg@10"] - rows[m]["ndcg@10_ci95"][0] for m in labels]
    highs = [rows[m]["ndcg@10_ci95"][1] - rows[m]["ndcg@10"] for m in labels]
    ax.barh(labels, means, xerr=[lows, highs], color="#4c72b0", capsize=3)
    ax.invert_yaxis()
    ax.set_xlabel("NDCG@10 (95% CI)")
    ax.set_title(title, fontsize=10)


def coldstart() -> None:
    parts = [(n, d) for n in ("coldstart-ml1m", "coldstart-games") if (d := _load(n))]
    if not parts:
        return
    fig, axes = plt.subplots(1, len(parts), figsize=(6 * len(parts), 3.2), squeeze=False)
    for ax, (_, data) in zip(axes[0], parts, strict=True):
        for name, d in data["datasets"].items():
            _bars(ax, d["models"], f"cold items: {name} ({d['n_cold_test_items']} held out)")
    fig.tight_layout()
    fig.savefig(IMG / "coldstart.png", dpi=110)
    plt.close(fig)


def warm() -> None:
    data = _load("warm-ml1m")
    if not data:
        return
    fig, ax = plt.subplots(figsize=(6, 3.2))
    _bars(ax, data["models"], "ml-1m, per-user temporal split (warm)")
    lo = min(r["ndcg@10"] for r in data["models"].values())
    ax.set_xlim(max(lo - 0.02, 0), None)
    fig.tight_layout()
    fig.savefig(IMG / "warm.png", dpi=110)
    plt.close(fig)


def retrieval() -> None:
    data = _load("retrieval")
    if not data:
        return
    ((name, rows),) = [(k, v) for k, v in data.items() if isinstance(v, dict) and "exact" in v]
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for key, row in rows.items():
        kind = key.split("_")[0]
        marker = {"exact": "s", "hnsw": "o", "ivf": "^"}[kind]
        ax.scatter(row["qps_batch_1t"], row["recall@10"], marker=marker, label=key)
    ax.set_xscale("log")
    ax.set_xlabel("queries/s (batch, 1 thread)")
    ax.set_ylabel("recall@10 vs exact")
    ax.set_title(f"vector search on {name}", fontsize=10)
    ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    fig.savefig(IMG / "retrieval.png", dpi=110)
    plt.close(fig)


def main() -> None:
    IMG.mkdir(parents=True, exist_ok=True)
    coldstart()
    warm()
    retrieval()
    print(f"plots written to {IMG}")


if __name__ == "__main__":
    main()
