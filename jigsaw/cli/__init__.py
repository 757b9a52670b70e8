"""The ``jigsaw`` command: parse options, call the library, report with Rich. No logic of its own.

One module per command group registers its commands on the apps of :mod:`jigsaw.cli.common`.
"""

from __future__ import annotations

import sys
from importlib import import_module
from typing import Annotated

import typer

from jigsaw.cli.common import app, err_console, say

__all__ = ["app", "main"]

for _group in ("shuffle_solve", "evaluate", "train", "plot"):  # each registers its commands; this is --help's order
    import_module(f"jigsaw.cli.{_group}")


def _print_version(value: bool) -> None:
    if value:
        from jigsaw import __version__

        say(f"jigsaw {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", metavar="", callback=_print_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Learn and solve permutations with PyTorch: shuffle images, train solvers, solve puzzles."""


def main() -> None:
    """Console-script entry point: usage errors (unknown option, bad value) become one line too."""
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        code = 1
    except Exception as error:  # Click's (or Typer's vendored Click's) usage errors carry a message and an exit code
        if not (hasattr(error, "format_message") and hasattr(error, "exit_code")):
            raise
        message = error.format_message()
        if message:  # empty when the help text was shown instead (a group called without a command)
            err_console.print(f"error: {message}", markup=False)
        code = 2
    sys.exit(code if isinstance(code, int) else 0)
