# SPDX-License-Identifier: MIT
"""Text, hybrid and fusion models against the tuned baselines on ml-1m (warm items).

Protocol: the one of ``bench/baselines.py`` (every rating a positive, users with < 5 events
dropped, per user the last ceil(0.2·n) events by (timestamp, file order) are test, full ranking with
training items excluded). Validation is the last 20% of each user's training events.

* Baselines (EASE, item kNN, ALS) use the settings ``bench/baselines.py`` chose on validation
  (read from ``bench/results/baselines-ml1m.json``) and are fitted on the whole training set.
* ``content`` (MiniLM) is fitted on the whole training set (nothing to tune).
* ``hybrid`` (MiniLM) is early-stopped on validation, then refitted on the whole training set
  for the chosen number of epochs.
* ``fusion-score``: z-scored score fusion of EASE, item kNN, ALS and the hybrid with weights
  tuned on validation (children fitted on the inner training set), then the children refitted on
  the whole training set with those weights.
* ``fusion-stacking``: a logistic combiner learned on validation over the children fitted on
  the inner training set; at test time the children see the whole training history.

Every model sees exactly the training set; the test set is touched once. Paired tests compare
each model with the best baseline on per-user NDCG@10.

Usage: python bench/warm.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import lmrec
from lmrec.data.split import holdout_valid, temporal_user
from lmrec.evaluate.report import environment
from lmrec.models.fusion import Fusion

RESULTS = Path(__file__).parent / "results"
HYBRID = {"encoder": "minilm", "dim": 128, "epochs": 30, "patience": 3, "threads": 2}


def baseline_params() -> dict[str, dict[str, Any]]:
    """The settings chosen on validation by bench/baselines.py."""
    data = json.loads((RESULTS / "baselines-ml1m.json").read_text())
    return {n: data["models"][n]["params"] for n in ("ease", "item_knn", "als")}


def main() -> None:
    raw = lmrec.datasets.load("ml-1m").filter(min_user_events=5).binarize()
    split = temporal_user(raw, test_frac=0.2)
    inner_train, inner_valid = holdout_valid(split.train, "temporal_user", 0.2)
    params = baseline_params()
    results: dict[str, Any] = {}
    rows: dict[str, dict[str, Any]] = {}

    def record(label: str, model: Any, fit_s: float, extra: dict | None = None) -> None:
        res = lmrec.evaluate(model, split.test, train=split.train, k=10, progress=False)
        results[label] = res
        s = res.summary["ndcg@10"]
        rows[label] = {
            "ndcg@10": round(s["mean"], 5),
            "ndcg@10_ci95": [round(s["ci_low"], 5), round(s["ci_high"], 5)],
            "recall@10": round(res["recall@10"], 5),
            "coverage@10": round(res["coverage@10"], 4),
            "fit_s": round(fit_s, 2),
            **(extra or {}),
        }
        print(f"{label}: ndcg@10={s['mean']:.4f} fit={fit_s:.1f}s", flush=True)

    def fit(name: str, data: Any, valid: Any = None, **kw: Any) -> tuple[Any, float]:
        t0 = time.perf_counter()
        model = lmrec.models.create(name, **kw).fit(data, valid)
        return model, time.perf_counter() - t0

    full = {}
    for name in ("ease", "item_knn", "als"):
        full[name], t = fit(name, split.train, **params[name])
        record(name, full[name], t, {"params": params[name]})
    content, t = fit("content", split.train, encoder="minilm")
    record("content-minilm", content, t)

    tuned, t_tune = fit("hybrid", inner_train, inner_valid, **HYBRID)
    best_epoch = max(tuned.history_, key=lambda r: r["valid_ndcg@10"])["epoch"]
    full["hybrid"], t = fit("hybrid", split.train, **{**HYBRID, "epochs": int(best_epoch)})
    record("hybrid-minilm", full["hybrid"], t + t_tune, {"epochs": int(best_epoch)})

    inner = {n: fit(n, inner_train, **params[n])[0] for n in ("ease", "item_knn", "als")}
    inner["hybrid"] = tuned
    order = ["ease", "item_knn", "als", "hybrid"]
    t0 = time.perf_counter()
    probe = Fusion.from_models(
        [inner[n] for n in order], method="score", tune_weights=True, valid=inner_valid
    )
    weights = [float(w) for w in probe.weights_]
    fused = Fusion.from_models([full[n] for n in order], method="score", weights=weights)
    chosen = dict(zip(order, weights, strict=True))
    record("fusion-score", fused, time.perf_counter() - t0, {"weights": chosen})
    t0 = time.perf_counter()
    stack = Fusion.from_models([inner[n] for n in order], method="stacking", valid=inner_valid)
    record("fusion-stacking", stack, time.perf_counter() - t0, {"combination": stack.combination()})

    best = max(("ease", "item_knn", "als"), key=lambda n: rows[n]["ndcg@10"])
    for label, res in results.items():
        if label != best:
            test = res.compare(results[best], metric="ndcg@10")
            rows[label][f"vs_{best}"] = {
                k: (round(v, 6) if isinstance(v, float) else v) for k, v in test.items()
            }
    env = environment()
    out = {
        "dataset": "ml-1m",
        "split": "temporal_user_0.2",
        "protocol": __doc__.split("\n\n")[1].replace("\n", " "),
        "date": env["date"][:10],
        "machine": f"{env['platform']}, {env['cpus']} CPUs",
        "best_baseline": best,
        "models": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "warm-ml1m.json").write_text(json.dumps(out, indent=2, default=float) + "\n")
    lines = [
        f"# Text, hybrid and fusion models on ml-1m, warm split ({out['date']})",
        "",
        out["protocol"],
        "",
        f"Machine: {out['machine']}.",
        "",
        f"| model | NDCG@10 [95% CI] | Recall@10 | coverage@10 | Δ vs {best} [95% CI] (p) "
        "| fit_s |",
        "|---|---|---|---|---|---|",
    ]
    for label, r in rows.items():
        ci = r["ndcg@10_ci95"]
        c = r.get(f"vs_{best}")
        delta = (
            f"{c['diff']:+.4f} [{c['ci_low']:+.4f}, {c['ci_high']:+.4f}] ({c['p_value_t']:.2g})"
            if c
            else "–"
        )
        lines.append(
            f"| {label} | {r['ndcg@10']:.4f} [{ci[0]:.4f}, {ci[1]:.4f}] | {r['recall@10']:.4f} "
            f"| {r['coverage@10']:.3f} | {delta} | {r['fit_s']:.1f} |"
        )
    (RESULTS / "warm-ml1m.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
