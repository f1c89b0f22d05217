# SPDX-License-Identifier: MIT
"""``lmrec data``: list the data sets and describe one."""

from __future__ import annotations

import json

import typer

from lmrec.cli._common import echo_table

app = typer.Typer(help="Inspect data sets.", no_args_is_help=True)


@app.command("list")
def list_() -> None:
    """List the built-in data sets and whether their files are present."""
    from lmrec.data import loaders

    home = loaders.data_home()
    rows = [
        {"name": n, "present": (home / n).is_dir(), "folder": str(home / n)}
        for n in loaders.available()
    ]
    echo_table(rows)


@app.command()
def info(
    name: str = typer.Argument(..., help="Data set name, e.g. ml-1m."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Load a data set and print its size, density, value and time ranges, text and features."""
    from lmrec.data import loaders

    summary = loaders.load(name).describe()
    if as_json:
        typer.echo(json.dumps(summary, indent=2))
        return
    for key, value in summary.items():
        typer.echo(f"{key:>24}: {value}")
