"""Mending a learned placement with the pieces' seams.

The network scores every cell for every piece from what each piece shows and what the set holds; it never compares
the pixels along two pieces' edges. A stroke that runs on from one piece into the next is exactly what it misses
and what the seam solver reads. Mending joins the two: the placement is improved by swaps of two pieces while

    sum over cells i of scores[i, piece at i]  -  weight * sum over neighbouring cells of seam cost

rises, the network's scores saying where a piece belongs in the frame, the seams which pieces belong together. All
swaps of one puzzle are scored at once (a ``P x P`` matrix of gains); each round makes every puzzle's best swap,
until no swap gains.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from jigsaw.errors import JigsawError

WEIGHTS = (0.3, 1.0, 3.0)
"""The seam weights tried for a model (:func:`jigsaw.pieces.run.choose_seam_weight`): the scores' scale is each
network's own, and the best weight differs between models (the weights chosen for the bundled models, and what each
weight did on the training images, are in ``docs/results/pieces.json``)."""

MENDED_UP_TO_GRID = 7
"""Grids past this are not mended: at 14x14 (196 pieces) a puzzle took about a second to mend, for 0.2-0.3 points
more pieces right on 300 training images (``python scripts/seam_weight_sweep.py --grid 14 --images 300``)."""

MIN_GAIN = 1e-5
"""The least rise of the objective a swap must bring: below it, float32 rounding could swap pixel-identical pieces
back and forth."""


def check_weight(weight: object, what: str = "the seam weight") -> float:
    """``weight`` as a float, or one sentence naming ``what`` where it is not a finite number of at least 0 (0: not
    mended)."""
    if isinstance(weight, bool) or not isinstance(weight, (int, float)) or not (math.isfinite(weight) and weight >= 0):
        raise JigsawError(f"{what} must be a number of at least 0, not {weight!r}")
    return float(weight)


def seam_costs(pieces: Tensor) -> tuple[Tensor, Tensor]:
    """How badly each piece continues each other, ``(right, down)``, each ``(B, P, P)``: ``right[b, x, y]`` for piece
    ``y`` right of piece ``x``, ``down[b, x, y]`` for ``y`` below ``x``, from pieces ``(B, P, C, s, s)`` (``s >= 2``).

    The prediction measure of Pomeranz et al. (2011), both ways: each piece's last two lines extrapolated one pixel
    across the seam, compared with the other piece's first line (squared error summed over the seam)."""
    return _predicted(pieces), _predicted(pieces.transpose(-1, -2))


def _predicted(pieces: Tensor) -> Tensor:
    """:func:`seam_costs`'s ``right`` table: ``(B, P, P)``."""
    last, before_last = pieces[..., -1].flatten(2), pieces[..., -2].flatten(2)  # (B, P, C*s)
    first, after_first = pieces[..., 0].flatten(2), pieces[..., 1].flatten(2)
    ahead = (2 * last - before_last).unsqueeze(2) - first.unsqueeze(1)  # x's line predicted, against y's first
    behind = (2 * first - after_first).unsqueeze(1) - last.unsqueeze(2)  # y's line predicted back, against x's last
    return ahead.pow(2).sum(-1) + behind.pow(2).sum(-1)


def _neighbours(grid: int, device: torch.device) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """For each cell (row-major) the cell to its left, right, above and below, ``-1`` at the frame's edge."""
    cell = torch.arange(grid * grid, device=device)
    row, col = cell // grid, cell % grid
    none = torch.full_like(cell, -1)
    return (
        torch.where(col > 0, cell - 1, none),
        torch.where(col < grid - 1, cell + 1, none),
        torch.where(row > 0, cell - grid, none),
        torch.where(row < grid - 1, cell + grid, none),
    )


def objective(scores: Tensor, right: Tensor, down: Tensor, placements: Tensor, weight: float) -> Tensor:
    """What mending raises, per puzzle ``(B,)``: the placed pieces' scores less ``weight`` times their seam costs.
    ``scores (B, P, P)`` cell by piece; ``placements (B, P)``: cell ``i`` holds piece ``placements[:, i]``."""
    b, p = placements.shape
    grid = math.isqrt(p)
    rows = torch.arange(b, device=placements.device).unsqueeze(1)
    layout = placements.view(b, grid, grid)
    unary = scores.gather(2, placements.unsqueeze(2)).squeeze(2).sum(1)
    across = right[rows, layout[:, :, :-1].flatten(1), layout[:, :, 1:].flatten(1)].sum(1)
    below = down[rows, layout[:, :-1].flatten(1), layout[:, 1:].flatten(1)].sum(1)
    return unary - weight * (across + below)


def swap_gains(scores: Tensor, right: Tensor, down: Tensor, placements: Tensor, weight: float) -> Tensor:
    """``gains (B, P, P)``: how much :func:`objective` rises when the pieces in cells ``i`` and ``k`` trade places
    (the diagonal is 0).

    Each cell's cost of holding any piece beside its present neighbours is one matrix ``(B, P, P)``; a swap trades two
    of its entries for two others. Where ``i`` and ``k`` are neighbours, the seam between them was counted as a seam
    of each piece with itself, and is put right."""
    b, p = placements.shape
    rows = torch.arange(b, device=placements.device).unsqueeze(1)
    left, right_of, above, below = _neighbours(math.isqrt(p), placements.device)
    beside = torch.zeros_like(scores)  # beside[b, i, x]: seam costs of piece x in cell i with the present neighbours
    sides = ((left, right), (right_of, right.transpose(1, 2)), (above, down), (below, down.transpose(1, 2)))
    for neighbour, table in sides:
        there = placements[:, neighbour.clamp_min(0)]  # (B, P): the piece in each cell's neighbour
        beside += table[rows, there] * (neighbour >= 0).view(1, p, 1)
    value = scores - weight * beside  # (B, cell, piece)
    now = value.gather(2, placements.unsqueeze(2))  # (B, P, 1)
    traded = value.gather(2, placements.unsqueeze(1).expand(b, p, p))  # [b, i, k]: cell i holding k's piece
    gains = traded + traded.transpose(1, 2) - now - now.transpose(1, 2)
    for neighbour, table in ((right_of, right), (below, down)):
        first = torch.nonzero(neighbour >= 0).squeeze(1)
        second = neighbour[first]
        x, y = placements[:, first], placements[:, second]  # (B, pairs): the pieces in each pair of neighbours
        correction = table[rows, x, x] + table[rows, y, y] - table[rows, y, x] - table[rows, x, y]
        gains[:, first, second] += weight * correction
        gains[:, second, first] += weight * correction
    gains.diagonal(dim1=1, dim2=2).zero_()
    return gains


def mend(scores: Tensor, pieces: Tensor, placements: Tensor, weight: float) -> Tensor:
    """``placements (B, P)`` improved by swaps while :func:`objective` rises (see the module's text); ``scores (B, P,
    P)`` cell by piece, ``pieces (B, P, C, s, s)`` the shuffled pieces the placements index."""
    weight = check_weight(weight)
    right, down = seam_costs(pieces)
    placements = placements.clone()
    p = placements.shape[1]
    active = torch.arange(len(placements), device=placements.device)
    while len(active):  # the objective rises with every swap made, and a puzzle has finitely many placements
        gains = swap_gains(scores[active], right[active], down[active], placements[active], weight).flatten(1)
        best, where = gains.max(1)
        improving = best > MIN_GAIN
        active, where = active[improving], where[improving]
        i, k = where // p, where % p
        placements[active, i], placements[active, k] = placements[active, k], placements[active, i]
    return placements
