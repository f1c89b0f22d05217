# SPDX-License-Identifier: MIT
"""``lmrec quickstart``: the main demo on MovieLens-100k, ending in a report."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import typer

from lmrec.cli._common import print_results


def quickstart(
    output: Path = typer.Option(
        Path("reports/quickstart"), "--output", "-o", help="Where the report goes."
    ),
) -> None:
    """Load ml-100k, split per user by time, train every baseline, evaluate, write a report."""
    import time

    from lmrec.experiment import ExperimentConfig, run

    text = resources.files("lmrec").joinpath("configs/quickstart.yaml").read_text()
    import yaml

    cfg = ExperimentConfig.parse(yaml.safe_load(text), source="quickstart.yaml")
    cfg.output = output
    t0 = time.perf_counter()
    typer.echo(
        f"lmrec quickstart: {cfg.dataset.name}, split {cfg.split.method}, {len(cfg.models)} models"
    )
    out = run(cfg)
    print_results(out["results"], cfg.metrics)
    typer.echo(f"done in {time.perf_counter() - t0:.1f}s")
    typer.echo(f"report: {Path(out['report']).resolve()}")
    typer.echo(f"also:   {output.resolve() / 'report.md'} and results.json")
