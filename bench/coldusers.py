# SPDX-License-Identifier: MIT
"""Cold users on ml-1m: users with 3 known interactions, and users known only by their profile
text; writes bench/results/coldusers-ml1m.{json,md}.

Protocol: every rating is a positive. ``lmrec.split.cold_user`` holds out 10% of the users
(seed 0): with ``keep=3`` their 3 earliest events stay in training as the known history and the
rest are test; with ``keep=0`` they have no events at all and are described only by the profile
text ``lmrec.data.text.user_texts`` builds from their demographics ("gender: F; age: 25-34;
occupation: writer"). Full ranking over all items (known items excluded), NDCG@10 and
Recall@10 with bootstrap 95% CIs over users. Models are fitted once per split with fixed,
untuned settings (the baselines' validation choices from bench/baselines.py); the score fusion
of popularity and profile text uses equal weights fixed in advance.

Usage: python bench/coldusers.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np

import lmrec
from lmrec.data.split import cold_user
from lmrec.data.text import user_texts
from lmrec.evaluate.metrics import ndcg_at_k, recall_at_k
from lmrec.evaluate.report import environment
from lmrec.evaluate.stats import bootstrap_ci, paired_test
from lmrec.models import UserBatch
from lmrec.models.fusion import Fusion

RESULTS = Path(__file__).parent / "results"
HYBRID = {"encoder": "minilm", "dim": 128, "epochs": 10, "threads": 2}


def baseline_params() -> dict[str, dict[str, Any]]:
    data = json.loads((RESULTS / "baselines-ml1m.json").read_text())
    return {n: data["models"][n]["params"] for n in ("ease", "item_knn", "als")}


def summarise(per_user: dict[str, np.ndarray]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for metric, values in per_user.items():
        mean, low, high = bootstrap_ci(values)
        out[metric] = round(mean, 5)
        out[f"{metric}_ci95"] = [round(low, 5), round(high, 5)]
    return out


def evaluate_batch(model: Any, batch: UserBatch, test: Any) -> dict[str, np.ndarray]:
    """Per-user NDCG@10 / Recall@10 of ``model`` for ``batch`` against its test events."""
    truth = test.interactions[batch.index]
    relevant = [set(truth[i].indices.tolist()) for i in range(len(batch))]
    recs = model.recommend(batch, k=10).lists()
    return {
        "ndcg@10": ndcg_at_k(recs, relevant, 10),
        "recall@10": recall_at_k(recs, relevant, 10),
    }


def few_events(ds: Any, params: dict[str, dict[str, Any]]) -> dict[str, Any]:
    split = cold_user(ds, test_frac=0.1, keep=3, seed=0)
    rows: dict[str, Any] = {}
    per: dict[str, np.ndarray] = {}
    specs = [
        ("popular", "popular", {}),
        *((n, n, params[n]) for n in ("item_knn", "ease", "als")),
        ("content-minilm", "content", {"encoder": "minilm"}),
        ("hybrid-minilm", "hybrid", HYBRID),
    ]
    for label, name, p in specs:
        t0 = time.perf_counter()
        model = lmrec.models.create(name, **p).fit(split.train)
        fit_s = time.perf_counter() - t0
        res = lmrec.evaluate(model, split.test, train=split.train, k=10, progress=False)
        per[label] = res.per_user["ndcg@10"]
        rows[label] = {
            **summarise({m: res.per_user[m] for m in ("ndcg@10", "recall@10")}),
            "fit_s": round(fit_s, 2),
        }
        print(f"keep=3 {label}: ndcg@10={rows[label]['ndcg@10']:.4f}", flush=True)
    best = max(("popular", "item_knn", "ease", "als"), key=lambda n: rows[n]["ndcg@10"])
    for label in rows:
        if label != best:
            rows[label][f"vs_{best}"] = _paired(per[label], per[best])
    return {"test_users": len(per["popular"]), "models": rows}


def profile_only(ds: Any) -> dict[str, Any]:
    split = cold_user(ds, test_frac=0.1, keep=0, seed=0)
    users = np.unique(split.test.user_index)
    profiles = user_texts(split.train, users, n_recent=0)
    empty = UserBatch(
        index=users, history=split.train.interactions[users].astype(np.float32), text=None
    )
    with_text = UserBatch(index=users, history=empty.history, text=tuple(profiles))
    popular = lmrec.models.create("popular").fit(split.train)
    content = lmrec.models.create("content", encoder="minilm").fit(split.train)
    hybrid = lmrec.models.create("hybrid", **HYBRID).fit(split.train)
    fused = Fusion.from_models([popular, hybrid], method="score", weights=[1.0, 1.0])
    per = {
        "popular (no text)": evaluate_batch(popular, empty, split.test),
        "content-minilm (profile)": evaluate_batch(content, with_text, split.test),
        "hybrid-minilm (profile)": evaluate_batch(hybrid, with_text, split.test),
        "popular + hybrid profile (score fusion 1:1)": evaluate_batch(fused, with_text, split.test),
    }
    rows = {label: summarise(v) for label, v in per.items()}
    base = per["popular (no text)"]["ndcg@10"]
    for label, v in per.items():
        if label != "popular (no text)":
            rows[label]["vs_popular"] = _paired(v["ndcg@10"], base)
        print(f"keep=0 {label}: ndcg@10={rows[label]['ndcg@10']:.4f}", flush=True)
    return {"test_users": len(users), "example_profile": profiles[0], "models": rows}


def _paired(a: np.ndarray, b: np.ndarray) -> dict[str, Any]:
    t = paired_test(a, b)
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in t.items()}


def markdown(out: dict[str, Any]) -> str:
    lines = [f"# Cold users on ml-1m ({out['date']})", "", out["protocol"], ""]
    lines.append(f"Machine: {out['machine']}.")
    for key, title in (("keep3", "3 known interactions"), ("profile", "profile text only")):
        part = out[key]
        lines += [
            "",
            f"## {title} ({part['test_users']} test users)",
            "",
            "| model | NDCG@10 [95% CI] | Recall@10 [95% CI] | Δ NDCG (paired, p) |",
            "|---|---|---|---|",
        ]
        for label, r in part["models"].items():
            n, rc = r["ndcg@10_ci95"], r["recall@10_ci95"]
            cmp = next((v | {"ref": k[3:]} for k, v in r.items() if k.startswith("vs_")), None)
            delta = f"{cmp['diff']:+.4f} vs {cmp['ref']} ({cmp['p_value_t']:.2g})" if cmp else "–"
            lines.append(
                f"| {label} | {r['ndcg@10']:.4f} [{n[0]:.4f}, {n[1]:.4f}] "
                f"| {r['recall@10']:.4f} [{rc[0]:.4f}, {rc[1]:.4f}] | {delta} |"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    ds = lmrec.datasets.load("ml-1m").binarize()
    env = environment()
    out = {
        "dataset": "ml-1m",
        "protocol": __doc__.split("\n\n")[1].replace("\n", " "),
        "date": env["date"][:10],
        "machine": f"{env['platform']}, {env['cpus']} CPUs",
        "keep3": few_events(ds, baseline_params()),
        "profile": profile_only(ds),
    }
    (RESULTS / "coldusers-ml1m.json").write_text(json.dumps(out, indent=2, default=float) + "\n")
    (RESULTS / "coldusers-ml1m.md").write_text(markdown(out))
    print(markdown(out))


if __name__ == "__main__":
    main()
