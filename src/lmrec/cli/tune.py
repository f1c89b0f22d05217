# SPDX-License-Identifier: MIT
"""``lmrec tune CONFIG``: hyperparameter search on the validation split."""

from __future__ import annotations

from pathlib import Path

import typer


def tune(
    config: Path = typer.Argument(..., help="Tuning YAML (dataset, split, model, space, trials)."),
    backend: str | None = typer.Option(None, "--backend", help="local (Optuna) or ray (Ray Tune)."),
    trials: int | None = typer.Option(None, "--trials", help="Override the number of trials."),
    output: Path | None = typer.Option(None, "--output", "-o", help="Override the output folder."),
) -> None:
    """Search the model's space on validation; test figures for the best and the defaults."""
    from lmrec.distributed._ray import ENABLE, ray_available
    from lmrec.distributed.tune import TuneConfig
    from lmrec.distributed.tune import tune as run
    from lmrec.errors import ConfigError

    cfg = TuneConfig.from_yaml(config)
    update = {
        k: v
        for k, v in {"backend": backend, "trials": trials, "output": output}.items()
        if v is not None
    }
    cfg = TuneConfig(**{**cfg.model_dump(), **update})
    if cfg.backend == "ray" and not ray_available():
        raise ConfigError(f"backend ray needs Ray: {ENABLE}; or run with --backend local")
    if cfg.backend == "local" and not ray_available():
        typer.echo(f"searching locally with Optuna (for Ray Tune: {ENABLE})", err=True)
    s = run(cfg)
    typer.echo(f"best {s['best_params']} after {s['trials']} trials ({s['search_s']} s)")
    for part in ("valid", "test"):
        typer.echo(
            f"{part} {s['metric']}: best {s[part]['best']:.4f}, defaults {s[part]['defaults']:.4f}"
        )
    typer.echo(f"report: {cfg.output / 'report.md'}")
