"""Each tile's best partners on every side, for puzzles too large for N x N tables of seam costs.

The seam measure is :mod:`jigsaw.tiles.seams`' own (MGC plus prediction, each on the scale of its median), computed
block-wise over the rows of the N x N table and never held whole: of each row (tile ``i``, partners ``j`` after it)
and each column (tile ``j``, partners ``i`` before it) only the :data:`KEPT` cheapest stay. Any other pair's cost is
measured again from the tiles' edge lines when it is asked for (:meth:`Side.raw`). Memory grows with ``N * KEPT``, and
time with ``N * N`` (every pair is measured once).

The medians that put MGC and prediction on one scale come from up to :data:`MEDIAN_ROWS` evenly spaced rows of the
table; with fewer tiles than that they are the full table's, as in :func:`jigsaw.tiles.seams.dissimilarities`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from jigsaw.tiles import seams

KEPT = 16
"""Partners kept per tile and side."""

MEDIAN_ROWS = 1024
"""Rows of the seam table sampled for the medians that scale MGC and prediction."""

BLOCK_ROWS = 256
"""Rows of the seam table measured at a time, at most: the largest temporary is ``rows x N`` float64."""

BLOCK_BYTES = 16 * 2**20
"""Fewer rows at a time where ``BLOCK_ROWS x N`` float64 would pass this: larger temporaries are mapped fresh from the
system for every block (glibc maps anything past 32 MiB), and on 40,020 turned candidates 256 rows spent 103 s of
system time against 6 s at 48 rows."""


def block_rows(n: int) -> int:
    """Rows of the seam table of ``n`` candidates measured at a time (:data:`BLOCK_ROWS`, :data:`BLOCK_BYTES`)."""
    return max(16, min(BLOCK_ROWS, BLOCK_BYTES // (8 * n)))


@dataclass
class Side:
    """One direction of seams (``j`` right of ``i``, or ``j`` below ``i``) between ``N`` tiles (or candidates: the
    orientations of turned tiles, which never pair with another orientation of their own tile).

    ``after[i]``: the :data:`KEPT` tiles ``j`` that fit best after ``i``, cheapest first, with their costs
    ``after_cost[i]``; ``before[j]`` and ``before_cost[j]`` the same for the tiles ``i`` before ``j``. ``edges``
    measures any other pair again."""

    after: Tensor
    after_cost: Tensor
    before: Tensor
    before_cost: Tensor
    edges: _Edges | _Turned

    def raw(self, i: Tensor, j: Tensor) -> Tensor:
        """The seam cost of each pair ``(i[k], j[k])``, as :func:`jigsaw.tiles.seams.dissimilarities` gives it."""
        return self.edges.cost(i, j)

    def confidence(self, i: Tensor, j: Tensor) -> Tensor:
        """:func:`jigsaw.tiles.seams.confidence` of each pair: its cost against the best other partner, from both
        tiles' sides (the two best of each row and column are kept)."""
        raw = self.raw(i, j)
        row, column = self.after_cost[i, :2], self.before_cost[j, :2]
        other_row = torch.where(self.after[i, 0] == j, row[:, 1], row[:, 0])  # by tile: a cost measured again
        other_column = torch.where(self.before[j, 0] == i, column[:, 1], column[:, 0])  # may differ in its last bit
        return raw / (other_row + 1e-6) + raw / (other_column + 1e-6)

    def buddies(self, i: Tensor, j: Tensor) -> Tensor:
        """Whether ``j`` is ``i``'s best partner after it and ``i`` is ``j``'s before it (best buddies)."""
        return (self.after[i, 0] == j) & (self.before[j, 0] == i)


class _Edges:
    """What measuring a pair needs of each tile, computed once: its edge lines ``(N, L, C)``, and for MGC from
    each side the line it predicts across the seam and the inverse covariance of its edge gradients. ``copies``:
    candidates per tile (pairs within one tile cost ``inf``)."""

    def __init__(
        self, last: Tensor, before_last: Tensor, first: Tensor, after_first: Tensor, medians: tuple, copies: int = 1
    ):
        self.copies = copies
        self.last, self.before_last, self.first, self.after_first = (
            x.double() for x in (last, before_last, first, after_first)
        )
        self.forward = seams.edge_gaussian(self.last, self.before_last)  # i's edge predicting j's first line
        self.backward = seams.edge_gaussian(self.first, self.after_first)  # j's edge predicting i's last line
        self.ahead, self.behind = 2 * self.last - self.before_last, 2 * self.first - self.after_first
        self.medians = medians

    def cost(self, i: Tensor, j: Tensor) -> Tensor:
        (expected_i, precision_i), (expected_j, precision_j) = self.forward, self.backward
        first, last = self.first[j], self.last[i]
        gap_i, gap_j = first - expected_i[i], last - expected_j[j]
        mgc = ((gap_i @ precision_i[i]) * gap_i).sum((1, 2)) + ((gap_j @ precision_j[j]) * gap_j).sum((1, 2))
        prediction = (self.ahead[i] - first).abs().sum((1, 2)) + (last - self.behind[j]).abs().sum((1, 2))
        cost = mgc / self.medians[0] + seams.PREDICTION_WEIGHT * prediction / self.medians[1]
        return cost.float().masked_fill(i // self.copies == j // self.copies, float("inf"))


def candidate_sides(tiles: Tensor, lossy: bool = False, kept: int = KEPT, turns: bool = False) -> tuple[Side, Side]:
    """``(right, down)`` :class:`Side` of tiles ``(N, C, h, w)`` in [0, 1] (compared by brightness alone when
    ``lossy``, as :func:`jigsaw.tiles.seams.dissimilarities` does); with ``turns``, of their ``4 N``
    :func:`~jigsaw.tiles.seams.oriented` candidates, as :func:`jigsaw.tiles.seams.oriented_dissimilarities`."""
    copies = seams.TURNS if turns else 1
    candidates = seams.oriented(tiles) if turns else tiles
    right, down = seams.edge_lines(candidates, lossy)
    kept = min(kept, len(candidates) - copies)
    if turns:
        across = _side(right, kept, copies)
        return across, _turned_a_quarter(across)
    return _side(right, kept), _side(down, kept)


def _turned_a_quarter(right: Side) -> Side:
    """The lower seams of oriented candidates, read off their right seams: ``y`` below ``x`` is the same seam as
    ``y`` turned a further quarter right of ``x`` turned a further quarter, so every list and cost carries over, its
    candidates turned back. Half the measuring of turned tiles."""
    ahead = _turn(torch.arange(len(right.after)), 1)
    return Side(
        _turn(right.after[ahead], -1),
        right.after_cost[ahead],
        _turn(right.before[ahead], -1),
        right.before_cost[ahead],
        _Turned(right.edges),
    )


def _turn(candidates: Tensor, quarters: int) -> Tensor:
    """Candidates ``4 t + q`` turned by ``quarters``: ``4 t + (q + quarters) mod 4``."""
    turns = seams.TURNS
    return candidates - candidates % turns + (candidates % turns + quarters) % turns


class _Turned:
    """A lower seam measured as the right seam of both candidates turned a further quarter (see
    :func:`_turned_a_quarter`)."""

    def __init__(self, right: _Edges | _Turned):
        self.right = right

    def cost(self, i: Tensor, j: Tensor) -> Tensor:
        return self.right.cost(_turn(i, 1), _turn(j, 1))


def _side(lines: seams.Lines, kept: int, copies: int = 1) -> Side:
    last, before_last, first, after_first = lines
    n = len(last)

    every_first, every_gaussian = seams.mgc_lines(first), seams.mgc_gaussians(first, after_first)

    def block(rows: Tensor) -> tuple[Tensor, Tensor]:  # MGC and prediction of these rows against every tile
        i_lines, j_lines = (last[rows], before_last[rows]), (first, after_first)
        mgc = seams.mgc_between(seams.mgc_gaussians(*i_lines), every_first)
        mgc = mgc + seams.mgc_between(every_gaussian, seams.mgc_lines(last[rows])).T
        return mgc, seams._prediction(i_lines, j_lines)

    sample = torch.linspace(0, n - 1, min(n, MEDIAN_ROWS)).round().long().unique()
    scale = lambda d: float(d.median().clamp(min=1e-12))
    mgc, prediction = block(sample)
    medians = (scale(mgc), scale(prediction))
    after = torch.empty(n, kept, dtype=torch.long)
    after_cost = torch.empty(n, kept)
    before = torch.empty(0, n, dtype=torch.long)
    before_cost = torch.empty(0, n)
    step = block_rows(n)
    for start in range(0, n, step):
        rows = torch.arange(start, min(start + step, n))
        mgc, prediction = block(rows)
        cost = mgc / medians[0] + seams.PREDICTION_WEIGHT * prediction / medians[1]
        own = rows // copies  # a candidate never pairs with its own tile's orientations
        cost.view(len(rows), -1, copies)[torch.arange(len(rows)), own] = float("inf")
        after_cost[rows], after[rows] = _cheapest(cost, kept, dim=1)
        both = torch.cat([before_cost, cost])  # earlier rows first, so a tie keeps the lower tile
        tiles = torch.cat([before, rows[:, None].expand_as(cost)])
        before_cost, before = _cheapest(both, kept, dim=0, owners=tiles)
    edges = _Edges(*lines, medians, copies=copies)
    return Side(after, after_cost, before.T.contiguous(), before_cost.T.contiguous(), edges)


def _cheapest(cost: Tensor, kept: int, dim: int, owners: Tensor | None = None) -> tuple[Tensor, Tensor]:
    """The ``kept`` cheapest entries along ``dim``, cheapest first (ties: the lower tile first), as ``(costs,
    tiles)``: the tiles are the positions along ``dim``, or what ``owners`` (shaped as ``cost``) holds there."""
    values, positions = cost.topk(kept, dim=dim, largest=False, sorted=True)
    tiles = positions if owners is None else owners.gather(dim, positions)
    # topk may order equal costs either way: sort each kept list by (cost, tile)
    order = torch.argsort(tiles, dim=dim, stable=True)
    values, tiles = values.gather(dim, order), tiles.gather(dim, order)
    order = torch.argsort(values, dim=dim, stable=True)
    return values.gather(dim, order), tiles.gather(dim, order)
