# SPDX-License-Identifier: MIT
"""Vector search: exact vs HNSW vs IVF on synthetic clustered embeddings; writes bench/results/.

Data: 100,000 item vectors of dimension 384 (the MiniLM size) drawn around 1,000 random unit
cluster centres with Gaussian noise (norm ~1, so an item's cosine to its centre is ~0.7), then
L2-normalised; 2,000 queries drawn the same way from the same centres (another seed). Metric:
inner product (= cosine). Ground truth: the exact index's top 10.

Measured through ``lmrec.retrieval`` (the wrapper's input checks included):
- ``build_s``: make + add (+ IVF k-means training) with 2 faiss threads;
- ``qps_single``: one query per call, 1 thread, over the first ``--single`` queries;
- ``qps_batch_1t`` / ``qps_batch_2t``: all queries in one call with 1 / 2 threads;
- ``qps``: = ``qps_batch_1t`` (like-for-like; no thread count left implicit);
- ``*_per_cpu_s``: the same queries per CPU-second of this process (1-thread modes), which is
  less disturbed than wall time when other jobs share the cores;
- ``cpu_per_wall``: CPU seconds / wall seconds during a timed batch call (1.0 = one busy core);
- ``recall@10``: mean share of the exact top 10 found.
Every timing is the best of ``--repeats`` runs.

Acceptance target: HNSW recall@10 >= 0.95 at >= 5x the exact queries/s on 100k items.

Usage: python bench/retrieval.py [--quick] [--noise 1.0] [--repeats 3] [--single 500]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from lmrec.evaluate.report import environment
from lmrec.retrieval import VectorIndex, make_index
from lmrec.retrieval._testing import clustered_vectors, recall_at_k

RESULTS = Path(__file__).parent / "results"
K = 10
EF_SEARCH = (32, 64, 128, 256)
HNSW = ((32, EF_SEARCH), (16, (16, 32, 64)))  # (M, ef_search values)
NPROBE = (8, 16, 32)
TARGET_RECALL = 0.95
TARGET_SPEEDUP = 5.0
MODES = ("qps_single", "qps_batch_1t", "qps_batch_2t")
CPU_MODES = ("qps_single_per_cpu_s", "qps_batch_1t_per_cpu_s")


def cpu_s() -> float:
    """CPU seconds (user + system) of this process so far."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def best_of(fn: Callable[[], Any], repeats: int) -> tuple[Any, float, float]:
    """``(result, wall s, cpu s)`` of the fastest of ``repeats`` calls (shared cores are noisy)."""
    best: tuple[Any, float, float] | None = None
    for _ in range(repeats):
        c0, t0 = cpu_s(), time.perf_counter()
        out = fn()
        wall, cpu = time.perf_counter() - t0, cpu_s() - c0
        if best is None or wall < best[1]:
            best = (out, wall, cpu)
    assert best is not None
    return best


def build(kind: str, items: np.ndarray, **params: Any) -> tuple[VectorIndex, float]:
    """An index of ``kind`` over ``items`` and its build seconds (2 threads)."""
    index = make_index(kind, dim=items.shape[1], threads=2, **params)
    _, wall, _ = best_of(lambda: index.add(items), 1)
    return index, wall


def measure(
    index: VectorIndex, queries: np.ndarray, truth: np.ndarray | None, n_single: int, repeats: int
) -> dict[str, Any]:
    """Recall and the throughput figures of one configured index (best of ``repeats``)."""

    def singles() -> None:
        for i in range(n_single):
            index.search(queries[i : i + 1], K)

    n = len(queries)
    index.threads = 1
    index.search(queries[:50], K)  # warm-up
    (_, found), wall_1t, cpu_1t = best_of(lambda: index.search(queries, K), repeats)
    _, wall_single, cpu_single = best_of(singles, repeats)
    index.threads = 2
    _, wall_2t, cpu_2t = best_of(lambda: index.search(queries, K), repeats)
    return {
        "recall@10": 1.0 if truth is None else round(recall_at_k(found, truth), 4),
        "qps": round(n / wall_1t, 1),
        "qps_single": round(n_single / wall_single, 1),
        "qps_batch_1t": round(n / wall_1t, 1),
        "qps_batch_2t": round(n / wall_2t, 1),
        "qps_single_per_cpu_s": round(n_single / cpu_single, 1),
        "qps_batch_1t_per_cpu_s": round(n / cpu_1t, 1),
        "cpu_per_wall_1t": round(cpu_1t / wall_1t, 2),
        "cpu_per_wall_2t": round(cpu_2t / wall_2t, 2),
        "_found": found,
    }


def run(
    items: np.ndarray, queries: np.ndarray, n_single: int, repeats: int
) -> dict[str, dict[str, Any]]:
    """Every configuration's figures, keyed ``exact``, ``hnsw_ef<ef>`` (M=32),
    ``hnsw_M16_ef<ef>``, ``ivf_nprobe<p>``."""
    rows: dict[str, dict[str, Any]] = {}
    exact, build_s = build("exact", items)
    row = measure(exact, queries, None, n_single, repeats)
    rows["exact"] = {**row, "build_s": round(build_s, 2)}
    truth = rows["exact"]["_found"]
    print(f"exact: {_brief(rows['exact'])}", flush=True)
    del exact
    for m, efs in HNSW:
        hnsw, build_s = build("hnsw", items, M=m, ef_construction=200)
        for ef in efs:
            hnsw.set_search_params(ef_search=ef)
            row = measure(hnsw, queries, truth, n_single, repeats)
            key = f"hnsw_ef{ef}" if m == 32 else f"hnsw_M{m}_ef{ef}"
            rows[key] = {**row, "build_s": round(build_s, 2), "params": hnsw.params}
            print(f"hnsw M={m} ef={ef}: {_brief(row)}", flush=True)
        del hnsw
    ivf, build_s = build("ivf", items)
    for nprobe in NPROBE:
        ivf.set_search_params(nprobe=nprobe)
        row = measure(ivf, queries, truth, n_single, repeats)
        params = {**ivf.params, "nlist": ivf.nlist_}  # type: ignore[attr-defined]
        rows[f"ivf_nprobe{nprobe}"] = {**row, "build_s": round(build_s, 2), "params": params}
        print(f"ivf nprobe={nprobe}: {_brief(row)}", flush=True)
    for row in rows.values():
        row.pop("_found")
    return rows


def _brief(row: dict[str, Any]) -> str:
    return ", ".join(f"{k}={row[k]}" for k in ("recall@10", *MODES))


def acceptance(rows: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The fastest HNSW setting with recall >= target, and its speed-up over exact per mode."""
    exact = rows["exact"]
    ok = [n for n in rows if n.startswith("hnsw") and rows[n]["recall@10"] >= TARGET_RECALL]
    target = f"HNSW recall@10 >= {TARGET_RECALL} at >= {TARGET_SPEEDUP}x exact queries/s"
    if not ok:
        return {"target": target, "met": False, "best": None, "reason": "recall never reached"}
    best = max(ok, key=lambda n: rows[n]["qps_batch_1t"])
    speedup = {m: round(rows[best][m] / exact[m], 2) for m in (*MODES, *CPU_MODES)}
    return {
        "target": target,
        "best": best,
        "recall@10": rows[best]["recall@10"],
        "speedup": speedup,
        "met_per_mode": {m: s >= TARGET_SPEEDUP for m, s in speedup.items()},
        "met": all(s >= TARGET_SPEEDUP for s in speedup.values()),
    }


def markdown(out: dict[str, Any]) -> str:
    """The results table as Markdown."""
    ds = out["dataset"]
    acc = out["acceptance"]
    load = out["load_average_1min"]
    lines = [
        f"# Vector search on {ds['name']} ({out['date']})",
        "",
        f"Data: {ds['description']}.",
        "",
        f"Machine: {out['machine']}; faiss-cpu {out['environment']['packages'].get('faiss-cpu')}. "
        f"1-min load average {load['start']} at start, {load['end']} at end (the machine was "
        "shared with other jobs: wall-clock figures are noisy; the per-CPU-second columns are "
        "less sensitive to that).",
        "",
        f"Build with 2 threads. `single`: one query per call, 1 thread, {out['single_queries']} "
        f"queries; `batch`: all {ds['queries']:,} queries in one call. Best of "
        f"{out['repeats']} runs. Recall@10 against the exact top 10.",
        "",
        "| index | recall@10 | qps single | qps batch 1 thr | qps batch 2 thr "
        "| single /cpu-s | batch /cpu-s | build_s | params |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, r in out[ds["name"]].items():
        lines.append(
            f"| {key} | {r['recall@10']:.4f} | {r['qps_single']:,.0f} | {r['qps_batch_1t']:,.0f} "
            f"| {r['qps_batch_2t']:,.0f} | {r['qps_single_per_cpu_s']:,.0f} "
            f"| {r['qps_batch_1t_per_cpu_s']:,.0f} | {r['build_s']:.1f} "
            f"| {json.dumps(r.get('params', {}))} |"
        )
    cores = max(r["cpu_per_wall_2t"] for r in out[ds["name"]].values())
    if cores < 1.5:
        lines += [
            "",
            f"The 2-thread runs never got more than {cores:.2f} of a core from the shared "
            "machine, so their figures do not show 2-core scaling.",
        ]
    lines += ["", f"Target: {acc['target']}."]
    if acc["best"] is None:
        lines.append(f"Not met: no HNSW setting reached recall@10 {TARGET_RECALL}.")
    else:
        sp = ", ".join(f"{m.removeprefix('qps_')} {s}x" for m, s in acc["speedup"].items())
        missed = [m.removeprefix("qps_") for m, ok in acc["met_per_mode"].items() if not ok]
        verdict = "met in every mode" if acc["met"] else f"NOT met for {', '.join(missed)}"
        lines.append(
            f"Fastest HNSW setting at the recall target: **{acc['best']}** (recall@10 "
            f"{acc['recall@10']:.4f}); speed-up over exact: {sp}. Verdict: {verdict}."
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="10k items, 500 queries (smoke run)")
    ap.add_argument("--single", type=int, default=500, help="queries timed one per call")
    ap.add_argument("--repeats", type=int, default=3, help="timings are the best of this many")
    ap.add_argument("--noise", type=float, default=1.0, help="cluster noise (higher: harder)")
    ap.add_argument("--report", type=Path, help="only redo acceptance + Markdown from this JSON")
    args = ap.parse_args()
    if args.report:
        out = json.loads(args.report.read_text())
        out["acceptance"] = acceptance(out[out["dataset"]["name"]])
        args.report.write_text(json.dumps(out, indent=2) + "\n")
        args.report.with_suffix(".md").write_text(markdown(out))
        print(markdown(out))
        return
    n_items, n_queries, n_clusters = (10_000, 500, 100) if args.quick else (100_000, 2000, 1000)
    dim, noise, seed = 384, args.noise, 7
    items, centres = clustered_vectors(n_items, dim, n_clusters, noise=noise, seed=seed)
    queries, _ = clustered_vectors(n_queries, dim, n_clusters, noise, seed + 1, centres)
    name = f"synthetic-{n_items // 1000}k-{dim}" + (f"-noise{noise:g}" if noise != 1.0 else "")
    load_start = round(os.getloadavg()[0], 2)
    t0 = time.perf_counter()
    n_single = min(args.single, n_queries)
    rows = run(items, queries, n_single, args.repeats)
    env = environment()
    out = {
        "date": env["date"][:10],
        "machine": f"{env['platform']}, {env['cpus']} CPUs",
        "environment": env,
        "load_average_1min": {"start": load_start, "end": round(os.getloadavg()[0], 2)},
        "dataset": {
            "name": name,
            "items": n_items,
            "queries": n_queries,
            "dim": dim,
            "clusters": n_clusters,
            "noise": noise,
            "seed": seed,
            "description": (
                f"{n_items:,} unit vectors (dim {dim}) around {n_clusters:,} random unit centres "
                f"plus Gaussian noise of norm ~{noise:g}, L2-normalised; {n_queries:,} queries "
                f"from the same centres; inner product; seed {seed}"
            ),
        },
        "single_queries": n_single,
        "repeats": args.repeats,
        name: rows,
        "acceptance": acceptance(rows),
        "bench_s": round(time.perf_counter() - t0, 1),
        "bench_peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }
    RESULTS.mkdir(exist_ok=True)
    stem = "retrieval" + ("-quick" if args.quick else "") + name.partition("384")[2]
    (RESULTS / f"{stem}.json").write_text(json.dumps(out, indent=2) + "\n")
    (RESULTS / f"{stem}.md").write_text(markdown(out))
    print(markdown(out))


if __name__ == "__main__":
    main()
