# SPDX-License-Identifier: MIT
"""Distil the LM ranker (teacher) into a two-tower student on ml-100k; writes
bench/results/distill-ml100k.{json,md}

Protocol: the split of bench/ranker.py (ml-100k, per-user random 80/20, seed 0, a tenth of
training cut for validation); the teacher is the click LM ranker bench/ranker.py saved (its
prior's top-N reranked by the cross-encoder). The student reads frozen MiniLM item embeddings
plus ID embeddings and learns from the teacher's scores on a seeded sample of users (its top-N
and random items: listwise KL at temperature T, pointwise MSE, and the hard click labels).
Teacher and student are evaluated on the same users (NDCG@10, ratings ≥ 4 relevant, full
ranking for the student, the teacher reranking its candidates), with latency per single-user
request, batch throughput, parameters and artifact size.

Usage: python bench/distill.py [--users N] [--eval-users N] [--teacher NAME] [--tag TAG]
       (run bench/ranker.py first; --teacher names its saved click ranker in bench/_work/ranker,
       e.g. click-evidence after bench/ranker.py --evidence)
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import numpy as np

import lmrec
from lmrec.evaluate import stats
from lmrec.evaluate.report import environment

RESULTS = Path(__file__).parent / "results"
WORK = Path(__file__).parent / "_work" / "ranker"


def size_mb(folder: Path) -> float:
    return round(sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20, 2)


def ndcg_summary(result: Any) -> dict[str, Any]:
    """NDCG@10 mean and 95% CI of an evaluation, rounded for the results file."""
    s = result.summary["ndcg@10"]
    return {
        "ndcg@10": round(s["mean"], 4),
        "ndcg@10_ci95": [round(s["ci_low"], 4), round(s["ci_high"], 4)],
    }


def ndcg_cell(row: dict[str, Any]) -> str:
    """``mean [low, high]`` of a row made by :func:`ndcg_summary`."""
    n = row["ndcg@10_ci95"]
    return f"{row['ndcg@10']:.4f} [{n[0]:.4f}, {n[1]:.4f}]"


def latency(model: lmrec.models.Recommender, users: np.ndarray) -> dict[str, float]:
    """Single-user request latency (p50/p99 ms) and batch throughput (users/s)."""
    times = []
    for u in users[:50]:
        t0 = time.perf_counter()
        model.recommend([int(u)], k=10)
        times.append((time.perf_counter() - t0) * 1000)
    t0 = time.perf_counter()
    model.recommend(users, k=10)
    return {
        "p50_ms": round(float(np.percentile(times, 50)), 2),
        "p99_ms": round(float(np.percentile(times, 99)), 2),
        "users_per_s": round(len(users) / (time.perf_counter() - t0), 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=300, help="users scored by the teacher")
    ap.add_argument("--eval-users", type=int, default=150)
    ap.add_argument("--candidates", type=int, default=50)
    ap.add_argument("--random", type=int, default=10, help="random items per user's list")
    ap.add_argument("--hard-weight", type=float, default=None, help="the model's default if unset")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument(
        "--frontier",
        type=int,
        nargs="*",
        default=[16, 32, 128, 256],
        help="other student sizes (dim) for the accuracy-vs-speed frontier",
    )
    ap.add_argument("--teacher", default="click", help="saved ranker in bench/_work/ranker")
    ap.add_argument("--tag", default="", help="suffix of the result files")
    args = ap.parse_args()
    teacher_dir = WORK / args.teacher
    own = "" if args.teacher == "click" else f"-{args.teacher}"  # per-teacher caches
    if not teacher_dir.is_dir():
        raise SystemExit(f"{teacher_dir} is missing: run bench/ranker.py first")
    ds = lmrec.datasets.load("ml-100k")
    split = lmrec.split.random_user(ds, test_frac=0.2, valid_frac=0.1, seed=0)
    history = split.train.union(split.valid)
    teacher = lmrec.models.load(teacher_dir)
    params = {
        "teacher": str(teacher_dir),
        "n_candidates": args.candidates,
        "n_random": args.random,
        "max_users": args.users,
        "temperature": 2.0,
        **({} if args.hard_weight is None else {"hard_weight": args.hard_weight}),
        "epochs": 60,
        "threads": args.threads,
        "teacher_cache": str(WORK / f"teacher-scores{own}.npz"),
    }
    t0 = time.perf_counter()
    student = lmrec.models.create("distilled", **params, progress=True).fit(split.train)
    fit_s = time.perf_counter() - t0
    student.save(WORK / f"student{own}")
    # the same network on the hard labels only (the cached teacher scores go unused)
    hard = lmrec.models.create("distilled", **{**params, "hard_weight": 1.0}).fit(split.train)
    test = split.test
    pos = test.values >= 4
    users = np.flatnonzero(np.bincount(test.user_index[pos], minlength=test.n_users) > 0)
    users = np.sort(np.random.default_rng(1).choice(users, args.eval_users, replace=False))
    ev = {"train": history, "k": 10, "relevance_threshold": 4.0, "users": users, "progress": False}
    res = {
        "teacher": lmrec.evaluate(teacher, test, **ev),
        "student": lmrec.evaluate(student, test, **ev),
        "student (hard labels only)": lmrec.evaluate(hard, test, **ev),
        "retriever (teacher's prior)": lmrec.evaluate(teacher.prior_, test, **ev),
    }
    frontier = {}  # the same distillation with other student sizes (cached teacher scores)
    for dim in args.frontier:
        other = lmrec.models.create("distilled", **params, dim=dim).fit(split.train)
        ndcg = ndcg_summary(lmrec.evaluate(other, test, **ev))
        folder = WORK / f"student-{dim}"
        other.save(folder)
        frontier[f"dim {dim}"] = {
            **ndcg,
            "of_teacher": round(ndcg["ndcg@10"] / max(res["teacher"]["ndcg@10"], 1e-9), 3),
            "parameters": other.parameter_count(),
            "artifact_mb": size_mb(folder),
            **latency(other, users),
        }
    paired = stats.paired_test(
        res["student"].per_user["ndcg@10"], res["teacher"].per_user["ndcg@10"]
    )
    rows: dict[str, Any] = {}
    sizes = {"teacher": size_mb(teacher_dir), "student": size_mb(WORK / f"student{own}")}
    for name, r in res.items():
        model = {"teacher": teacher, "student": student}.get(name)
        rows[name] = {**ndcg_summary(r), "recall@10": round(r["recall@10"], 4)}
        if model is not None:
            rows[name].update(latency(model, users), artifact_mb=sizes[name])
    rows["teacher"]["parameters"] = teacher.trainable_parameters()["total"]
    rows["student"]["parameters"] = student.parameter_count()
    env = environment()
    out = {
        "dataset": "ml-100k",
        "protocol": " ".join(__doc__.split("\n\n")[1].split()),
        "date": env["date"][:10],
        "machine": f"{env['platform']}, {env['cpus']} CPUs",
        "teacher": args.teacher,
        "teacher_users": args.users,
        "candidates": args.candidates,
        "random_items": args.random,
        "hard_weight": args.hard_weight,
        "eval_users": len(users),
        "student_fit_s": round(fit_s, 1),
        "student_vs_teacher": {
            "diff": round(paired["diff"], 4),
            "ci95": [round(paired["ci_low"], 4), round(paired["ci_high"], 4)],
            "p_value_t": paired["p_value_t"],
        },
        "models": rows,
        "frontier": frontier,
    }
    RESULTS.mkdir(exist_ok=True)
    stem = f"distill-ml100k{'-' + args.tag if args.tag else ''}"
    (RESULTS / f"{stem}.json").write_text(json.dumps(out, indent=2) + "\n")
    lines = [
        f"# Distillation on ml-100k ({out['date']})",
        "",
        out["protocol"],
        "",
        f"Machine: {out['machine']}. Teacher scores for {args.users} users; evaluation on "
        f"{len(users)} users; student fit {out['student_fit_s']} s (incl. teacher scoring). "
        f"Lists distilled per user: the teacher's top {out['candidates']} and "
        f"{out['random_items']} random items"
        + ("." if out["hard_weight"] is None else f"; hard-label weight {out['hard_weight']}."),
        "",
        "| model | NDCG@10 [95% CI] | Recall@10 | p50 ms | p99 ms | users/s | params | MB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, r in rows.items():
        lines.append(
            f"| {name} | {ndcg_cell(r)} | {r['recall@10']:.4f} "
            + (
                f"| {r['p50_ms']} | {r['p99_ms']} | {r['users_per_s']} "
                f"| {r['parameters']:,} | {r['artifact_mb']} |"
                if "parameters" in r
                else "| – | – | – | – | – |"
            )
        )
    d = out["student_vs_teacher"]
    lines += [
        "",
        f"Student − teacher NDCG@10: {d['diff']:+.4f} (95% CI [{d['ci95'][0]:+.4f}, "
        f"{d['ci95'][1]:+.4f}], p = {d['p_value_t']:.3g}).",
    ]
    if frontier:
        t = rows["teacher"]
        lines += [
            "",
            "Frontier: the student at other sizes (dim of the towers; the row `student` above is "
            f"dim {student.config.dim}), same teacher scores and evaluation users. Teacher: "
            f"NDCG@10 {t['ndcg@10']:.4f}, {t['users_per_s']} users/s.",
            "",
            "| student | NDCG@10 [95% CI] | of teacher | p50 ms | users/s | × teacher users/s "
            "| params | MB |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for name, r in frontier.items():
            lines.append(
                f"| {name} | {ndcg_cell(r)} | {r['of_teacher']:.0%} "
                f"| {r['p50_ms']} | {r['users_per_s']} "
                f"| {r['users_per_s'] / max(t['users_per_s'], 1e-9):,.0f}× "
                f"| {r['parameters']:,} | {r['artifact_mb']} |"
            )
    (RESULTS / f"{stem}.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
