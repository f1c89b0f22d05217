# SPDX-License-Identifier: MIT
"""LM ranker on ml-100k: rating RMSE against biased MF, freeze/PEFT table, click head, and
reranking a retriever's candidates; writes bench/results/ranker-ml100k.{json,md}

Protocol: ml-100k, per-user random 80/20 split of ratings (seed 0), a tenth of each user's
training ratings cut for validation (early stopping of every model). The LM ranker is the
packaged all-MiniLM-L6-v2 cross-encoder reading "item text [SEP] user profile" (demographics
and the 10 latest rated titles with ratings) with biased MF's score as the head's prior (the LM
learns a residual); it trains on the ratings held out of the prior's fit. RMSE is measured on a
seeded sample of test ratings (both models on the same pairs, paired bootstrap on squared
errors), because cross-encoding every test pair does not fit a CPU budget. Reranking: the
retriever's top-N for a seeded sample of users rescored by the click ranker (rating ≥ 4 =
positive, one sampled unseen item per positive as negative); NDCG@10 with ratings ≥ 4 relevant,
paired test against the retriever alone on the same users.

Usage: python bench/ranker.py [--modes none lora ...] [--train-pairs N] [--test-pairs N]
       [--rerank-users N] [--candidates N]
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
from lmrec.evaluate import stats
from lmrec.evaluate.metrics import click
from lmrec.evaluate.report import environment

RESULTS = Path(__file__).parent / "results"
WORK = Path(__file__).parent / "_work" / "ranker"
MODES = {
    "none": {},
    "embeddings": {"freeze": "embeddings"},
    "bottom_k": {"freeze": "bottom_k", "freeze_k": 3},
    "all_but_head": {"freeze": "all_but_head"},
    "lora": {"peft": "lora"},
    "adalora": {"peft": "adalora"},
    "prefix": {"peft": "prefix"},
    "adapter": {"peft": "adapter"},
}


def common(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "max_tokens": args.max_tokens,
        "max_train_pairs": args.train_pairs,
        "max_valid_pairs": 400,
        "epochs": args.epochs,
        "batch_size": 16,
        "eval_every": 40,
        "threads": args.threads,
        "progress": True,
    }


def rating_table(split: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Biased MF and the LM ranker (each mode) on the same sampled test ratings."""
    test = split.test
    rng = np.random.default_rng(0)
    pick = np.sort(rng.choice(test.n_events, min(args.test_pairs, test.n_events), replace=False))
    users, items, truth = test.user_index[pick], test.item_index[pick], test.values[pick]
    mf = lmrec.models.create("biased_mf").fit(split.train, split.valid)
    mf_err = (mf.predict(users, items) - truth) ** 2
    mf_full = lmrec.evaluate(mf, test, train=split.train, k=10, progress=False)["rmse"]
    rows: dict[str, Any] = {
        "biased_mf": {"rmse": round(float(np.sqrt(mf_err.mean())), 4), "rmse_all": mf_full}
    }
    for mode in args.modes:
        t0 = time.perf_counter()
        model = lmrec.models.create("lm_ranker", **common(args), **MODES[mode])
        model.fit(split.train, split.valid)
        fit_s = time.perf_counter() - t0
        t1 = time.perf_counter()
        err = (model.predict(users, items) - truth) ** 2
        pred_s = time.perf_counter() - t1
        test_rmse = float(np.sqrt(err.mean()))
        paired = stats.paired_test(mf_err, err)  # positive diff: the ranker errs less
        rows[f"lm_ranker ({mode})"] = {
            "rmse": round(test_rmse, 4),
            "vs_mf_sq_err_diff": round(paired["diff"], 5),
            "vs_mf_ci95": [round(paired["ci_low"], 5), round(paired["ci_high"], 5)],
            "vs_mf_p": paired["p_value_t"],
            "best_valid_rmse": round(min(h["valid"] for h in model.history_), 4),
            **model.trainable_parameters(),
            "train_pairs": args.train_pairs,
            "epoch_s": round(fit_s, 1),
            "pairs_per_s_predict": round(len(users) / pred_s, 1),
        }
        print(mode, rows[f"lm_ranker ({mode})"], flush=True)
    return {"test_pairs": len(pick), "models": rows}


def click_and_rerank(split: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Click head AUC / log loss, and the retriever's candidates reranked by it."""
    params = {**common(args), "task": "click", "prior": args.retriever, **MODES[args.click_mode]}
    ranker = lmrec.models.create("lm_ranker", **params, n_candidates=args.candidates)
    t0 = time.perf_counter()
    ranker.fit(split.train, split.valid)
    fit_s = time.perf_counter() - t0
    WORK.mkdir(parents=True, exist_ok=True)
    ranker.save(WORK / f"click{'-' + args.tag if args.tag else ''}")
    rng = np.random.default_rng(1)
    test = split.test
    pos = test.values >= 4
    seen = split.train.union(split.valid, test).interactions
    pu, pi = test.user_index[pos], test.item_index[pos]
    take = rng.choice(len(pu), min(args.test_pairs // 2, len(pu)), replace=False)
    pu, pi = pu[take], pi[take]
    nu = pu.copy()
    ni = rng.integers(0, test.n_items, len(nu))
    ok = np.asarray(seen[nu, ni]).ravel() == 0
    u = np.concatenate([pu, nu[ok]])
    i = np.concatenate([pi, ni[ok]])
    y = np.concatenate([np.ones(len(pu)), np.zeros(int(ok.sum()))])
    prob = ranker.predict(u, i)
    prior_scores = ranker.prior_.predict(u, i)
    users = np.flatnonzero(np.bincount(test.user_index[pos], minlength=test.n_users) > 0)
    users = np.sort(rng.choice(users, min(args.rerank_users, len(users)), replace=False))
    history = split.train.union(split.valid)
    ev = {"train": history, "k": 10, "relevance_threshold": 4.0, "users": users, "progress": False}
    retr = lmrec.evaluate(ranker.prior_, test, **ev)
    t1 = time.perf_counter()
    pipe = lmrec.evaluate(ranker, test, **ev)
    rerank_s = time.perf_counter() - t1
    paired = stats.paired_test(pipe.per_user["ndcg@10"], retr.per_user["ndcg@10"])
    return {
        "click_mode": args.click_mode,
        "fit_s": round(fit_s, 1),
        "click_pairs": len(y),
        "auc": round(click.auc(y, prob), 4),
        "log_loss": round(click.log_loss(y, prob), 4),
        "prior_auc": round(click.auc(y, prior_scores), 4),
        "rerank": {
            "retriever": args.retriever,
            "candidates": args.candidates,
            "users": len(users),
            "retriever_ndcg@10": round(retr["ndcg@10"], 4),
            "reranked_ndcg@10": round(pipe["ndcg@10"], 4),
            "diff": round(paired["diff"], 4),
            "ci95": [round(paired["ci_low"], 4), round(paired["ci_high"], 4)],
            "p_value_t": paired["p_value_t"],
            "rerank_s_per_user": round(rerank_s / len(users), 3),
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--modes", nargs="*", default=list(MODES))
    ap.add_argument("--train-pairs", type=int, default=2000)
    ap.add_argument("--test-pairs", type=int, default=2000)
    ap.add_argument("--max-tokens", type=int, default=96)
    ap.add_argument("--retriever", default="als")
    ap.add_argument("--click-mode", default="lora", choices=list(MODES))
    ap.add_argument("--candidates", type=int, default=50)
    ap.add_argument("--rerank-users", type=int, default=150)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--skip-click", action="store_true")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--tag", default="", help="suffix of the result files")
    args = ap.parse_args()
    started = time.perf_counter()
    ds = lmrec.datasets.load("ml-100k")
    split = lmrec.split.random_user(ds, test_frac=0.2, valid_frac=0.1, seed=0)
    rating = rating_table(split, args)
    clicks = None if args.skip_click else click_and_rerank(split, args)
    env = environment()
    out = {
        "dataset": "ml-100k",
        "split": "random_user 80/20 (valid = 10% of each user's ratings), seed 0",
        "protocol": " ".join(__doc__.split("\n\n")[1].split()),
        "date": env["date"][:10],
        "machine": f"{env['platform']}, {env['cpus']} CPUs",
        "settings": {k: v for k, v in vars(args).items()},
        "rating": rating,
        "click": clicks,
        "total_s": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    RESULTS.mkdir(exist_ok=True)
    name = f"ranker-ml100k{'-' + args.tag if args.tag else ''}"
    (RESULTS / f"{name}.json").write_text(json.dumps(out, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(markdown(out))
    print(markdown(out))


def markdown(out: dict[str, Any]) -> str:
    r = out["rating"]
    lines = [
        f"# LM ranker on ml-100k ({out['date']})",
        "",
        out["protocol"],
        "",
        f"Machine: {out['machine']}. Whole run {out['total_s'] / 60:.1f} min, peak RSS "
        f"{out['peak_rss_mb']:.0f} MB. Training pairs per model: "
        f"{out['settings']['train_pairs']}, epochs {out['settings']['epochs']}; token budget "
        f"{out['settings']['max_tokens']}.",
        "",
        f"Rating RMSE on {r['test_pairs']} sampled test ratings (biased MF on all test "
        f"ratings: {r['models']['biased_mf']['rmse_all']:.4f}):",
        "",
        "| model | RMSE | Δ sq. error vs MF [95% CI] | trainable / total params | s/epoch "
        "| pairs/s (predict) |",
        "|---|---|---|---|---|---|",
        f"| biased_mf | {r['models']['biased_mf']['rmse']:.4f} | – | – | – | – |",
    ]
    for name, m in r["models"].items():
        if name == "biased_mf":
            continue
        lines.append(
            f"| {name} | {m['rmse']:.4f} | {m['vs_mf_sq_err_diff']:+.4f} "
            f"[{m['vs_mf_ci95'][0]:+.4f}, {m['vs_mf_ci95'][1]:+.4f}] "
            f"| {m['trainable']:,} / {m['total']:,} | {m['epoch_s']} "
            f"| {m['pairs_per_s_predict']} |"
        )
    c = out["click"]
    if c:
        rr = c["rerank"]
        lines += [
            "",
            f"Click head ({c['click_mode']}, prior {rr['retriever']}): AUC {c['auc']:.4f} "
            f"(prior alone {c['prior_auc']:.4f}), log loss {c['log_loss']:.4f} on "
            f"{c['click_pairs']} pairs.",
            "",
            f"Reranking {rr['retriever']}'s top {rr['candidates']} for {rr['users']} users: "
            f"NDCG@10 {rr['retriever_ndcg@10']:.4f} → {rr['reranked_ndcg@10']:.4f} "
            f"(Δ {rr['diff']:+.4f}, 95% CI [{rr['ci95'][0]:+.4f}, {rr['ci95'][1]:+.4f}], "
            f"p = {rr['p_value_t']:.3g}); {rr['rerank_s_per_user']} s per user.",
        ]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
