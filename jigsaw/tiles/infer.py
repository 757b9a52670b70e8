"""Finding the tile size of a puzzle that records no grid: the seams of shuffled tiles are periodic discontinuities.

Along the width, ``jump[x]`` is the mean absolute difference between pixel columns ``x - 1`` and ``x``; inside a
tile it follows the picture, across a seam between two unrelated tiles it leaps. For each tile width ``t`` that
divides the width (at least two tiles), the score is the mean jump at ``t, 2t, ...`` over the mean jump
everywhere else. Every multiple of the true width scores about as high as the true width (its "seams" are true
seams too, and a few very different neighbours can lift a coarse one above it), while half of it scores far lower
(half its "seams" fall inside tiles): so the answer is the smallest divisor of the best-scoring size that scores
nearly as well. The same along the height gives the tile height.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from jigsaw.errors import JigsawError

MIN_SCORE = 1.6
"""A tile size is accepted only when seams at its multiples jump this many times more than the picture does
elsewhere; below it the puzzle shows no clear grid. Measured by ``python benchmarks/bench_grid_inference.py``."""

MIN_LEAD = 1.1
"""...and when its score beats every other candidate's (its own multiples and divisors aside) by this factor."""

NEARLY = 0.8
"""A divisor of the best-scoring size that scores at least this share of its score is preferred to it."""

MIN_TILE = 8
"""Smaller tiles are not looked for: pixel-doubled pictures show a period of 2 without any seams."""


@dataclass(frozen=True)
class FoundGrid:
    rows: int
    cols: int
    tile_height: int
    tile_width: int
    score: float  # the weaker of the two directions' scores


def _jumps(image: Tensor, dim: int) -> Tensor:
    """Mean absolute step between neighbouring pixel lines along ``dim`` (2: columns, 1: rows) of ``(C, H, W)``."""
    steps = image.diff(dim=dim).abs()
    return steps.mean(dim=(0, 1) if dim == 2 else (0, 2))  # (W - 1,) or (H - 1,): jump[k] is between k and k + 1


def period_scores(image: Tensor, dim: int) -> dict[int, float]:
    """Score of every tile size along ``dim`` that divides the image into at least two tiles."""
    jumps = _jumps(image.double(), dim)
    length = image.shape[dim]
    scores = {}
    for size in range(MIN_TILE, length // 2 + 1):
        if length % size:
            continue
        seams = torch.zeros(len(jumps), dtype=torch.bool)
        seams[size - 1 :: size] = True  # the jump between pixel size*k - 1 and size*k
        rest = jumps[~seams]
        scores[size] = float(jumps[seams].mean() / rest.mean().clamp(min=1e-9)) if len(rest) else 0.0
    return scores


def _best(scores: dict[int, float], along: str) -> tuple[int, float]:
    if not scores:
        raise JigsawError(f"no tile size divides the puzzle's {along} into two or more tiles; pass --tile N or --grid")
    best = max(scores, key=lambda s: (scores[s], -s))
    size = min(d for d in scores if best % d == 0 and scores[d] >= NEARLY * scores[best])
    rivals = [score for other, score in scores.items() if other % size and size % other]
    lead = scores[size] / max(max(rivals, default=0.0), 1e-9)
    if scores[size] < MIN_SCORE or lead < MIN_LEAD:
        raise JigsawError(
            f"cannot tell the tile size from the picture (no clear seams along its {along}); pass --tile N or "
            "--grid ROWSxCOLS"
        )
    return size, scores[size]


def infer_grid(image: Tensor) -> FoundGrid:
    """The grid of a shuffled-tile image ``(C, H, W)`` from its seams alone; a sentence asking for ``--tile``
    when the picture shows no clear grid."""
    tile_width, width_score = _best(period_scores(image, 2), "width")
    tile_height, height_score = _best(period_scores(image, 1), "height")
    _, height, width = image.shape
    return FoundGrid(
        height // tile_height, width // tile_width, tile_height, tile_width, min(width_score, height_score)
    )
