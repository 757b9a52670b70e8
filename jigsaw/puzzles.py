"""Puzzle files: an image shuffled by pixels or by tiles, written as an ordinary image with the facts a solver may
use (its mode and tile grid as PNG text metadata, never the solution), and read back for solving."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from torch import Tensor

from jigsaw.errors import JigsawError
from jigsaw.files import centre_crop, image_size, read_image, read_metadata, write_image
from jigsaw.permute import shuffle_pixels
from jigsaw.tiles.grid import parse_grid, resolve_grid, shuffle_and_turn_tiles
from jigsaw.tiles.infer import infer_grid

MODES = ("pixels", "tiles")


LOSSLESS = (".png", ".bmp", ".tif", ".tiff")
TURNED = "jigsaw-rotations"
"""PNG metadata key: ``yes`` when the puzzle's tiles were turned as well as shuffled (never by how much)."""


def shuffle_file(
    image: Path,
    out: Path,
    mode: str,
    grid: str | None,
    tile: int | None,
    crop: bool,
    seed: int,
    force: bool,
    turn: bool = False,
) -> tuple[str, list[str]]:
    """Shuffle the pixels or the tiles of the image file ``image`` into ``out`` (with ``turn``, every tile also
    turned by a random quarter turn); returns what was shuffled, in words, and warnings for the user (a lossy format
    records no grid and blurs the seams)."""
    if mode == "pixels" and (grid is not None or tile is not None or crop or turn):
        raise JigsawError("--grid, --tile, --crop and --rotate only apply to --mode tiles")
    picture = read_image(image)
    warnings = []
    if is_lossy(out):
        warnings.append(
            f"{out.suffix} is lossy: the puzzle's mode and grid are not recorded, and compression blurs the seams "
            "a solver reads; PNG keeps every pixel"
        )
    if mode == "pixels":
        shuffled = shuffle_pixels(picture.unsqueeze(0), seed)[0][0]
        metadata = {"jigsaw-mode": "pixels"}
        what = f"{picture.shape[1] * picture.shape[2]} pixels"
    else:
        picture = _fit_grid(picture, grid, tile, crop)
        rows, cols = resolve_grid(picture.shape[1], picture.shape[2], grid, tile)
        shuffled, _, _ = shuffle_and_turn_tiles(picture, rows, cols, seed, turn)
        metadata = {"jigsaw-mode": "tiles", "jigsaw-grid": f"{rows}x{cols}", **({TURNED: "yes"} if turn else {})}
        what = f"{rows}x{cols} tiles{', each turned at random,' if turn else ''}"
    write_image(shuffled, out, force=force, metadata=metadata if out.suffix.lower() == ".png" else None)
    return what, warnings


def _fit_grid(picture: Tensor, grid: str | None, tile: int | None, crop: bool) -> Tensor:
    """With ``crop``, the picture centre-cropped to the largest size that the grid (or tile size) divides; without
    it, a picture they do not divide is refused with a sentence that says what ``--crop`` would keep."""
    _, height, width = picture.shape
    if grid is not None and tile is not None:
        return picture  # resolve_grid refuses the pair
    if tile is not None:
        target = (height // tile * tile, width // tile * tile) if tile > 0 else (height, width)
        what = f"tile size {tile}"
    else:
        rows, cols = parse_grid(grid or "4x4")
        target = (rows * (height // rows), cols * (width // cols))
        what = f"a {rows}x{cols} grid"
    if target == (height, width) or 0 in target:
        return picture  # it fits, or resolve_grid says why it never can (a tile larger than the image, ...)
    if crop:
        return centre_crop(picture, *target)
    raise JigsawError(
        f"{what} does not divide the {width}x{height} image (width x height) into equal tiles; add --crop to "
        f"centre-crop it to {target[1]}x{target[0]}"
    )


def puzzle_mode(puzzle: Path, grid: str | None, tile: int | None, pixel_options: bool = False) -> str:
    """How to solve a puzzle file when ``--mode`` is not given: the mode its metadata records, else tiles when a
    grid or tile size is given, pixels when options of the pixel solvers are, else tiles unless the picture is a
    28x28 digit."""
    recorded = read_metadata(puzzle).get("jigsaw-mode")
    if recorded in MODES:
        return recorded
    if grid is not None or tile is not None:
        return "tiles"
    if pixel_options:
        return "pixels"
    return "pixels" if image_size(puzzle) in ((28, 28), None) else "tiles"


@dataclass
class TilePuzzle:
    image: Tensor  # (C, H, W)
    rows: int
    cols: int
    lossy: bool  # read from a lossy format (JPEG): its seams carry compression error
    note: str | None  # how the grid was found, for the user, when the file did not say
    turned: bool = False  # the file records that its tiles were turned


def is_lossy(path: Path) -> bool:
    """Whether an image file's format loses pixels (JPEG), by its suffix."""
    return path.suffix.lower() not in LOSSLESS


def read_tile_puzzle(puzzle: Path, grid: str | None, tile: int | None) -> TilePuzzle:
    """A tile puzzle file. The grid comes from ``grid`` or ``tile``, else from the file's metadata, else from the
    seams in the picture (:func:`jigsaw.tiles.infer.infer_grid`), and then the ``note`` says what was found."""
    image = read_image(puzzle)
    metadata = read_metadata(puzzle)
    turned = metadata.get(TURNED) == "yes"
    if grid is None and tile is None:
        grid = metadata.get("jigsaw-grid")
        if grid is None:
            found = infer_grid(image)
            note = (
                f"{puzzle} records no grid: found {found.tile_width}x{found.tile_height}-pixel tiles in its seams, "
                f"a {found.rows}x{found.cols} grid (pass --grid or --tile to say otherwise)"
            )
            return TilePuzzle(image, found.rows, found.cols, is_lossy(puzzle), note, turned)
    rows, cols = resolve_grid(image.shape[1], image.shape[2], grid, tile)
    return TilePuzzle(image, rows, cols, is_lossy(puzzle), None, turned)
