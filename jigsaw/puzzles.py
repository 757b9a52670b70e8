"""Puzzle files: an image shuffled by pixels or by tiles, written as an ordinary image with the facts a solver may
use (its mode and tile grid as PNG text metadata, never the solution), and read back for solving."""

from __future__ import annotations

from pathlib import Path

from torch import Tensor

from jigsaw.errors import JigsawError
from jigsaw.files import crop_to_multiple, read_image, read_metadata, write_image
from jigsaw.permute import shuffle_pixels
from jigsaw.tiles.grid import resolve_grid, shuffle_tiles

MODES = ("pixels", "tiles")


def shuffle_file(
    image: Path, out: Path, mode: str, grid: str | None, tile: int | None, crop: bool, seed: int, force: bool
) -> str:
    """Shuffle the pixels or the tiles of the image file ``image`` into ``out``; returns what was shuffled, in words."""
    if mode == "pixels" and (grid is not None or tile is not None or crop):
        raise JigsawError("--grid, --tile and --crop only apply to --mode tiles")
    if crop and tile is None:
        raise JigsawError("--crop needs --tile")
    picture = read_image(image)
    if crop:
        assert tile is not None
        picture = crop_to_multiple(picture, tile, tile)
    if mode == "pixels":
        shuffled = shuffle_pixels(picture.unsqueeze(0), seed)[0][0]
        metadata = {"jigsaw-mode": "pixels"}
        what = f"{picture.shape[1] * picture.shape[2]} pixels"
    else:
        rows, cols = resolve_grid(picture.shape[1], picture.shape[2], grid, tile)
        shuffled, _ = shuffle_tiles(picture, rows, cols, seed)
        metadata = {"jigsaw-mode": "tiles", "jigsaw-grid": f"{rows}x{cols}"}
        what = f"{rows}x{cols} tiles"
    write_image(shuffled, out, force=force, metadata=metadata)
    return what


def read_tile_puzzle(puzzle: Path, grid: str | None, tile: int | None) -> tuple[Tensor, int, int]:
    """``(image (C, H, W), rows, cols)`` of a tile puzzle file; the grid from ``grid`` or ``tile``, else from the
    file's metadata."""
    image = read_image(puzzle)
    if grid is None and tile is None:
        grid = read_metadata(puzzle).get("jigsaw-grid")
        if grid is None:
            raise JigsawError(f"{puzzle} does not record its grid; pass --grid ROWSxCOLS or --tile N")
    rows, cols = resolve_grid(image.shape[1], image.shape[2], grid, tile)
    return image, rows, cols
