# SPDX-License-Identifier: MIT
"""Small helpers shared by the CLI verbs."""

from __future__ import annotations

from typing import Any

import typer


def echo_table(rows: list[dict[str, Any]], columns: list[str] | None = None) -> None:
    """Print rows as an aligned plain-text table."""
    if not rows:
        typer.echo("(nothing)")
        return
    cols = columns or list(rows[0])
    cells = [[str(r.get(c, "")) for c in cols] for r in rows]
    widths = [max(len(c), *(len(row[i]) for row in cells)) for i, c in enumerate(cols)]
    typer.echo("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)))
    for row in cells:
        typer.echo("  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)))


def print_results(results: list[Any], metrics: list[str] | None = None) -> None:
    """Print headline metrics of evaluation results."""
    rows = []
    for r in results:
        k = r.k
        wanted = metrics or [
            f"ndcg@{k}",
            f"recall@{k}",
            f"precision@{k}",
            f"map@{k}",
            f"coverage@{k}",
            "rmse",
        ]
        row: dict[str, Any] = {"model": r.name}
        for m in wanted:
            key = m if "@" in m or m in ("auc", "rmse", "mae") else f"{m}@{k}"
            if key in r.metric_names():
                row[key] = f"{r[key]:.4f}"
        row["fit_s"] = f"{r.meta.get('fit_s', float('nan')):.2f}"
        rows.append(row)
    cols = list(dict.fromkeys(c for row in rows for c in row))
    echo_table(rows, cols)
