"""How close a tile arrangement is to the original: direct and neighbour accuracy, and the answer's PSNR.

An arrangement ``(rows * cols,)`` names, for each cell in row-major order, the original tile in it.
"""

from __future__ import annotations

import torch
from torch import Tensor

from jigsaw.pixels.metrics import psnr
from jigsaw.tiles.grid import turn_tiles


def without_duplicate_swaps(arrangement: Tensor, tiles: Tensor) -> Tensor:
    """The same picture with pixel-identical tiles relabelled so that each sits in its own cell where it can.

    Two identical tiles (a flat black patch, say) can trade places without changing a pixel of the solution; no
    solver can tell them apart, so the accuracies should not depend on which of them went where. ``tiles`` are the
    original tiles ``(N, C, h, w)`` in row-major order. Within each group of identical tiles, every cell showing a
    tile of its own group gets exactly its own tile; the group's other tiles fill its other cells.
    """
    _, group, counts = torch.unique(tiles.flatten(1), dim=0, return_inverse=True, return_counts=True)
    cells = torch.arange(len(arrangement))
    content_right = group[arrangement] == group[cells]
    relabelled = arrangement.clone()
    for g in (counts > 1).nonzero().flatten().tolist():
        home = cells[content_right & (group == g)]  # cells that show a copy of their own tile
        stray = cells[~content_right & (group[arrangement] == g)]  # cells showing a copy elsewhere
        members = cells[group == g]
        relabelled[home] = home
        relabelled[stray] = members[~torch.isin(members, home)]
    return relabelled


def direct_accuracy(arrangement: Tensor) -> float:
    """Fraction of tiles in their exact original cell."""
    return float((arrangement == torch.arange(len(arrangement))).float().mean())


def nearly_direct_accuracy(arrangement: Tensor, tiles: Tensor, levels: float) -> float:
    """Fraction of cells whose tile is, pixel for pixel, within ``levels`` grey levels (of 255) of the cell's own
    original tile: :func:`direct_accuracy` with nearly identical tiles (a near-white sky, say) counted as
    interchangeable, as :func:`without_duplicate_swaps` counts identical ones. ``tiles`` ``(N, C, h, w)`` in [0, 1],
    row-major. Not how the solver is scored; it shows how much of what is scored wrong no eye could see."""
    difference = (tiles[arrangement] - tiles).abs().flatten(1).amax(1) * 255
    return float((difference <= levels + 1e-3).float().mean())


def neighbour_accuracy(arrangement: Tensor, rows: int, cols: int) -> float:
    """Fraction of the original image's adjacent pairs (left-right and top-bottom) that are adjacent, in the same
    order, in the arrangement: every tile is judged on each of its sides that has a neighbour."""
    right, down = neighbours_kept(arrangement, rows, cols)
    total = right.numel() + down.numel()
    return float(right.sum() + down.sum()) / total if total else 1.0


def neighbours_kept(arrangement: Tensor, rows: int, cols: int) -> tuple[Tensor, Tensor]:
    """Which of the original image's adjacent pairs the arrangement keeps, by where the pair is in the original:
    ``right`` ``(rows, cols - 1)`` bool, tile ``(r, c)``'s right neighbour still right of it; ``down``
    ``(rows - 1, cols)``, its lower neighbour still below it."""
    position = torch.empty_like(arrangement)
    position[arrangement] = torch.arange(len(arrangement))
    row, col = (position // cols).view(rows, cols), (position % cols).view(rows, cols)
    right = (row[:, 1:] == row[:, :-1]) & (col[:, 1:] == col[:, :-1] + 1)
    down = (col[1:] == col[:-1]) & (row[1:] == row[:-1] + 1)
    return right, down


def turned_accuracies(
    arrangement: Tensor, turns: Tensor, rows: int, cols: int, tiles: Tensor
) -> tuple[float, float, int]:
    """``(direct, neighbour, whole turn)`` of a solution whose tiles may be turned: cell ``k`` shows original tile
    ``arrangement[k]`` turned ``turns[k]`` quarter turns counter-clockwise; ``tiles`` are the originals
    ``(N, C, s, s)``, row-major.

    Direct: the right tile in the cell, upright. Neighbour: an original pair side by side on the same side, both
    upright. A solution turned as a whole is as good as upright (no seam can tell the difference), so both are
    measured at the whole turn (of those that keep the grid's shape) that gives the best neighbour accuracy. A tile
    that looks the same turned (a flat patch) counts as upright in those turns, and identical tiles as
    interchangeable (:func:`without_duplicate_swaps`). The whole turn is that best one: 0 where the solution was
    upright already."""
    looks_same = torch.stack([(torch.rot90(tiles, q, dims=(-2, -1)) == tiles).flatten(1).all(1) for q in range(4)], 1)
    best = (-1.0, -1.0, 0)
    for whole in whole_turns(rows, cols):
        shown = torch.rot90(arrangement.view(rows, cols), whole).flatten()
        turned = (torch.rot90(turns.view(rows, cols), whole).flatten() + whole) % 4
        shown = without_duplicate_swaps(shown, tiles)
        upright = looks_same[shown, turned]
        direct = float(((shown == torch.arange(len(shown))) & upright).float().mean())
        right, down = neighbours_kept(shown, rows, cols)
        upright_tile = torch.empty_like(upright)
        upright_tile[shown] = upright  # by original tile: is it shown upright?
        grid = upright_tile.view(rows, cols)
        right, down = right & grid[:, 1:] & grid[:, :-1], down & grid[1:] & grid[:-1]
        total = right.numel() + down.numel()
        neighbour = float(right.sum() + down.sum()) / total if total else 1.0
        best = max(best, (neighbour, direct, -whole))
    return best[1], best[0], -best[2]


def answer_psnr(arrangement: Tensor, tiles: Tensor, rows: int, cols: int, turns: Tensor | None = None) -> float:
    """The PSNR (dB, :data:`~jigsaw.pixels.metrics.PSNR_CAP_DB` where equal) of the picture an answer shows against
    the original: how far from the photograph its misplaced tiles leave it, which the accuracies do not say (a sky
    tile a grey level from its own costs a neighbour as much as a face in the sky). Cell ``k`` shows original tile
    ``arrangement[k]`` turned ``turns[k]`` quarter turns counter-clockwise (none by default); ``tiles``
    ``(N, C, s, s)`` in [0, 1], row-major. Measured, as :func:`turned_accuracies`, at the best whole turn."""
    shown = tiles[arrangement] if turns is None else turn_tiles(tiles[arrangement], turns)
    picture = shown.view(rows, cols, *tiles.shape[1:])
    original = tiles.view(rows, cols, *tiles.shape[1:]).flatten()
    return max(
        float(psnr(torch.rot90(torch.rot90(picture, whole, (0, 1)), whole, (-2, -1)).flatten()[None], original[None]))
        for whole in (whole_turns(rows, cols) if turns is not None else (0,))
    )


def whole_turns(rows: int, cols: int) -> tuple[int, ...]:
    """The quarter turns of a whole solution that keep a ``rows x cols`` grid's shape: all four where it is square,
    else none and a half."""
    return (0, 1, 2, 3) if rows == cols else (0, 2)
