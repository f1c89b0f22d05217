# SPDX-License-Identifier: MIT
"""The result of one evaluation: per-user values, means with bootstrap CIs, curves, timings."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from lmrec.evaluate.stats import bootstrap_ci, paired_test


class EvalResult:
    """Metrics of one model on one test set.

    Attributes:
        name: model label. k: headline cut-off.
        users: dense indices of the evaluated users (aligned with ``per_user`` arrays).
        per_user: metric name (``"ndcg@10"``) → per-user values.
        summary: metric name → ``{"mean", "ci_low", "ci_high"}`` (95% percentile bootstrap).
        global_metrics: list-level figures (coverage, Gini) and rating errors.
        curves: ``{"k": [1..50], "ndcg": [...], "recall": [...]}`` means over users.
        meta: dataset, sizes, timings (``eval_s``, ``users_per_s``, ``fit_s``), config.
    """

    def __init__(
        self,
        *,
        name: str,
        k: int,
        users: np.ndarray,
        per_user: dict[str, np.ndarray],
        global_metrics: dict[str, float],
        curves: dict[str, list[Any]],
        meta: dict[str, Any],
        n_boot: int = 1000,
        seed: int = 0,
    ) -> None:
        self.name = name
        self.k = k
        self.users = np.asarray(users)
        self.per_user = per_user
        self.global_metrics = {key: float(v) for key, v in global_metrics.items()}
        self.curves = curves
        self.meta = meta
        self.summary: dict[str, dict[str, float]] = {}
        for key, values in per_user.items():
            mean, lo, hi = bootstrap_ci(values, n_boot=n_boot, seed=seed)
            self.summary[key] = {"mean": mean, "ci_low": lo, "ci_high": hi}

    def __getitem__(self, metric: str) -> float:
        if metric in self.summary:
            return self.summary[metric]["mean"]
        if metric in self.global_metrics:
            return self.global_metrics[metric]
        raise KeyError(f"no metric {metric!r}; have {', '.join(self.metric_names())}")

    def __repr__(self) -> str:
        head = ", ".join(f"{m}={self[m]:.4f}" for m in self.metric_names()[:4])
        return f"EvalResult({self.name!r}, users={len(self.users)}, {head})"

    def metric_names(self) -> list[str]:
        """Per-user metrics first, then global ones."""
        return [*self.summary, *self.global_metrics]

    def metrics(self) -> dict[str, float]:
        """Every headline figure: means of per-user metrics and the global metrics."""
        return {m: self[m] for m in self.metric_names()}

    def frame(self) -> pd.DataFrame:
        """Per-user values, one row per evaluated user."""
        df = pd.DataFrame(self.per_user)
        df.insert(0, "user", self.users)
        return df

    def compare(self, other: EvalResult, metric: str | None = None) -> dict[str, Any]:
        """Paired test of this result against ``other`` on their common users.

        ``diff`` is ``mean(self − other)``; see :func:`lmrec.evaluate.stats.paired_test`.
        """
        return compare(self, other, metric)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (no per-user arrays)."""
        return {
            "model": self.name,
            "k": self.k,
            "metrics": {
                m: {key: _round(v) for key, v in s.items()} for m, s in self.summary.items()
            },
            "global": {m: _round(v) for m, v in self.global_metrics.items()},
            "curves": {key: [_round(v) for v in vals] for key, vals in self.curves.items()},
            "meta": self.meta,
        }

    def save(self, path: Path | str, title: str | None = None) -> Path:
        """Write ``results.json``, ``report.md``, ``report.html`` and plots into ``path``."""
        from lmrec.evaluate.report import write_report

        return write_report([self], path, title=title or f"lmrec evaluation: {self.name}")


def compare(a: EvalResult, b: EvalResult, metric: str | None = None) -> dict[str, Any]:
    """Paired significance test of ``a`` vs ``b`` on ``metric`` (default NDCG@k)."""
    metric = metric or f"ndcg@{a.k}"
    if metric not in a.per_user or metric not in b.per_user:
        raise KeyError(f"metric {metric!r} is not a per-user metric of both results")
    common, ia, ib = np.intersect1d(a.users, b.users, return_indices=True)
    if len(common) == 0:
        raise ValueError(f"{a.name} and {b.name} share no evaluated users")
    out = paired_test(a.per_user[metric][ia], b.per_user[metric][ib])
    return {"metric": metric, "a": a.name, "b": b.name, **out}


def _round(v: float) -> float | None:
    if v is None or not np.isfinite(v):
        return None
    return round(float(v), 6)
