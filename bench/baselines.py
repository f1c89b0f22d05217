# SPDX-License-Identifier: MIT
"""Baselines on MovieLens-1M under the peer-comparable protocol; writes bench/results/.

Protocol: every rating is a positive; users with < 5 interactions dropped; per user, events
sorted by (timestamp, file order) and the last ceil(0.2·n) go to test; full ranking over all items
with training items excluded; recall = hits/|test|; binary NDCG with ideal DCG over
min(|test|, 10).

Tuning is honest: each model's grid is searched on a validation split cut from the training
set with the same protocol (the last 20% of each user's training events); the best setting is
refitted on the whole training set and evaluated once on test.

Usage: python bench/baselines.py [--dataset ml-1m] [--quick]
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import lmrec
from lmrec.data.split import holdout_valid, temporal_user
from lmrec.evaluate.report import environment

RESULTS = Path(__file__).parent / "results"

GRIDS: dict[str, dict[str, list[Any]]] = {
    "popular": {},
    "item_knn": {"k": [200, 400, 800, 1600], "shrink": [0.0, 10.0, 50.0], "alpha": [0.5, 0.3]},
    "user_knn": {"k": [50, 100, 200], "shrink": [0.0, 10.0]},
    "ease": {"lam": [500.0, 1000.0, 2000.0, 5000.0, 10000.0, 20000.0]},
    "als": {
        "factors": [64, 128, 256],
        "regularization": [10.0, 20.0, 30.0, 50.0],
        "alpha": [1.0, 2.0],
        "iterations": [15],
    },
    "bpr": {
        "factors": [64, 128],
        "learning_rate": [0.005, 0.01],
        "regularization": [0.01, 0.1],
        "iterations": [15, 30, 60],
    },
    "biased_mf": {"factors": [32, 64], "regularization": [0.05, 0.1, 0.15]},
}
QUICK = {
    "item_knn": {"k": [100], "shrink": [0.0, 10.0], "alpha": [0.5]},
    "user_knn": {"k": [100], "shrink": [0.0]},
    "ease": {"lam": [200.0, 500.0]},
    "als": {"factors": [64], "regularization": [0.1], "alpha": [1.0, 5.0], "iterations": [15]},
    "bpr": {
        "factors": [64],
        "learning_rate": [0.05],
        "regularization": [0.01],
        "iterations": [100],
    },
    "biased_mf": {"factors": [32], "regularization": [0.08]},
}
# fixed settings measured without tuning, to compare like for like with the peers' figures
ANCHORS = {"ease@lam=500": ("ease", {"lam": 500.0})}
PEERS = {
    "item_knn": 0.145,
    "ease": 0.142,
    "bpr": "0.13-0.14 (cornac)",
    "als": "0.13-0.14 (implicit)",
    "popular": 0.112,
}
HEADLINE = ["ndcg@10", "recall@10", "precision@10", "map@10", "mrr@10", "hit_rate@10"]


def grid(space: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Every combination of a search space (one empty setting for an empty space)."""
    keys = list(space)
    return [dict(zip(keys, vals, strict=True)) for vals in itertools.product(*space.values())]


def measure_load(name: str, repeats: int = 5) -> dict[str, float]:
    """Median load time and peak RSS of loading ``name`` in fresh processes."""
    code = (
        "import time,resource,json; t=time.perf_counter(); import lmrec; "
        f"ds=lmrec.datasets.load({name!r}); ds.interactions; "
        "print(json.dumps([time.perf_counter()-t, "
        "resource.getrusage(resource.RUSAGE_SELF).ru_maxrss/1024]))"
    )
    runs = [
        json.loads(subprocess.check_output([sys.executable, "-c", code])) for _ in range(repeats)
    ]
    return {
        "load_s": round(statistics.median(r[0] for r in runs), 3),
        "peak_rss_mb": round(max(r[1] for r in runs), 1),
    }


def tune(name: str, space: dict[str, list[Any]], train: Any, valid: Any) -> tuple[dict, list]:
    """Best setting by validation NDCG@10 (RMSE for rating models)."""
    trials = []
    for params in grid(space):
        model = lmrec.models.create(name, **params).fit(train)
        res = lmrec.evaluate(model, valid, train=train, k=10, n_boot=10, progress=False)
        score = -res["rmse"] if "rmse" in res.global_metrics else res["ndcg@10"]
        trials.append(
            {
                "params": params,
                "valid_ndcg@10": round(res["ndcg@10"], 5),
                **({"valid_rmse": round(res["rmse"], 5)} if "rmse" in res.global_metrics else {}),
                "_score": score,
            }
        )
        print(f"  {name} {params}: valid ndcg@10={res['ndcg@10']:.4f}", flush=True)
    best = max(trials, key=lambda t: t["_score"])
    for t in trials:
        t.pop("_score")
    return best["params"], trials


def throughput(model: Any, n_users: int, batch: int = 1024) -> float:
    """Users per second of ``recommend(k=10)`` over all users (median of 3 passes)."""
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        for start in range(0, n_users, batch):
            model.recommend(np.arange(start, min(start + batch, n_users)), k=10)
        times.append(time.perf_counter() - t0)
    return n_users / statistics.median(times)


def run_model(
    name: str, space: dict, split: Any, inner: tuple, fixed: dict | None = None
) -> dict[str, Any]:
    """Tune (unless ``fixed``), refit on the full training set, evaluate on test, time it."""
    params, trials = tune(name, space, *inner) if space else (fixed or {}, [])
    t0 = time.perf_counter()
    model = lmrec.models.create(name, **params).fit(split.train)
    fit_s = time.perf_counter() - t0
    evals = []
    for _ in range(3):
        res = lmrec.evaluate(model, split.test, train=split.train, k=10, progress=False)
        evals.append(res.meta["eval_s"])
    row: dict[str, Any] = {"params": params}
    for m in HEADLINE:
        s = res.summary[m]
        row[m] = round(s["mean"], 5)
        row[f"{m}_ci95"] = [round(s["ci_low"], 5), round(s["ci_high"], 5)]
    row["coverage@10"] = round(res["coverage@10"], 4)
    row["novelty@10"] = round(res["novelty@10"], 4)
    row["gini@10"] = round(res["gini@10"], 4)
    if "rmse" in res.global_metrics:
        row["rmse"] = round(res["rmse"], 4)
    row["fit_s"] = round(fit_s, 3)
    row["eval_s"] = round(statistics.median(evals), 3)
    row["recommend_users_per_s"] = round(throughput(model, split.train.n_users), 0)
    row["tuning"] = trials
    print(
        f"{name}: test ndcg@10={row['ndcg@10']:.4f} fit={fit_s:.2f}s "
        f"eval={row['eval_s']:.2f}s rec={row['recommend_users_per_s']:.0f} users/s",
        flush=True,
    )
    return row


def markdown(out: dict[str, Any]) -> str:
    """The results table as Markdown."""
    lines = [
        f"# Baselines on {out['dataset']} ({out['date']})",
        "",
        f"Protocol: {out['protocol']}",
        "",
        f"Machine: {out['machine']}. Load: {out['load']['load_s']} s "
        f"(peak RSS {out['load']['peak_rss_mb']} MB). Test users: {out['test_users']}.",
        "",
        "| model | NDCG@10 [95% CI] | Recall@10 | P@10 | MAP@10 | coverage@10 | fit_s "
        "| eval_s | recommend users/s | peer NDCG@10 | params |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, r in out["models"].items():
        ci = r["ndcg@10_ci95"]
        lines.append(
            f"| {name} | {r['ndcg@10']:.4f} [{ci[0]:.4f}, {ci[1]:.4f}] | {r['recall@10']:.4f} "
            f"| {r['precision@10']:.4f} | {r['map@10']:.4f} | {r['coverage@10']:.3f} "
            f"| {r['fit_s']:.2f} | {r['eval_s']:.2f} | {r['recommend_users_per_s']:,.0f} "
            f"| {PEERS.get(name.split('@')[0], '–')} | {json.dumps(r['params'])} |"
        )
    if "rmse" in out["models"].get("biased_mf", {}):
        lines += [
            "",
            f"biased_mf test RMSE on the explicit ratings: "
            f"{out['models']['biased_mf']['rmse']:.4f}",
        ]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--dataset", default="ml-1m")
    ap.add_argument("--quick", action="store_true", help="small grids (smoke run)")
    ap.add_argument("--models", nargs="*", default=list(GRIDS))
    args = ap.parse_args()

    load = measure_load(args.dataset)
    raw = lmrec.datasets.load(args.dataset).filter(min_user_events=5)
    implicit = raw.binarize()
    split = temporal_user(implicit, test_frac=0.2)
    inner = holdout_valid(split.train, "temporal_user", 0.2)
    ex_split = temporal_user(raw, test_frac=0.2)  # same events, ratings kept (biased_mf)
    ex_inner = holdout_valid(ex_split.train, "temporal_user", 0.2)
    grids = {**GRIDS, **QUICK} if args.quick else GRIDS
    models = {}
    for label, (name, params) in ANCHORS.items():
        models[label] = run_model(name, {}, split, inner, fixed=params)
    for name in args.models:
        explicit = name == "biased_mf"
        models[name] = run_model(
            name, grids[name], ex_split if explicit else split, ex_inner if explicit else inner
        )
    env = environment()
    out = {
        "dataset": args.dataset,
        "split": "temporal_user_0.2",
        "protocol": (
            "every rating a positive; users with <5 interactions dropped; per user the last "
            "ceil(0.2n) events by (timestamp, file order) are test; full ranking, train items "
            "excluded; tuned on the last 20% of each user's training events"
        ),
        "date": env["date"][:10],
        "machine": f"{env['platform']}, {env['cpus']} CPUs",
        "environment": env,
        "quick": args.quick,
        "load": load,
        "test_users": int((np.diff(split.test.interactions.indptr) > 0).sum()),
        "bench_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "peers_ndcg@10": PEERS,
        "models": models,
    }
    RESULTS.mkdir(exist_ok=True)
    stem = f"baselines-{args.dataset.replace('-', '')}" + ("-quick" if args.quick else "")
    (RESULTS / f"{stem}.json").write_text(json.dumps(out, indent=2) + "\n")
    (RESULTS / f"{stem}.md").write_text(markdown(out))
    print(markdown(out))


if __name__ == "__main__":
    main()
