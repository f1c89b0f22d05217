# SPDX-License-Identifier: MIT
"""``lmrec evaluate CONFIG``: fit (or reuse) the models, evaluate them, write the report."""

from __future__ import annotations

from pathlib import Path

import typer

from lmrec.cli._common import print_results


def evaluate(
    config: Path = typer.Argument(..., help="Experiment YAML (dataset, split, models, k, seed)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Override the output folder."),
) -> None:
    """Evaluate every model of the experiment; writes results.json, report.md, report.html."""
    from lmrec.experiment import ExperimentConfig, run

    cfg = ExperimentConfig.from_yaml(config)
    if output is not None:
        cfg.output = output
    out = run(cfg)
    print_results(out["results"], cfg.metrics)
    typer.echo(f"report: {out['report']}")
