# SPDX-License-Identifier: MIT
"""Reports: ``results.json`` for machines; ``report.md``, ``report.html`` and PNGs for people."""

from __future__ import annotations

import base64
import html
import os
import platform
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lmrec._io import write_json
from lmrec.evaluate._result import EvalResult, compare

_PACKAGES = ("lmrec", "numpy", "scipy", "pandas", "implicit", "torch", "faiss-cpu")
HEADLINE = ("ndcg", "recall", "precision", "map", "mrr", "hit_rate")


def environment() -> dict[str, Any]:
    """Machine and package versions, recorded with every result."""
    versions = {}
    for pkg in _PACKAGES:
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            continue
    threads = {
        v: os.environ[v] for v in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS") if v in os.environ
    }
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "packages": versions,
        "threads": threads,
    }


def _fmt(v: float | None, digits: int = 4) -> str:
    return "–" if v is None or not np.isfinite(v) else f"{v:.{digits}f}"


def summary_table(results: Sequence[EvalResult]) -> pd.DataFrame:
    """One row per model: headline metrics with 95% CIs, beyond-accuracy, timings."""
    rows = []
    for r in results:
        k = r.k
        row: dict[str, str] = {"model": r.name}
        for m in HEADLINE:
            s = r.summary.get(f"{m}@{k}")
            if s:
                row[f"{m}@{k}"] = f"{_fmt(s['mean'])} [{_fmt(s['ci_low'])}, {_fmt(s['ci_high'])}]"
        for m in ("auc", f"novelty@{k}", f"ild@{k}"):
            if m in r.summary:
                row[m] = _fmt(r.summary[m]["mean"], 3)
        for m, v in r.global_metrics.items():
            row[m] = _fmt(v, 3 if m.startswith(("coverage", "gini")) else 4)
        if "fit_s" in r.meta:
            row["fit_s"] = _fmt(r.meta["fit_s"], 2)
        row["users/s"] = f"{r.meta.get('users_per_s', float('nan')):,.0f}"
        rows.append(row)
    return pd.DataFrame(rows).fillna("–")


def comparisons(results: Sequence[EvalResult], metric: str | None = None) -> list[dict[str, Any]]:
    """Paired tests of the best model (by NDCG@k) against every other model."""
    if len(results) < 2:
        return []
    metric = metric or f"ndcg@{results[0].k}"
    best = max(results, key=lambda r: r.summary.get(metric, {}).get("mean", -np.inf))
    return [compare(best, r, metric) for r in results if r is not best]


# -------------------------------------------------------------------------------- plots
def _plots(results: Sequence[EvalResult], out: Path) -> list[tuple[str, str]]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    made: list[tuple[str, str]] = []
    k = results[0].k
    for key, label in (("ndcg", "NDCG@K"), ("recall", "Recall@K")):
        fig, ax = plt.subplots(figsize=(6.4, 4.2))
        for r in results:
            ax.plot(r.curves["k"], r.curves[key], label=r.name, lw=1.6)
        ax.set(xlabel="K", ylabel=label, title=f"{label}, K = 1…50")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
        made.append(_save(fig, out / f"{key}_at_k.png", f"{label} for K = 1…50"))
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    names = [r.name for r in results]
    means = np.array([r.summary[f"ndcg@{k}"]["mean"] for r in results])
    lo = means - np.array([r.summary[f"ndcg@{k}"]["ci_low"] for r in results])
    hi = np.array([r.summary[f"ndcg@{k}"]["ci_high"] for r in results]) - means
    ax.bar(names, means, yerr=[lo, hi], capsize=4, color="#4c72b0")
    ax.set(ylabel=f"NDCG@{k}", title=f"NDCG@{k} with 95% bootstrap CI")
    ax.tick_params(axis="x", rotation=30)
    made.append(_save(fig, out / "ndcg_ci.png", f"NDCG@{k} with 95% confidence intervals"))
    fig, axes = plt.subplots(1, 2, figsize=(10, 4.2))
    for ax, (key, label) in zip(
        axes,
        ((f"coverage@{k}", "catalogue coverage"), (f"novelty@{k}", "novelty (bits)")),
        strict=True,
    ):
        for r, m in zip(results, means, strict=True):
            x = r[key] if key in r.metric_names() else np.nan
            ax.scatter(x, m, s=40)
            ax.annotate(r.name, (x, m), fontsize=8, xytext=(4, 4), textcoords="offset points")
        ax.set(xlabel=f"{label} @{k}", ylabel=f"NDCG@{k}")
        ax.grid(alpha=0.3)
    fig.suptitle("accuracy vs beyond-accuracy")
    made.append(_save(fig, out / "accuracy_vs_beyond.png", "accuracy vs coverage and novelty"))
    return made


def _save(fig: Any, path: Path, caption: str) -> tuple[str, str]:
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path.name, caption


# -------------------------------------------------------------------------------- writers
def write_report(
    results: Sequence[EvalResult],
    path: Path | str,
    title: str = "lmrec evaluation",
    context: dict[str, Any] | None = None,
) -> Path:
    """Write ``results.json``, ``per_user.csv``, ``report.md``, ``report.html`` and PNGs.

    Args:
        results: evaluated models (same test set and ``k``).
        path: output folder (created).
        title: report heading.
        context: experiment facts shown at the top (dataset, split, seed, …).

    Returns:
        The path of ``report.html``.
    """
    if not results:
        raise ValueError("write_report needs at least one result")
    out = Path(path)
    out.mkdir(parents=True, exist_ok=True)
    env = environment()
    tests = comparisons(results)
    write_json(
        out / "results.json",
        {
            "title": title,
            "context": context or {},
            "environment": env,
            "results": [r.to_dict() for r in results],
            "comparisons": tests,
        },
    )
    pd.concat([r.frame().assign(model=r.name) for r in results]).to_csv(
        out / "per_user.csv", index=False
    )
    table = summary_table(results)
    plots = _plots(results, out)
    (out / "report.md").write_text(_markdown(title, context, env, table, tests, plots, results))
    (out / "report.html").write_text(_html(title, context, env, table, tests, plots, out))
    return out / "report.html"


def _context_lines(context: dict[str, Any] | None, env: dict[str, Any]) -> list[str]:
    lines = [f"{k}: {v}" for k, v in (context or {}).items()]
    lines.append(
        f"machine: {env['platform']}, {env['cpus']} CPUs, Python {env['python']}; run {env['date']}"
    )
    return lines


def _test_rows(tests: list[dict[str, Any]]) -> list[list[str]]:
    return [
        [
            f"{t['a']} vs {t['b']}",
            t["metric"],
            f"{t['diff']:+.4f} [{t['ci_low']:+.4f}, {t['ci_high']:+.4f}]",
            f"{t['p_value_t']:.2g}",
            f"{t['p_value_wilcoxon']:.2g}",
            "yes" if t["significant"] else "no",
        ]
        for t in tests
    ]


_TEST_HEAD = ["pair", "metric", "difference [95% CI]", "p (t)", "p (Wilcoxon)", "significant"]


def _markdown(
    title: str,
    context: dict[str, Any] | None,
    env: dict[str, Any],
    table: pd.DataFrame,
    tests: list[dict[str, Any]],
    plots: list[tuple[str, str]],
    results: Sequence[EvalResult],
) -> str:
    lines = [f"# {title}", ""]
    lines += [f"- {x}" for x in _context_lines(context, env)]
    r0 = results[0]
    lines += [
        f"- {r0.meta.get('n_users', '?')} test users, full ranking over "
        f"{r0.meta.get('n_candidates', '?')} items, training items excluded; "
        "95% CIs: percentile bootstrap over users",
        "",
        "## Metrics",
        "",
        _md_table(list(table.columns), table.astype(str).values.tolist()),
        "",
    ]
    if tests:
        lines += ["## Paired tests (best model vs others)", ""]
        lines += [_md_table(_TEST_HEAD, _test_rows(tests)), ""]
    lines += ["## Plots", ""]
    lines += [f"![{cap}]({name})\n" for name, cap in plots]
    return "\n".join(lines) + "\n"


def _md_table(head: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    out += ["| " + " | ".join(map(str, r)) + " |" for r in rows]
    return "\n".join(out)


def _html_table(head: list[str], rows: list[list[str]]) -> str:
    th = "".join(f"<th>{html.escape(h)}</th>" for h in head)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in r) + "</tr>" for r in rows
    )
    return f"<table><thead><tr>{th}</tr></thead><tbody>{body}</tbody></table>"


def _html(
    title: str,
    context: dict[str, Any] | None,
    env: dict[str, Any],
    table: pd.DataFrame,
    tests: list[dict[str, Any]],
    plots: list[tuple[str, str]],
    out: Path,
) -> str:
    ctx = "".join(f"<li>{html.escape(x)}</li>" for x in _context_lines(context, env))
    parts = [
        f"<h1>{html.escape(title)}</h1><ul>{ctx}</ul>",
        "<h2>Metrics</h2>",
        _html_table(list(table.columns), table.astype(str).values.tolist()),
    ]
    if tests:
        parts += [
            "<h2>Paired tests (best model vs others)</h2>",
            _html_table(_TEST_HEAD, _test_rows(tests)),
        ]
    parts.append("<h2>Plots</h2>")
    for name, cap in plots:
        data = base64.b64encode((out / name).read_bytes()).decode()
        parts.append(
            f'<figure><img alt="{html.escape(cap)}" src="data:image/png;base64,{data}">'
            f"<figcaption>{html.escape(cap)}</figcaption></figure>"
        )
    style = (
        "body{font-family:system-ui,sans-serif;margin:2em;max-width:1200px}"
        "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;"
        "padding:4px 8px;text-align:right}td:first-child,th:first-child{text-align:left}"
        "figure{display:inline-block;margin:1em}img{max-width:560px}"
    )
    return (
        f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        f"<style>{style}</style></head><body>{''.join(parts)}</body></html>\n"
    )
