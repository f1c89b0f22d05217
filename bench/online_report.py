# SPDX-License-Identifier: MIT
"""Plots and the Markdown report of ``bench/online.py`` (kept apart from the simulation)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

IMG = Path(__file__).parent.parent / "docs" / "img"
DATASET = "ml-1m"


def plots(
    runs: list[dict[str, Any]],
    ope: dict[str, Any],
    stream: dict[str, Any] | None,
    args: argparse.Namespace,
    realtime: dict[str, Any] | None = None,
) -> None:
    """Cumulative reward, regret, cold exposure, streaming and OPE figures: docs/img/<out>_*.png."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    IMG.mkdir(parents=True, exist_ok=True)
    labels = [k for k in runs[0] if k not in ("oracle", "ope_most_popular")]
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    x = np.arange(len(runs[0][labels[0]]["curve"])) * args.stride
    ref = np.array([r["most-popular"]["curve"] for r in runs]) if "most-popular" in labels else 0
    for k in labels:
        curves = np.array([r[k]["curve"] for r in runs])
        for ax, ys in zip(
            axes, (curves, np.array([r[k]["regret"] for r in runs]), curves - ref), strict=True
        ):
            ax.plot(x, ys.mean(axis=0), label=k)
            ax.fill_between(x, ys.min(axis=0), ys.max(axis=0), alpha=0.15)
    titles = ("cumulative reward", "cumulative regret vs oracle", "reward minus most-popular's")
    for ax, title in zip(axes, titles, strict=True):
        ax.axvline(args.rounds // 2, color="grey", ls=":", lw=1)
        ax.set_xlabel("round (dotted: cold items join)")
        ax.set_title(f"{DATASET}: {title}", fontsize=9)
    axes[2].axhline(0, color="black", lw=0.8)
    axes[0].legend(fontsize=7)
    fig.suptitle("mean over seeds, band = min–max", fontsize=8)
    fig.tight_layout()
    fig.savefig(IMG / f"{args.out}_reward.png", dpi=110)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(6, 3.5))
    for k in labels:
        ys = np.array([r[k]["cold"]["exposure_by_window"] for r in runs]).mean(axis=0)
        x = args.rounds // 2 + np.arange(len(ys)) * args.window
        ax.plot(x, ys, marker=".", label=k)
    ax.set_xlabel("round (cold items revealed at the dotted line)")
    ax.set_ylabel(f"cold share of serves (per {args.window} rounds)", fontsize=8)
    ax.axvline(args.rounds // 2, color="grey", ls=":", lw=1)
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(IMG / f"{args.out}_cold_exposure.png", dpi=110)
    plt.close(fig)

    for suffix, st in (("streaming", stream), ("streaming_realtime", realtime)):
        if not st:
            continue
        fig, ax = plt.subplots(figsize=(6, 3.5))
        for j, strat in enumerate(("frozen", "incremental", "retrain")):
            rs = [r for r in st["windows"] if r["strategy"] == strat]
            x = np.arange(len(rs)) + (j - 1) * 0.1
            v = np.array([r["ndcg"] for r in rs])
            err = [v - [r["low"] for r in rs], np.array([r["high"] for r in rs]) - v]
            ax.errorbar(x, v, yerr=err, marker="o", ms=4, capsize=2, label=strat)
        ax.set_xlabel("window (chronological)")
        ax.set_ylabel("NDCG@10 (95% CI)")
        how = "per window" if not st.get("step") else f"real time, steps of {st['step']} events"
        ax.set_title(f"{DATASET}: prequential ALS, updates {how}", fontsize=9)
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(IMG / f"{args.out}_{suffix}.png", dpi=110)
        plt.close(fig)

    fig, ax = plt.subplots(figsize=(7, 3.5))
    truths = np.array(ope["_truths"])
    for j, (k, color) in enumerate(zip(("ips", "snips", "dr"), ("C0", "C1", "C2"), strict=True)):
        rs = ope["_rows"][k]
        x = np.arange(len(rs)) + (j - 1) * 0.25
        v = np.array([r["value"] for r in rs]) - truths
        lo = v - (np.array([r["low"] for r in rs]) - truths)
        hi = (np.array([r["high"] for r in rs]) - truths) - v
        ax.errorbar(x, v, yerr=[lo, hi], fmt="o", ms=3, color=color, label=k, capsize=2)
    ax.axhline(0, color="black", lw=1)
    ax.set_xlabel("synthetic log (seed)")
    ax.set_ylabel("estimate − true value (95% CI)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(IMG / f"{args.out}_ope.png", dpi=110)
    plt.close(fig)


def markdown(result: dict[str, Any]) -> str:
    """The human-readable summary."""
    s, env = result["simulator"], result["environment"]
    lines = [
        f"# Online: bandits on {DATASET} and off-policy estimation",
        "",
        f"Date {env['date']}, {env['platform']}, {env['cpus']} CPUs (shared; load average "
        f"{result['loadavg_start']} at start, {result['loadavg_end']} at end). "
        f"{result['args']['rounds']} rounds × {result['args']['seeds']} seeds, "
        f"{result['args']['candidates']} candidates per round, encoder "
        f"{result['args']['encoder']} (PCA {result['args']['dim']}).",
        "",
        "| policy | CTR (reward/round) | 95% CI (t, seeds) | cold exposure | cold served CTR "
        "| cold truth CTR | s/seed |",
        "|---|---|---|---|---|---|---|",
    ]
    for k, r in s.items():
        if k in ("oracle", "ope_most_popular"):
            continue
        c = r["cold"]
        lines.append(
            f"| {k} | {r['ctr']:.4f} | {r['ctr_ci95_t'][0]:.4f}–{r['ctr_ci95_t'][1]:.4f} | "
            f"{c['exposure_share']:.3f} | {c['served_ctr']:.3f} | "
            f"{c['truth_ctr_as_candidate']:.3f} | {r['seconds']:.1f} |"
        )
    lines += [f"| oracle (any clicked candidate) | {s['oracle']['ctr']:.4f} | | | | | |", ""]
    lines += [
        "Paired over seeds, LinTS (MiniLM + popularity) minus each policy "
        "(CTR difference, 95% CI, p):",
        "",
    ]
    for k, r in s.items():
        if "vs_lints-minilm+pop" in r:
            t = r["vs_lints-minilm+pop"]
            lines.append(
                f"- {k}: {t['diff']:+.4f} [{t['ci_low']:+.4f}, {t['ci_high']:+.4f}], "
                f"p = {t['p_value_t']:.2g}"
            )
    lines += [
        "",
        "Cold arms: |estimated CTR − true CTR as a candidate| at the reveal (text prior) → at the "
        "end (weighted by appearances; linear models averaged over the rounds' users):",
        "",
    ]
    for k, r in s.items():
        if "posterior_mae" in r.get("cold", {}):
            c = r["cold"]
            lines.append(
                f"- {k}: text prior MAE {c['prior_mae']:.3f} → posterior MAE "
                f"{c['posterior_mae']:.3f} over {c['n_cold_arms']:.0f} cold arms"
            )
    if "ope_most_popular" in s:
        o = s["ope_most_popular"]
        lines += [
            "",
            "OPE on the simulator: most-popular greedy's value estimated from the uniform-random "
            "policy's log (propensity 1/20), truth exact on the same rounds, over seeds:",
            "",
            "| estimator | coverage of truth | mean abs. error | mean CI width |",
            "|---|---|---|---|",
        ]
        for k in ("ips", "snips", "dr", "replay"):
            lines.append(
                f"| {k} | {o[k]['coverage95']:.2f} | {o[k]['mean_abs_error']:.4f} | "
                f"{o[k]['mean_ci_width']:.4f} |"
            )
    o = result["ope"]
    lines += [
        "",
        f"## OPE on the synthetic problem ({o['config']}, {result['args']['ope_seeds']} logs)",
        "",
        "| estimator | seed-0 estimate | 95% CI | truth | coverage | mean variance | bias | RMSE |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for k in ("ips", "snips", "dr"):
        r = o[k]
        z = r["seed0"]
        lines.append(
            f"| {k} | {z['value']:.4f} | {z['low']:.4f}–{z['high']:.4f} | {z['truth']:.4f} | "
            f"{r['coverage95']:.2f} | {r['mean_variance']:.2e} | {r['bias']:+.4f} | "
            f"{r['rmse']:.4f} |"
        )
    lines += [
        "",
        f"DR / IPS variance: {o['dr_over_ips_variance']:.2f}.",
        "",
        "## Update latency (ms per call: median, or 99th percentile where the key says p99)",
        "",
    ]
    lines += [f"- {k}: {v:.3f} ms" for k, v in result["latency_ms"].items()]
    for key in ("streaming", "streaming_realtime"):
        if result.get(key):
            lines += _stream_table(result[key])
    return "\n".join(lines) + "\n"


def _stream_table(st: dict[str, Any]) -> list[str]:
    """The Markdown section of one prequential run."""
    lines = [
        "",
        f"## Streaming (prequential) on {DATASET}: {st['protocol']}",
        "",
        "| window | frozen NDCG@10 | incremental | retrain | incr./retrain | users |",
        "|---|---|---|---|---|---|",
    ]
    w = st["windows"]
    for i, ratio in enumerate(st["incremental_over_retrain_ndcg"]):
        f, n, r = (x for x in w if x["window"] == i)
        lines.append(
            f"| {i} | {f['ndcg']:.4f} [{f['low']:.4f}, {f['high']:.4f}] | "
            f"{n['ndcg']:.4f} [{n['low']:.4f}, {n['high']:.4f}] | "
            f"{r['ndcg']:.4f} [{r['low']:.4f}, {r['high']:.4f}] | {ratio:.3f} | "
            f"{f['n_users']} |"
        )
    u = st["update_seconds"]
    lines += [
        "",
        f"Update compute over all windows: incremental {u['incremental']:.2f} s "
        f"({st['n_steps']:,} updates), retrain {u['retrain']:.2f} s ({len(w) // 3} fits; ratio "
        f"{st['incremental_over_retrain_time']:.3f}).",
    ]
    if "update_cpu_seconds" in st:
        c = st["update_cpu_seconds"]
        lines[-1] += (
            f" CPU time of the process: incremental {c['incremental']:.2f} s, retrain "
            f"{c['retrain']:.2f} s (ratio {st['incremental_over_retrain_cpu']:.3f})."
        )
    if st.get("step"):
        per_fit = u["retrain"] / max(len(w) // 3, 1)
        lines[-1] += (
            f" Retraining at the incremental cadence would take ≈ {st['n_steps']:,} × "
            f"{per_fit:.1f} s ≈ {st['n_steps'] * per_fit / 3600:.1f} h. Each step is scored "
            "before any strategy updates on it; users count once per step they appear in."
        )
    else:
        lines[-1] += (
            " Window i is scored before the strategy updates on it, so window 0 is the same "
            "for all."
        )
    return lines
