# SPDX-License-Identifier: MIT
"""``lmrec finetune``: continue training a saved LM ranker on new events only."""

from __future__ import annotations

from pathlib import Path

import typer


def finetune(
    checkpoint: Path = typer.Option(..., "--from", help="Saved lm_ranker folder to start from."),
    data: str = typer.Option(
        ..., "--data", help="Data set name (e.g. ml-100k): the whole event log."
    ),
    since: int = typer.Option(..., "--since", help="Train on events with timestamp ≥ this."),
    registry: Path = typer.Option(..., "--registry", help="Model registry root to publish to."),
    name: str = typer.Option("lm_ranker", "--name", help="Model name in the registry."),
) -> None:
    """Fine-tune CHECKPOINT on the events since a timestamp and publish a new version."""
    import lmrec
    from lmrec.errors import ModelError
    from lmrec.models.ranker import LMRanker
    from lmrec.serve.registry import ModelRegistry

    model = lmrec.models.load(checkpoint)
    if not isinstance(model, LMRanker):
        raise ModelError(f"{checkpoint}: holds a {model.name!r} model; finetune needs lm_ranker")
    ds = lmrec.datasets.load(data)
    model.finetune(ds, since)
    version = ModelRegistry(registry).publish(model, name)
    best = min((h["valid"] for h in model.history_), default=float("nan"))
    typer.echo(
        f"{name} {version}: {model.finetuned_pairs_} new pairs, best validation "
        f"{'RMSE' if model.rates() else 'log loss'} {best:.4f} → {registry / name / version}"
    )
