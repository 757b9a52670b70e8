"""What every command shares: the Typer apps, the consoles, option aliases, the error wrapper and the progress bar.

Command modules import the library inside their bodies, so that ``jigsaw --help`` starts without loading torch.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from jigsaw.errors import JigsawError

app = typer.Typer(
    name="jigsaw",
    help="Learn and solve permutations with PyTorch: shuffle images, train solvers, solve puzzles.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
train_app = typer.Typer(help="Train networks: classifiers, index-optimised nets, sortGAN.", no_args_is_help=True)
app.add_typer(train_app, name="train")
plot_app = typer.Typer(help="Figures from checkpoints.", no_args_is_help=True)
app.add_typer(plot_app, name="plot")

C = TypeVar("C")
MAX_SEED = 2**32 - 1
"""The largest seed (:data:`jigsaw.runs.MAX_SEED`, repeated here so that ``--help`` starts without torch)."""
console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, soft_wrap=True, highlight=False)


def say(message: str) -> None:
    """One plain line on stdout (no Rich markup)."""
    console.print(message, markup=False)


@contextmanager
def processes_on(device: str) -> Iterator[tuple[Any, Any]]:
    """``(torch device, Processes)`` for a command that trains or runs networks: ``--device`` resolved and, under
    torchrun, the process group joined for the command's duration."""
    from jigsaw import devices

    placement = devices.start(device)
    try:
        yield placement
    except BaseException:
        devices.stop(finished=False)
        raise
    devices.stop()


def config_from_options(cls: type[C], options: dict[str, Any]) -> C:
    """The dataclass ``cls`` from a command's options of the same names (``locals()`` at the top of its body);
    choices are passed by their value."""
    import dataclasses

    names = {field.name for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    return cls(**{k: v.value if isinstance(v, Enum) else v for k, v in options.items() if k in names})


def given_options(context: typer.Context, options: dict[str, Any]) -> dict[str, Any]:
    """The options among ``options`` (``locals()`` at the top of a command's body) that the user typed on the
    command line, choices by their value."""
    typed = lambda name: getattr(context.get_parameter_source(name), "name", None) == "COMMANDLINE"
    return {name: v.value if isinstance(v, Enum) else v for name, v in options.items() if typed(name)}


def print_table(title: str, rows: list[dict], columns: dict[str, tuple[str, str]]) -> None:
    """``rows`` as a Rich table: ``columns`` maps each heading to the row key and format spec of its cells (the
    first column left-aligned, a missing or ``None`` value shown as a dash)."""
    table = Table(title=title)
    for heading in columns:
        table.add_column(heading, justify="left" if heading == next(iter(columns)) else "right")
    for row in rows:
        table.add_row(*("—" if row.get(key) is None else format(row[key], spec) for key, spec in columns.values()))
    console.print(table)


def note(message: str) -> None:
    """One line on stderr about what the command found or chose for the user."""
    err_console.print(f"note: {message}", markup=False)


def warn(message: str) -> None:
    """One line on stderr that does not stop the command."""
    err_console.print(f"warning: {message}", markup=False)


class Dataset(str, Enum):
    mnist = "mnist"
    fashion_mnist = "fashion-mnist"


class Mode(str, Enum):
    pixels = "pixels"
    tiles = "tiles"


DataDirOption = Annotated[
    Optional[Path], typer.Option(help="Dataset root in torchvision's layout (default: env JIGSAW_DATA, else ./data).")
]
ForceOption = Annotated[bool, typer.Option("--force", metavar="", help="Overwrite existing outputs.")]
LimitOption = Annotated[Optional[int], typer.Option(min=1, help="Only the first N training images.")]
DeviceOption = Annotated[
    str,
    typer.Option(
        help="Where the networks run: auto (CUDA when available, else CPU), cpu, cuda or cuda:N. Under torchrun each "
        "process takes the GPU of its local rank."
    ),
]
ResumeOption = Annotated[
    bool, typer.Option("--resume", metavar="", help="Continue the run in OUT (its settings are kept).")
]


def examples(*lines: str) -> str:
    """A command's usage examples, shown at the end of its ``--help``."""
    return "Examples:\n\n" + "\n\n".join(f"  {line}" for line in lines)


def command(group: typer.Typer, *args: Any, **kwargs: Any) -> Callable[[Callable[..., Any]], Any]:
    """Register a command whose :class:`JigsawError` becomes one line on stderr and exit code 2."""

    def decorator(function: Callable[..., Any]) -> Any:
        @functools.wraps(function)
        def wrapper(*a: Any, **k: Any) -> Any:
            try:
                return function(*a, **k)
            except JigsawError as error:
                err_console.print(f"error: {error}", markup=False)
                raise typer.Exit(code=2) from None

        return group.command(*args, **kwargs)(wrapper)

    return decorator


class Bar:
    """A Rich progress bar on stderr as the library's :class:`jigsaw.progress.Progress`; ``describe`` turns an
    epoch's record into the line printed above the bar.

    The bar appears with the first unit of work (or :meth:`start`), so that input the library refuses before it
    starts working gives one line on stderr and no bar."""

    def __init__(
        self,
        description: str,
        total: int | None,
        describe: Callable[[dict], str] | None = None,
        visible: bool = True,
    ):
        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=err_console,
        )
        self.task = self.progress.add_task(description, total=total)
        self.describe = describe
        self.visible = visible  # under torchrun only the main process draws
        self.started = False

    def __enter__(self) -> Bar:
        return self

    def __exit__(self, *exc: Any) -> None:
        if self.started:
            self.progress.stop()

    def start(self, total: int | None = None, label: str | None = None) -> None:
        if total is not None:
            self.progress.update(self.task, total=total)
        if label is not None:
            self.progress.update(self.task, description=label)
        if not self.started and self.visible:
            self.progress.start()
            self.started = True

    def advance(self, label: str | None = None) -> None:
        self.start()
        if label is None:
            self.progress.advance(self.task)
        else:
            self.progress.update(self.task, advance=1, description=label)

    def epoch(self, record: dict) -> None:
        self.start()
        if self.describe is not None and self.visible:
            self.progress.console.print(self.describe(record), markup=False)
