# SPDX-License-Identifier: MIT
"""``lmrec recommend``: top-K items from a saved model for a user, an ad-hoc history or a text
query."""

from __future__ import annotations

from pathlib import Path

import typer

from lmrec.cli._common import echo_table


def recommend(
    model: Path = typer.Option(..., "--model", "-m", help="Saved model folder."),
    user: str | None = typer.Option(None, "--user", "-u", help="External user id."),
    history: str | None = typer.Option(
        None, "--history", help="Comma-separated external item ids (a new user's history)."
    ),
    query: str | None = typer.Option(
        None, "--query", "-q", help="Free-text request or profile (models that read text)."
    ),
    k: int = typer.Option(10, "-k", min=1, help="Number of items."),
    data: str | None = typer.Option(
        None, "--data", help="Data set whose item text to show next to the ids (e.g. ml-1m)."
    ),
) -> None:
    """Print the top-K recommendations of a saved model."""
    import lmrec.models as models

    if sum(x is not None for x in (user, history, query)) != 1:
        raise typer.BadParameter("give exactly one of --user, --history or --query")
    m = models.load(model)
    if user is not None:
        batch = m.batch_from_ids([_as_id(user)])
    elif query is not None:
        if not m.reads_text():
            raise typer.BadParameter(f"model {m.name!r} does not read text; use --user/--history")
        batch = m.batch_from_texts([query])
    else:
        items = [_as_id(x.strip()) for x in (history or "").split(",") if x.strip()]
        batch = m.batch_from_histories([items])
    recs = m.recommend(batch, k=k).to_frame()
    text = None
    if data is not None:
        from lmrec.data import loaders

        ds = loaders.load(data)
        if ds.item_text is not None:
            text = dict(zip(ds.items.ids.tolist(), ds.item_text.tolist(), strict=True))
    rows = [
        {
            "rank": r.rank,
            "item": r.item_id,
            "score": f"{r.score:.4f}",
            **({"text": text.get(r.item_id, "")[:70]} if text else {}),
        }
        for r in recs.itertuples()
    ]
    echo_table(rows)


def _as_id(value: str) -> int | str:
    return int(value) if value.lstrip("-").isdigit() else value
