# SPDX-License-Identifier: MIT
"""The ``lmrec`` command line. Each verb lives in its own module; heavy imports happen inside
the commands so ``lmrec --help`` stays fast.

Exit codes: 0 success, 2 usage error, 3 runtime error (bad data, config or artifact).
"""

from __future__ import annotations

import logging
import sys

import typer

from lmrec.cli import data, evaluate, finetune, quickstart, recommend, serve, train, tune

app = typer.Typer(
    name="lmrec",
    help="Language-model-driven recommendation: data, models, evaluation, reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(data.app, name="data")
app.command("train")(train.train)
app.command("evaluate")(evaluate.evaluate)
app.command("recommend")(recommend.recommend)
app.command("quickstart")(quickstart.quickstart)
app.command("serve")(serve.serve)
app.command("finetune")(finetune.finetune)
app.command("tune")(tune.tune)


@app.callback()
def _main(
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Log progress details."),
) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def main() -> None:
    """Entry point: run the app; lmrec errors print one line and exit with code 3."""
    from lmrec.errors import LmrecError

    try:
        app()
    except LmrecError as e:
        print(f"error: {e}", file=sys.stderr)
        sys.exit(3)
    except FileNotFoundError as e:
        print(f"error: {e.filename or e}: file not found", file=sys.stderr)
        sys.exit(3)
