# SPDX-License-Identifier: MIT
"""The Markdown tables and the learning-curve plot of ``bench/transfer.py`` (kept apart from
the runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

#: Seeds per curve point by default (means and t-intervals are across them).
SEEDS = 3
# what points run before 2026-12-01 03:00 used (kept points carry no "train" record)
EARLIER_TRAIN = {"patience": 3, "length_buckets": True}


def markdown(out: dict[str, Any]) -> str:
    """The result tables: every strategy at 100%, then the learning curve."""
    z = out["zero_shot"]
    lines = [
        f"# Transfer to {out['target']} ({out['date']})",
        "",
        out["protocol"],
        "",
        f"Machine: {out['machine']}. Base: pretrained on {', '.join(out['base']['sources'])} "
        f"({out['base']['users']:,} users, {out['base']['items']:,} items), "
        f"{out['base']['epochs_run']} epochs × {out['base']['epoch_s']} s, best validation "
        f"NDCG@10 {out['base']['best_valid_ndcg@10']}. Last run {out['total_s'] / 60:.1f} min "
        f"wall time, pretraining included ({out.get('workers', '1 process')})"
        + (
            f" (points kept from earlier runs took {out['earlier_total_s'] / 60:.1f} min)"
            if out.get("earlier_total_s")
            else ""
        )
        + (
            f"; {out['resumed']['runs']} runs reused from the journal (interrupted earlier "
            f"calls: {out['resumed']['earlier_calls']}, {out['resumed']['wall_s'] / 60:.1f} min)"
            if out.get("resumed", {}).get("runs")
            else ""
        )
        + (
            f"; {out['kept_from_results']} per-seed runs kept from the previous results file"
            if out.get("kept_from_results")
            else ""
        )
        + f", peak RSS {out['peak_rss_mb']:.0f} MB.",
        "",
        "| strategy | Recall@10 [95% CI] | NDCG@10 [95% CI] | trainable / total params "
        "| adapter KB | s/epoch | epochs | training |",
        "|---|---|---|---|---|---|---|---|",
        f"| zero-shot | {z['recall@10']:.4f} | {z['ndcg@10']:.4f} | 0 / {z['total']:,} | – | – "
        "| 0 | – |",
    ]
    for strategy, points in out["curve"].items():
        largest = max(points, key=float)  # 100% when run
        p = points[largest]
        r, n = p["recall@10"], p["ndcg@10"]
        where = [] if largest == "1" else [f"{float(largest):.0%} of users"]
        where += _few_seeds(n)
        label = strategy + (f" ({', '.join(where)})" if where else "")
        lines.append(
            f"| {label} | {_interval(r)} | {_interval(n)} "
            f"| {p['trainable']:,} / {p['total']:,} | {p['adapter_bytes'] / 1024:.0f} "
            f"| {p['epoch_s']} | {', '.join(map(str, p['epochs_run']))} | {_training(p)} |"
        )
    for name, (rec, ndcg) in out["anchors_recall@10_ndcg@10"].items():
        lines.append(f"| anchor: {name} | {rec:.4f} | {ndcg:.4f} | – | – | – | – | – |")
    fractions = _fractions(out)
    lines += [
        "",
        "Learning curve: NDCG@10 mean [95% CI across seeds] by fraction of target training users.",
        "",
        "| strategy | " + " | ".join(f"{float(f):.0%}" for f in fractions) + " |",
        "|---|" + "---|" * len(fractions),
    ]
    for strategy, points in out["curve"].items():
        cells = []
        for f in fractions:
            n = points.get(f, {}).get("ndcg@10")
            cells.append(_interval(n) + "".join(f" ({few})" for few in _few_seeds(n)) if n else "–")
        lines.append(f"| {strategy} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "Training column: early-stopping patience (validations without gain); whether "
        "batches group users of similar history length (length buckets: they change the "
        "batches and stopped fine-tuning early); and into how many chunks of similar length "
        "each random batch is split (with the key-padding mask: same batches and gradient, "
        "less padding computed).",
    ]
    return "\n".join(lines) + "\n"


def _interval(summary: dict[str, Any]) -> str:
    """``mean [low, high]``, or the mean alone for one seed (no interval across seeds)."""
    if len(summary["runs"]) < 2:
        return f"{summary['mean']:.4f}"
    return f"{summary['mean']:.4f} [{summary['ci95'][0]:.4f}, {summary['ci95'][1]:.4f}]"


def _few_seeds(summary: dict[str, Any]) -> list[str]:
    """``["2 seeds"]`` for a point measured on fewer than the default :data:`SEEDS` (a curve
    a later call completes from the journal), else ``[]``."""
    n = len(summary["runs"])
    return [f"{n} seed{'s' * (n > 1)}"] if n < SEEDS else []


def _fractions(out: dict[str, Any]) -> list[str]:
    """The target-user fractions any strategy of ``out`` was measured at, ascending."""
    return sorted({f for points in out["curve"].values() for f in points}, key=float)


def _training(point: dict[str, Any]) -> str:
    """The training settings of one curve point, short."""
    t = point.get("train", EARLIER_TRAIN)
    chunks = t.get("length_chunks", 1)
    return (
        f"patience {t['patience']}"
        + (", length buckets" if t["length_buckets"] else "")
        + (f", {chunks} length chunks" if chunks > 1 else "")
    )


def plot(out: dict[str, Any], path: Path) -> None:
    """NDCG@10 against the fraction of target users, one line (with CI band) per strategy."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    for strategy, points in out["curve"].items():
        fs = sorted(points, key=float)
        x = [float(f) for f in fs]
        mean = [points[f]["ndcg@10"]["mean"] for f in fs]
        lo = [points[f]["ndcg@10"]["ci95"][0] for f in fs]
        hi = [points[f]["ndcg@10"]["ci95"][1] for f in fs]
        ax.plot(x, mean, marker="o", label=strategy)
        ax.fill_between(x, lo, hi, alpha=0.15)
    ax.axhline(out["zero_shot"]["ndcg@10"], color="grey", ls="--", label="zero-shot")
    ax.set_xscale("log")
    fractions = [float(f) for f in _fractions(out)]
    ax.set_xticks(fractions, [f"{f:.0%}" for f in fractions])
    ax.minorticks_off()
    ax.set_xlabel("fraction of target training users")
    ax.set_ylabel("test NDCG@10")
    ax.set_title(f"Transfer to {out['target']}")
    ax.legend(fontsize=8)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
