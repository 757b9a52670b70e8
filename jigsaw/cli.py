"""The ``jigsaw`` command: parse options, call the library, report with Rich. No logic of its own."""

from __future__ import annotations

import functools
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from jigsaw import data, tiles
from jigsaw.errors import JigsawError
from jigsaw.permute import shuffle_pixels

app = typer.Typer(
    name="jigsaw",
    help="Learn and solve permutations with PyTorch: shuffle images, train solvers, solve puzzles.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
console = Console(highlight=False)
err_console = Console(stderr=True, soft_wrap=True, highlight=False)


@app.callback()
def _root() -> None:
    """Learn and solve permutations with PyTorch: shuffle images, train solvers, solve puzzles."""


def command(group: typer.Typer, *args, **kwargs):
    """Register a command whose :class:`JigsawError` becomes one line on stderr and exit code 2."""

    def decorator(function):
        @functools.wraps(function)
        def wrapper(*a, **k):
            try:
                return function(*a, **k)
            except JigsawError as error:
                err_console.print(f"error: {error}", markup=False)
                raise typer.Exit(code=2) from None

        return group.command(*args, **kwargs)(wrapper)

    return decorator


class ShuffleMode(str, Enum):
    pixels = "pixels"
    tiles = "tiles"


def _tile_grid(height: int, width: int, grid: Optional[str], tile: Optional[int]) -> tuple[int, int]:
    if grid is not None and tile is not None:
        raise JigsawError("give either --grid or --tile, not both")
    if tile is not None:
        return tiles.grid_for_tile_size(height, width, tile)
    rows, cols = tiles.parse_grid(grid or "4x4")
    tiles.check_grid(height, width, rows, cols)
    return rows, cols


@command(app)
def shuffle(
    image: Annotated[Path, typer.Argument(help="Image file to shuffle (PNG, JPEG, ...; grayscale or RGB).")],
    out: Annotated[Path, typer.Argument(help="Where to write the shuffled image (PNG keeps every pixel exact).")],
    mode: Annotated[ShuffleMode, typer.Option(help="Shuffle every pixel, or square tiles of a grid.")] = ShuffleMode.pixels,
    grid: Annotated[Optional[str], typer.Option(help="Tiles mode: ROWSxCOLS grid (4x4 when neither --grid nor --tile is given).")] = None,
    tile: Annotated[Optional[int], typer.Option(help="Tiles mode: tile side in pixels (instead of --grid).")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the random permutation.")] = 0,
    force: Annotated[bool, typer.Option("--force", help="Overwrite OUT if it exists.")] = False,
) -> None:
    """Shuffle the pixels or the tiles of an image file. The output stores no solution, only the tile grid."""
    data.check_image_output(out, force)
    if mode is ShuffleMode.pixels and (grid is not None or tile is not None):
        raise JigsawError("--grid and --tile only apply to --mode tiles")
    picture = data.read_image(image)
    if mode is ShuffleMode.pixels:
        shuffled = shuffle_pixels(picture.unsqueeze(0), seed)[0][0]
        metadata = {"jigsaw-mode": "pixels"}
        what = f"{picture.shape[1] * picture.shape[2]} pixels"
    else:
        rows, cols = _tile_grid(picture.shape[1], picture.shape[2], grid, tile)
        shuffled, _ = tiles.shuffle_tiles(picture, rows, cols, seed)
        metadata = {"jigsaw-mode": "tiles", "jigsaw-grid": f"{rows}x{cols}"}
        what = f"{rows}x{cols} tiles"
    data.write_image(shuffled, out, force=force, metadata=metadata)
    console.print(f"shuffled {what} of {image} (seed {seed}) -> {out}", markup=False)


def main() -> None:  # pragma: no cover - console-script entry point
    app()
