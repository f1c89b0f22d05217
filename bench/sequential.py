# SPDX-License-Identifier: MIT
"""Sequential models on ml-1m, leave-last-out, full ranking; writes bench/results/sequential-ml1m.*

Protocol: every rating is an interaction; per user, events in time order (ties keep file
order, in the split and in the training sequences alike); the last event is test, the one
before validation; full ranking over all 3,706 items with the user's earlier items excluded;
NDCG@10 and HR@10 with bootstrap 95% CIs. The model is
early-stopped on validation NDCG@10 (2,000 sampled users) and scored with the training and
validation history. With --valid-users N only N sampled users give a validation event and the
others train on theirs (same test set). Anchors (same protocol, published): SASRec 0.160 /
0.285 and HSTU-large 0.189 / 0.329 (NDCG@10 / HR@10, generative-recommenders README), RecBole
SASRec 0.129 / 0.247; EASE measured here 0.050.

Usage: python bench/sequential.py [--variants ...] [--epochs N] [--budget-min M] [--batch-size B]
       [--lr LR] [--threads T] [--patience P] [--dropout D] [--loss ce|sampled]
       [--negatives N] [--key-padding] [--valid-users N] [--tag TEXT]
The multi-scenario transfer benchmark is bench/transfer.py.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path
from typing import Any

import lmrec
from lmrec.evaluate.report import environment

RESULTS = Path(__file__).parent / "results"
ANCHORS = {
    "SASRec (generative-recommenders README)": [0.160, 0.285],
    "HSTU-large (generative-recommenders README)": [0.189, 0.329],
    "SASRec (RecBole)": [0.129, 0.247],
}
VARIANTS = {
    "sasrec-ids": {"use_ids": True, "use_text": False},
    "sasrec-text": {"use_ids": False, "use_text": True, "encoder": "minilm"},
    "sasrec-ids+text": {"use_ids": True, "use_text": True, "encoder": "minilm"},
}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--variants", nargs="*", default=["sasrec-ids", "sasrec-text"])
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--budget-min", type=float, default=40.0, help="training budget per model")
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--threads", type=int, default=2, help="torch threads")
    ap.add_argument("--patience", type=int, default=10, help="validation checks without gain")
    ap.add_argument("--dropout", type=float, default=0.2)
    ap.add_argument("--loss", choices=["ce", "sampled"], default="ce")
    ap.add_argument("--negatives", type=int, default=256, help="shared negatives (sampled loss)")
    ap.add_argument("--key-padding", action="store_true", help="mask padding out of attention")
    ap.add_argument("--valid-users", type=int, default=None, help="users giving validation")
    ap.add_argument("--tag", default="", help="suffix of the result rows, e.g. 'lr 2e-3, long'")
    args = ap.parse_args()
    ds = lmrec.datasets.load("ml-1m").binarize()
    split = lmrec.split.leave_last_out(ds, n_test=1, n_valid=1, valid_users=args.valid_users)
    history = split.train.union(split.valid)
    base = {
        "dim": 64,
        "layers": 2,
        "heads": 1,
        "max_len": 200,
        "dropout": args.dropout,
        "loss": args.loss,
        "negatives": args.negatives,
        "key_padding": args.key_padding,
        "batch_size": args.batch_size,
        "lr": args.lr,
        "epochs": args.epochs,
        "patience": args.patience,
        "threads": args.threads,
        "progress": True,
        "time_budget_s": args.budget_min * 60,
        "valid_users": args.valid_users or 2000,
    }
    rows: dict[str, Any] = {}
    if args.valid_users is None:  # the non-sequential reference, on the standard split
        ease = lmrec.models.create("ease", lam=500).fit(split.train)
        res = lmrec.evaluate(ease, split.test, train=history, k=10, progress=False)
        rows["ease (λ=500)"] = {
            "ndcg@10": round(res["ndcg@10"], 5),
            "hr@10": round(res["hit_rate@10"], 5),
        }
    for label in args.variants:
        params = {**base, **VARIANTS[label]}
        t0 = time.perf_counter()
        model = lmrec.models.create("sasrec", **params).fit(split.train, split.valid)
        fit_s = time.perf_counter() - t0
        res = lmrec.evaluate(model, split.test, train=history, k=10, progress=False)
        row: dict[str, Any] = {"params": params}
        for m, key in (("ndcg@10", "ndcg@10"), ("hit_rate@10", "hr@10")):
            s = res.summary[m]
            row[key] = round(s["mean"], 5)
            row[f"{key}_ci95"] = [round(s["ci_low"], 5), round(s["ci_high"], 5)]
        epochs = len(model.history_)
        row.update(
            fit_s=round(fit_s, 1),
            epochs_run=epochs,
            epoch_s=round(fit_s / max(epochs, 1), 1),
            best_valid_ndcg=max(r.get("valid_ndcg@10", 0) for r in model.history_),
            history=model.history_,
        )
        rows[f"{label} ({args.tag})" if args.tag else label] = row
        print(f"{label}: ndcg@10={row['ndcg@10']:.4f} hr@10={row['hr@10']:.4f} epochs={epochs}")
    old = RESULTS / "sequential-ml1m.json"
    if old.exists():  # keep the rows of variants not rerun (read last: runs may overlap)
        rows = {**json.loads(old.read_text())["models"], **rows}
    env = environment()
    out = {
        "dataset": "ml-1m",
        "split": "leave_last_out",
        "protocol": __doc__.split("\n\n")[1],
        "date": env["date"][:10],
        "machine": f"{env['platform']}, {env['cpus']} CPUs",
        "anchors_ndcg@10_hr@10": ANCHORS,
        "models": rows,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "sequential-ml1m.json").write_text(json.dumps(out, indent=2) + "\n")
    lines = [
        f"# Sequential models on ml-1m, leave-last-out ({out['date']})",
        "",
        out["protocol"].replace("\n", " "),
        "",
        f"Machine: {out['machine']}.",
        "",
        "| model | NDCG@10 [95% CI] | HR@10 [95% CI] | epochs | s/epoch |",
        "|---|---|---|---|---|",
    ]
    for label, r in rows.items():
        if "ndcg@10_ci95" in r:
            n, h = r["ndcg@10_ci95"], r["hr@10_ci95"]
            lines.append(
                f"| {label} | {r['ndcg@10']:.4f} [{n[0]:.4f}, {n[1]:.4f}] "
                f"| {r['hr@10']:.4f} [{h[0]:.4f}, {h[1]:.4f}] "
                f"| {r['epochs_run']} | {r['epoch_s']} |"
            )
        else:
            lines.append(f"| {label} | {r['ndcg@10']:.4f} | {r['hr@10']:.4f} | – | – |")
    for name, (n, h) in ANCHORS.items():
        lines.append(f"| anchor: {name} | {n:.3f} | {h:.3f} | – | – |")
    (RESULTS / "sequential-ml1m.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
