"""The evaluation harness for tile puzzles: shuffle each image's tiles, solve them, measure the arrangement."""

from __future__ import annotations

import time
from pathlib import Path

import torch
from torch import Tensor

from jigsaw.errors import JigsawError
from jigsaw.files import (
    crop_to_multiple,
    jpeg_round_trip,
    read_image_folder,
    skimage_photographs,
    write_image,
    write_json,
)
from jigsaw.progress import SILENT, Progress
from jigsaw.runs import command_line
from jigsaw.tiles.grid import assemble, cut, parse_grid, shuffle_and_turn_tiles, turn_tiles
from jigsaw.tiles.metrics import direct_accuracy, neighbour_accuracy, turned_accuracies, without_duplicate_swaps
from jigsaw.tiles.solver import solve_tiles_with_confidence


def evaluate_tiles(
    images: dict[str, Tensor],
    seed: int,
    tile: int | None = None,
    grid: tuple[int, int] | None = None,
    progress: Progress = SILENT,
    jpeg_quality: int | None = None,
    seed_per_image: bool = False,
    picture_folder: Path | None = None,
    turns: bool = False,
) -> list[dict]:
    """Cut each image into square ``tile``-pixel tiles (centre-cropped to fit) or into a ``grid``, shuffle with
    ``seed`` (with ``seed_per_image``, the k-th image with ``seed + k``, as the literature shuffles each image
    afresh), solve, and measure direct and neighbour accuracy and the solving time. With ``jpeg_quality`` the
    puzzle is saved as a JPEG of that quality and read back before it is solved. ``arrangement`` lists the original
    tile each cell of the solution shows (row-major), pixel-identical tiles counted as interchangeable. With
    ``picture_folder``, each solution is also written there as ``<image>-solution.png`` with its misplaced tiles
    outlined (:func:`misplaced_outlined`). With ``turns`` every tile is also turned at random and solved with
    turns; the accuracies are then :func:`~jigsaw.tiles.metrics.turned_accuracies` (at the best whole turn) and
    ``upright`` says whether the solver's own whole turn was that one."""
    if (tile is None) == (grid is None):
        raise JigsawError("give either a tile size or a grid")
    results = []
    for k, (name, image) in enumerate(images.items()):
        progress.advance(name)
        if tile is not None:
            image = crop_to_multiple(image, tile, tile)
            rows, cols = image.shape[1] // tile, image.shape[2] // tile
        else:
            assert grid is not None
            rows, cols = grid
            image = crop_to_multiple(image, image.shape[1] // rows or 1, image.shape[2] // cols or 1)
        shuffled, perm, turned = shuffle_and_turn_tiles(image, rows, cols, seed + k if seed_per_image else seed, turns)
        if jpeg_quality is not None:
            shuffled = jpeg_round_trip(shuffled, jpeg_quality)
        start = time.perf_counter()
        placement, confidence = solve_tiles_with_confidence(
            cut(shuffled, rows, cols), rows, cols, lossy=jpeg_quality is not None, turns=turns
        )
        seconds = time.perf_counter() - start
        originals = cut(image, rows, cols)
        shown, extra = (placement // 4, placement % 4) if turns else (placement, torch.zeros_like(placement))
        arrangement, cell_turns = perm[shown], (turned[shown] + extra) % 4  # original tile in each cell, its turn
        if turns:
            direct, neighbour, whole = turned_accuracies(arrangement, cell_turns, rows, cols, originals)
        else:
            arrangement = without_duplicate_swaps(arrangement, originals)
            direct, neighbour, whole = direct_accuracy(arrangement), neighbour_accuracy(arrangement, rows, cols), 0
        if picture_folder is not None:
            picture_folder.mkdir(parents=True, exist_ok=True)
            picture = misplaced_outlined(image, arrangement, rows, cols, turns=cell_turns)
            write_image(picture, picture_path(picture_folder, name, list(images)), True)
        results.append(
            {
                "image": name,
                "grid": f"{rows}x{cols}",
                "tiles": rows * cols,
                "direct": direct,
                "neighbour": neighbour,
                "seconds": seconds,
                "confidence": confidence,
                "arrangement": arrangement.tolist(),
                **({"turns": cell_turns.tolist(), "upright": whole == 0} if turns else {}),
            }
        )
    return results


def tile_setting(
    tile: int | None, grid: str | None, default_tile: int = 28
) -> tuple[int | None, tuple[int, int] | None]:
    """``(tile, grid)`` for :func:`evaluate_tiles` from ``--tile`` / ``--grid`` (one at most; ``default_tile``
    pixels when neither is given)."""
    if tile is not None and grid is not None:
        raise JigsawError("give either --grid or --tile, not both")
    return (None, parse_grid(grid)) if grid else (tile or default_tile, None)


def read_images(folder: Path | None) -> dict[str, Tensor]:
    """Every image in ``folder``, or scikit-image's photographs when it is ``None``."""
    return read_image_folder(folder) if folder is not None else skimage_photographs()


def write_report(path: Path, seed: int, folder: Path | None, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json(
        path,
        {
            "mode": "tiles",
            "seed": seed,
            "images": str(folder or "scikit-image photographs"),
            "command": command_line(),
            "results": rows,
        },
    )


OUTLINE = (1.0, 0.0, 0.0)  # red
"""The colour that marks a misplaced tile in a solution picture."""


def picture_path(folder: Path, image_name: str, names: list[str] | None = None) -> Path:
    """Where :func:`evaluate_tiles` writes the solution picture of ``image_name``: ``<stem>-solution.png``, or
    ``<stem>-<suffix>-solution.png`` when another of the evaluated ``names`` has the same stem (``b.png`` and
    ``b.jpg``), so that no picture replaces another."""
    stem, suffix = Path(image_name).stem, Path(image_name).suffix.lstrip(".")
    shared = names is not None and sum(Path(name).stem == stem for name in names) > 1
    return folder / (f"{stem}-{suffix}-solution.png" if shared and suffix else f"{stem}-solution.png")


def misplaced_outlined(
    image: Tensor, arrangement: Tensor, rows: int, cols: int, width: int = 2, turns: Tensor | None = None
) -> Tensor:
    """The solution as a picture ``(3, H, W)``: cell ``k`` shows the original tile ``arrangement[k]`` of ``image``
    ``(C, H, W)`` (turned ``turns[k]`` quarter turns, when given), and every cell whose tile is not its own, or not
    upright, is outlined in red, ``width`` pixels inside its edge."""
    tiles = cut(image, rows, cols)
    shown = tiles[arrangement] if turns is None else turn_tiles(tiles[arrangement], turns)
    picture = assemble(shown, rows, cols).expand(3, -1, -1).clone()
    th, tw = tiles.shape[-2:]
    width = max(1, min(width, th // 4, tw // 4))
    colour = torch.tensor(OUTLINE).view(3, 1, 1)
    wrong = arrangement != torch.arange(len(arrangement))
    if turns is not None:
        wrong |= turns != 0
    for k in wrong.nonzero().flatten().tolist():
        cell = picture[:, (k // cols) * th : (k // cols + 1) * th, (k % cols) * tw : (k % cols + 1) * tw]
        for edge in (cell[:, :width], cell[:, -width:], cell[:, :, :width], cell[:, :, -width:]):
            edge.copy_(colour.expand_as(edge))
    return picture
