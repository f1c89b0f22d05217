# SPDX-License-Identifier: MIT
"""``lmrec train CONFIG``: fit every model of an experiment and save the artifacts."""

from __future__ import annotations

from pathlib import Path

import typer

from lmrec.cli._common import echo_table


def train(
    config: Path = typer.Argument(..., help="Experiment YAML (dataset, split, models, k, seed)."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Override the output folder."),
) -> None:
    """Fit the experiment's models on its training split; artifacts go to OUTPUT/models/."""
    from lmrec.experiment import ExperimentConfig, run

    cfg = ExperimentConfig.from_yaml(config)
    if output is not None:
        cfg.output = output
    out = run(cfg, evaluate=False)
    echo_table(
        [
            {"model": k, "fit_s": f"{out['fit_s'][k]:.2f}", "artifact": str(v)}
            for k, v in out["models"].items()
        ]
    )
