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

With ``--evidence`` it measures the headline ranker instead (written to
``ranker-ml100k-evidence.{json,md}``): the head also reads the text evidence (how the user rated
the 20 history items whose MiniLM embedding is closest to the candidate's), the encoder is cut
to its first 2 layers and frozen, so every held-out training pair is encoded once; RMSE on all
test ratings against biased MF, next to linear blends of MF with the same evidence (no
cross-encoder) and with collaborative-neighbour evidence (item vectors = rating columns), fit
on the same held-out share; and its click head, trained on the retriever's candidate lists
(its top N for each user of the held-out share, labelled by that share's ratings ≥ 4),
reranking those candidates.

Usage: python bench/ranker.py [--modes none lora ...] [--train-pairs N] [--test-pairs N]
       [--rerank-users N] [--candidates N] [--evidence [--set KEY=VALUE ...] [--skip-rating]]
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
from lmrec.models.ranker._evidence import text_evidence
from lmrec.models.ranker.model import _pairs_split
from lmrec.text._base import l2_normalise

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


# the headline ranker: text evidence, the first 2 MiniLM layers, frozen (pair features cached)
HEADLINE = {
    "evidence_k": 20,
    "encoder_layers": 2,
    "freeze": "all_but_head",
    "max_tokens": 64,
    "max_train_pairs": 20000,
    "max_valid_pairs": 1000,
    "epochs": 10,
    "batch_size": 16,
    "eval_every": 100,
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


def blend_errors(
    split: Any, mf: Any, vecs: dict[str, np.ndarray], k: int = 20
) -> dict[str, np.ndarray]:
    """Squared test errors of least-squares blends of biased MF with the neighbour evidence
    from ``vecs`` (each source alone, then all together; keys joined by " + "), fit on the
    ranker's protocol: MF without a held-out 20% share of each user's training ratings, the
    blend on that share; then ``mf`` (fit on all training) with the evidence from all training.
    Each MF and each evidence is computed once."""
    train, test = split.train, split.test
    held = _pairs_split(train, 0.2, np.random.default_rng(0))
    base, share = train.subset(~held), train.subset(held)
    base_mf = lmrec.models.create("biased_mf").fit(base)
    fit_cols = [base_mf.predict(share.user_index, share.item_index)[:, None]]
    fit_cols.append(np.ones((share.n_events, 1)))  # intercept
    test_cols = [mf.predict(test.user_index, test.item_index)[:, None]]
    test_cols.append(np.ones((test.n_events, 1)))
    fit_ev = {
        n: text_evidence(v, base.interactions, share.user_index, share.item_index, k)
        for n, v in vecs.items()
    }
    test_ev = {
        n: text_evidence(v, train.interactions, test.user_index, test.item_index, k)
        for n, v in vecs.items()
    }
    lo, hi = train.values.min(), train.values.max()
    out = {}
    for names in [[n] for n in vecs] + ([list(vecs)] if len(vecs) > 1 else []):
        x = np.hstack(fit_cols + [fit_ev[n] for n in names])
        coef, *_ = np.linalg.lstsq(x, share.values, rcond=None)
        xt = np.hstack(test_cols + [test_ev[n] for n in names])
        out[" + ".join(names)] = (np.clip(xt @ coef, lo, hi) - test.values) ** 2
    return out


def evidence_rating(split: Any, args: argparse.Namespace) -> dict[str, Any]:
    """The headline ranker's RMSE on every test rating, against biased MF and the blends."""
    test = split.test
    users, items, truth = test.user_index, test.item_index, test.values
    mf = lmrec.models.create("biased_mf").fit(split.train, split.valid)
    mf_err = (mf.predict(users, items) - truth) ** 2
    t0 = time.perf_counter()
    model = lmrec.models.create("lm_ranker", **HEADLINE, threads=args.threads, progress=True)
    model.fit(split.train, split.valid)
    fit_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    err = (model.predict(users, items) - truth) ** 2
    pred_s = time.perf_counter() - t1
    ratings = split.train.interactions.T.tocsr().astype(np.float32)
    collab = l2_normalise(ratings.toarray())  # an item's vector: its column of ratings
    rows: dict[str, Any] = {"biased_mf": {"rmse": round(float(np.sqrt(mf_err.mean())), 4)}}

    def row(e: np.ndarray) -> dict[str, Any]:
        paired = stats.paired_test(mf_err, e)  # positive diff: fewer squared errors than MF
        return {
            "rmse": round(float(np.sqrt(e.mean())), 4),
            "vs_mf_sq_err_diff": round(paired["diff"], 5),
            "vs_mf_ci95": [round(paired["ci_low"], 5), round(paired["ci_high"], 5)],
            "vs_mf_p": paired["p_value_t"],
        }

    rows["lm_ranker (text evidence, 2 frozen layers)"] = {
        **row(err),
        **model.trainable_parameters(),
        "train_pairs": model.train_pairs_,
        "fit_s": round(fit_s, 1),
        "train_pairs_per_s": round(model.train_pairs_ / fit_s, 1),
        "pairs_per_s_predict": round(len(users) / pred_s, 1),
        "best_valid_rmse": round(min(h["valid"] for h in model.history_), 4),
    }
    sources = {"text": model.item_vecs_, "collaborative": collab}
    for name, e in blend_errors(split, mf, sources).items():
        label = " (no cross-encoder)" if name == "text" else ""
        rows[f"blend: MF + {name} evidence{label}"] = row(e)
    for name, r in rows.items():
        print(name, r, flush=True)
    return {"test_pairs": len(truth), "models": rows}


def click_and_rerank(
    split: Any, args: argparse.Namespace, params: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Click head AUC / log loss, and the retriever's candidates reranked by it."""
    label = args.click_mode if params is None else "headline"
    if params is None:
        params = {**common(args), **MODES[args.click_mode]}
    params = {**params, "task": "click", "prior": args.retriever}
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
        "click_mode": label,
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
    ap.add_argument("--evidence", action="store_true", help="measure the headline ranker")
    ap.add_argument(
        "--set", nargs="*", default=[], metavar="KEY=VALUE", help="change a headline setting"
    )
    ap.add_argument("--skip-rating", action="store_true", help="--evidence: click part only")
    args = ap.parse_args()
    for item in args.set:  # e.g. evidence_k=0 for the ablation
        key, _, value = item.partition("=")
        if key not in HEADLINE:
            ap.error(f"--set {key}: not a headline setting ({', '.join(HEADLINE)})")
        HEADLINE[key] = type(HEADLINE[key])(value)
    started = time.perf_counter()
    ds = lmrec.datasets.load("ml-100k")
    split = lmrec.split.random_user(ds, test_frac=0.2, valid_frac=0.1, seed=0)
    if args.evidence:
        args.tag = args.tag or "evidence"
        rating = None if args.skip_rating else evidence_rating(split, args)
        # click pairs: the retriever's candidate lists, as the rerank sees them
        headline = {**HEADLINE, "click_pairs": "candidates", "threads": args.threads}
        headline["progress"] = True
        clicks = None if args.skip_click else click_and_rerank(split, args, headline)
    else:
        rating = rating_table(split, args)
        clicks = None if args.skip_click else click_and_rerank(split, args)
    env = environment()
    parts = (__doc__ or "").split("\n\n")
    out = {
        "dataset": "ml-100k",
        "split": "random_user 80/20 (valid = 10% of each user's ratings), seed 0",
        "protocol": " ".join(" ".join(parts[1 : 3 if args.evidence else 2]).split()),
        "date": env["date"][:10],
        "machine": f"{env['platform']}, {env['cpus']} CPUs",
        "settings": {k: v for k, v in vars(args).items()},
        **({"headline": HEADLINE} if args.evidence else {}),
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


def _vs_mf(m: dict[str, Any]) -> str:
    """``RMSE | Δ [95% CI]`` cells of a model row measured against MF."""
    return (
        f"{m['rmse']:.4f} | {m['vs_mf_sq_err_diff']:+.4f} "
        f"[{m['vs_mf_ci95'][0]:+.4f}, {m['vs_mf_ci95'][1]:+.4f}]"
    )


def markdown(out: dict[str, Any]) -> str:
    if "headline" in out:
        return markdown_evidence(out)
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
            f"| {name} | {_vs_mf(m)} | {m['trainable']:,} / {m['total']:,} | {m['epoch_s']} "
            f"| {m['pairs_per_s_predict']} |"
        )
    return "\n".join(lines + click_lines(out["click"])) + "\n"


def markdown_evidence(out: dict[str, Any]) -> str:
    """The headline ranker's tables."""
    r, h = out["rating"], out["headline"]
    head = [
        f"# LM ranker with text evidence on ml-100k ({out['date']})",
        "",
        out["protocol"],
        "",
        f"Machine: {out['machine']}. Whole run {out['total_s'] / 60:.1f} min, peak RSS "
        f"{out['peak_rss_mb']:.0f} MB. Ranker: evidence_k {h['evidence_k']}, the first "
        f"{h['encoder_layers']} MiniLM layers, freeze {h['freeze']}, {h['max_tokens']} tokens, "
        f"up to {h['max_train_pairs']} training pairs × {h['epochs']} epochs.",
    ]
    if r is None:
        return "\n".join(head + click_lines(out["click"])) + "\n"
    lines = [
        *head,
        "",
        f"Rating RMSE on all {r['test_pairs']:,} test ratings; Δ = mean squared-error gain over "
        "biased MF on the same ratings (positive: better), paired 95% CI:",
        "",
        "| model | RMSE | Δ sq. error vs MF [95% CI] | p | trainable / total params "
        "| train pairs | fit s | train pairs/s | predict pairs/s |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| biased_mf | {r['models']['biased_mf']['rmse']:.4f} | – | – | – | – | – | – | – |",
    ]
    for name, m in r["models"].items():
        if name == "biased_mf":
            continue
        params = f"{m['trainable']:,} / {m['total']:,}" if "trainable" in m else "–"
        lines.append(
            f"| {name} | {_vs_mf(m)} | {m['vs_mf_p']:.2g} "
            f"| {params} | {m.get('train_pairs', '–')} | {m.get('fit_s', '–')} "
            f"| {m.get('train_pairs_per_s', '–')} | {m.get('pairs_per_s_predict', '–')} |"
        )
    return "\n".join(lines + click_lines(out["click"])) + "\n"


def click_lines(c: dict[str, Any] | None) -> list[str]:
    """The click head and rerank paragraph (empty without a click run)."""
    lines: list[str] = []
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
    return lines


if __name__ == "__main__":
    main()
