# SPDX-License-Identifier: MIT
"""Cold-item recommendation on ml-1m and amazon-games; writes bench/results/coldstart.*.

Protocol: every interaction is a positive; 10% of the items with interactions are held out with
all their events (``lmrec.split.cold_item``, seed 0) and another 5% form a cold validation set
(used only by models that stop early). Each test user (one who interacted with a held-out item)
is ranked over the held-out items only, using their training (+ validation) history; NDCG@10 and
Recall@10 with bootstrap 95% CIs over users, and paired tests against the non-LM text baseline.

Models: ``random`` (chance), ``content`` with a TF-IDF+LSA encoder (the non-LM text baseline),
``content`` with MiniLM (LM kNN), ``content_learned`` and ``hybrid`` with MiniLM (text mapped
into the collaborative space, trained on the warm items), and ``hybrid`` with TF-IDF (to
separate the effect of the LM from the effect of learning).

Usage: python bench/coldstart.py [--datasets ml-1m amazon-games] [--models ...] [--epochs N]
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np

import lmrec
from lmrec.data.split import cold_item
from lmrec.evaluate.report import environment

RESULTS = Path(__file__).parent / "results"
BASELINE = "content-tfidf"


def specs(epochs: int, dim: int) -> dict[str, tuple[str, dict[str, Any]]]:
    """Label -> (registry name, params) of every compared model."""
    learned = {"epochs": epochs, "dim": dim, "patience": 3, "threads": 2, "progress": True}
    return {
        "random": ("random", {"seed": 0}),
        "content-tfidf": ("content", {"encoder": "tfidf"}),
        "content-minilm": ("content", {"encoder": "minilm"}),
        "content_learned-minilm": ("content_learned", {"encoder": "minilm", **learned}),
        "hybrid-minilm": ("hybrid", {"encoder": "minilm", **learned}),
        "hybrid-tfidf": ("hybrid", {"encoder": "tfidf", **learned}),
    }


def run_dataset(name: str, models: dict[str, tuple[str, dict[str, Any]]]) -> dict[str, Any]:
    """Split ``name`` into cold items, fit and evaluate every model."""
    ds = lmrec.datasets.load(name).binarize()
    split = cold_item(ds, test_frac=0.1, valid_frac=0.05, seed=0)
    assert split.valid is not None
    history = split.train.union(split.valid)
    candidates = np.unique(split.test.item_index)
    out: dict[str, Any] = {
        "n_items": ds.n_items,
        "n_cold_test_items": len(candidates),
        "n_train_events": split.train.n_events,
        "models": {},
    }
    results = {}
    for label, (model_name, params) in models.items():
        t0 = time.perf_counter()
        model = lmrec.models.create(model_name, **params).fit(split.train, split.valid)
        fit_s = time.perf_counter() - t0
        res = lmrec.evaluate(
            model, split.test, train=history, k=10, candidates=candidates, progress=False
        )
        results[label] = res
        row: dict[str, Any] = {"model": model_name, "params": params, "fit_s": round(fit_s, 2)}
        for m in ("ndcg@10", "recall@10", "hit_rate@10"):
            s = res.summary[m]
            row[m] = round(s["mean"], 5)
            row[f"{m}_ci95"] = [round(s["ci_low"], 5), round(s["ci_high"], 5)]
        if hasattr(model, "history_"):
            row["epochs_run"] = len(model.history_)
        out["models"][label] = row
        out["test_users"] = res.meta.get("n_users")
        print(f"{name} {label}: ndcg@10={row['ndcg@10']:.4f} fit={fit_s:.1f}s", flush=True)
    if BASELINE in results:
        for label, res in results.items():
            if label != BASELINE:
                test = res.compare(results[BASELINE], metric="ndcg@10")
                out["models"][label]["vs_" + BASELINE] = {
                    k: (round(v, 6) if isinstance(v, float) else v) for k, v in test.items()
                }
    return out


def markdown(out: dict[str, Any]) -> str:
    """Results as Markdown tables, one per data set."""
    lines = [f"# Cold-item recommendation ({out['date']})", "", out["protocol"], ""]
    lines.append(f"Machine: {out['machine']}.")
    for name, d in out["datasets"].items():
        lines += [
            "",
            f"## {name}: {d['n_cold_test_items']} held-out items, {d['test_users']} test users",
            "",
            "| model | NDCG@10 [95% CI] | Recall@10 [95% CI] | Δ NDCG vs TF-IDF (p) | fit_s |",
            "|---|---|---|---|---|",
        ]
        for label, r in d["models"].items():
            nc, rc = r["ndcg@10_ci95"], r["recall@10_ci95"]
            cmp = r.get("vs_" + BASELINE)
            delta = f"{cmp['diff']:+.4f} ({cmp['p_value_t']:.1g})" if cmp else "–"
            lines.append(
                f"| {label} | {r['ndcg@10']:.4f} [{nc[0]:.4f}, {nc[1]:.4f}] "
                f"| {r['recall@10']:.4f} [{rc[0]:.4f}, {rc[1]:.4f}] | {delta} | {r['fit_s']:.1f} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", nargs="*", default=["ml-1m", "amazon-games"])
    ap.add_argument("--models", nargs="*", default=None)
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--out", default="coldstart")
    args = ap.parse_args()
    every = specs(args.epochs, args.dim)
    chosen = {k: every[k] for k in (args.models or every)}
    env = environment()
    out: dict[str, Any] = {
        "protocol": __doc__.split("\n\n")[1].replace("\n", " "),
        "split": "cold_item_0.1_valid_0.05_seed0",
        "date": env["date"][:10],
        "machine": f"{env['platform']}, {env['cpus']} CPUs",
        "environment": env,
        "datasets": {name: run_dataset(name, chosen) for name in args.datasets},
    }
    out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.out}.json").write_text(json.dumps(out, indent=2) + "\n")
    (RESULTS / f"{args.out}.md").write_text(markdown(out))
    print(markdown(out))


if __name__ == "__main__":
    main()
