"""The dense cost table: every pair of tiles' seam costs in ``N x N`` tables, and growth that scores every tile for
every cell next to the block. Memory grows with the square of the tiles (:data:`BYTES_PER_PAIR`)."""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from jigsaw.tiles.assembly import BUDDY_BONUS, LEAD_WEIGHT, MAX_LEAD, Canvas, Seam, distinct_tiles
from jigsaw.tiles.seams import best_buddies, confidence

BLOCK_CANDIDATES = 4
"""Seams :func:`jigsaw.tiles.assembly.consistent_block` considers: each tile's 4 best partners on each side, from
both tiles' views."""

BYTES_PER_PAIR = 56
"""Memory the solver holds per pair of tiles (its seam costs and growth tables are ``N x N``): measured 43 bytes at
3,136 tiles and 53 at 8,700 (peak resident memory less the 0.65 GiB of a bare process), rounded up."""


class DenseTable:
    """Seam costs between every pair of the ``size`` candidates (``copies`` per tile: its turns, or 1): the raw
    dissimilarities ``(N, N)`` right and down (``raw[0][i, j]``: ``j`` right of ``i``), their confidence costs and
    best buddies (:mod:`jigsaw.tiles.seams`), and each candidate's best buddy on each side."""

    def __init__(self, right: Tensor, down: Tensor, copies: int = 1):
        self.size, self.copies = len(right), copies
        self.raw = (right, down)
        self.cost = (confidence(right), confidence(down))
        self.buddies = (best_buddies(right), best_buddies(down))
        self.partners = buddy_partners(*self.buddies)

    def growth(self, rows: int, cols: int, fixed_frame: bool = False) -> Growth:
        return Growth(rows, cols, *self.cost, *self.buddies, fixed_frame, self.copies, self.partners)

    def block_seams(self) -> list[Seam]:
        return _candidate_seams(self.cost[0], 0, 1) + _candidate_seams(self.cost[1], 1, 0)

    def pair_costs(self) -> tuple[Any, Any]:
        return self.cost[0].numpy(), self.cost[1].numpy()

    def first_tiles(self, k: int) -> list[int]:
        """The ``k`` tiles with the most best buddies, ties broken by how confident their best seams are: growth
        starts where the picture is most distinctive. With several candidates per tile (turns), ``k`` tiles."""
        (cost_right, cost_down), (buddy_right, buddy_down) = self.cost, self.buddies
        buddies = buddy_right.sum(1) + buddy_right.sum(0) + buddy_down.sum(1) + buddy_down.sum(0)
        confident = (
            cost_right.min(1).values + cost_right.min(0).values + cost_down.min(1).values + cost_down.min(0).values
        )
        return distinct_tiles((confident - 1e3 * buddies).argsort().tolist(), k, self.copies)

    def seam_cost(self, placement: Tensor, rows: int, cols: int) -> float:
        return seam_dissimilarity(placement, rows, cols, *self.raw)

    def buddy_seams(self, placement: Tensor, rows: int, cols: int) -> tuple[Tensor, Tensor]:
        grid = placement.view(rows, cols)
        buddy_right, buddy_down = self.buddies
        return buddy_right[grid[:, :-1], grid[:, 1:]], buddy_down[grid[:-1], grid[1:]]


def seam_dissimilarity(placement: Tensor, rows: int, cols: int, right: Tensor, down: Tensor) -> float:
    """Total dissimilarity of all the seams of an arrangement: how well it fits together, without knowing the truth."""
    grid = placement.view(rows, cols)
    return float(right[grid[:, :-1], grid[:, 1:]].sum() + down[grid[:-1], grid[1:]].sum())


def memory_needed(tiles: int) -> int:
    """Bytes the dense table and its growth need for ``tiles`` tiles (about :data:`BYTES_PER_PAIR` per pair)."""
    return BYTES_PER_PAIR * tiles * tiles


class Growth(Canvas):
    """Growth on the full N x N tables.

    For every empty cell it keeps the summed confidence cost of each tile against the cell's placed neighbours, their
    number, a :data:`~jigsaw.tiles.assembly.BUDDY_BONUS` for each of them the tile is a best buddy of, and the
    cell's two best tiles under :meth:`_score`, which rules out the tiles already placed. Placing a tile rescores
    only the cells around it and those whose best or second-best tile it was, so a step costs a few rows of ``N``
    tiles, not a pass over every cell of the block's border.
    """

    def __init__(
        self,
        rows: int,
        cols: int,
        cost_right: Tensor,
        cost_down: Tensor,
        buddy_right: Tensor,
        buddy_down: Tensor,
        fixed_frame: bool = False,
        copies: int = 1,
        partners: list[list[int]] | None = None,
    ):
        super().__init__(rows, cols, fixed_frame)
        self.copies = copies  # candidates per tile (4 with turns: candidate 4 t + k), placing one takes them all
        n, cells = len(cost_right), self.canvas_rows * self.canvas_cols
        self.cost = torch.zeros(cells, n)
        self.taken = torch.zeros(n)  # inf for a placed tile (every orientation): added to every score
        self.bonus = torch.zeros(cells, n)  # -BUDDY_BONUS per placed neighbour the tile is a best buddy of
        self.costs = (cost_right, cost_down)
        self.buddy_of = buddy_partners(buddy_right, buddy_down) if partners is None else partners

    def place(self, r: int, c: int, tile: int) -> None:
        cost_right, cost_down = self.costs
        self._claim(r, c, tile)
        first = tile - tile % self.copies
        self.taken[first : first + self.copies] = float("inf")  # a tile goes in one cell only, in one orientation
        stale = self._lost(first)
        # the neighbour cell's candidates x: left of the tile (x, tile), right (tile, x), above, below
        for (dr, dc), cost, buddy in zip(
            ((0, -1), (0, 1), (-1, 0), (1, 0)),
            (cost_right[:, tile], cost_right[tile], cost_down[:, tile], cost_down[tile]),
            self.buddy_of,
        ):
            rr, cc = r + dr, c + dc
            if self.is_open(rr, cc):
                k = rr * self.canvas_cols + cc
                self.cost[k] += cost
                self.count[k] += 1
                if buddy[tile] >= 0:
                    self.bonus[k, buddy[tile]] -= BUDDY_BONUS
                stale.append(k)
        if stale:
            self._rescore(torch.tensor(stale))

    def _lost(self, first: int) -> list[int]:
        """The cells next to the block (within one cell of its box) whose best or second-best tile was the tile
        whose first candidate is ``first``, in cell order."""
        top, bottom, left, right = self.box
        r0, c0 = max(top - 1, 0), max(left - 1, 0)
        near = lambda cells: cells.view(self.canvas_rows, self.canvas_cols)[r0 : bottom + 2, c0 : right + 2]
        lost = self._holds(near(self.best_tile), first) | self._holds(near(self.runner_up), first)
        found = (lost & (near(self.priority) < float("inf"))).nonzero()
        return ((found[:, 0] + r0) * self.canvas_cols + found[:, 1] + c0).tolist()

    def _holds(self, candidates: Tensor, first: int) -> Tensor:
        """Where ``candidates`` are one of the orientations of the tile whose first candidate is ``first``."""
        if self.copies == 1:
            return candidates == first
        return (candidates >= first) & (candidates < first + self.copies)

    def _rescore(self, cells: Tensor) -> None:
        """A cell's priority is its best tile's score minus :data:`~jigsaw.tiles.assembly.LEAD_WEIGHT` times that
        tile's lead over the runner-up: of two cells whose best tiles score alike, the one where the choice is
        clearer goes first."""
        two = self._score(cells).topk(2, dim=1, largest=False)
        best, second = two.values[:, 0], two.values[:, 1]
        lead = (second - best).clamp(max=MAX_LEAD)
        self.priority[cells] = best - LEAD_WEIGHT * lead
        self.best_tile[cells], self.runner_up[cells] = two.indices[:, 0], two.indices[:, 1]

    def _score(self, cells: Tensor) -> Tensor:
        """``(len(cells), N)``, lower is better: a tile that is a best buddy of more of the cell's placed neighbours
        first, then the lowest mean cost, cells with more neighbours slightly preferred.

        Every buddy counts, not only a tile that is a buddy of *all* its neighbours: where one neighbour is a flat
        patch, the other's buddy still says where the tile goes."""
        count = self.count[cells, None]
        score = self.cost[cells].div_(count).mul_(1.0 - 0.05 * count)
        return score.add_(self.bonus[cells]).add_(self.taken)


def buddy_partners(buddy_right: Tensor, buddy_down: Tensor) -> list[list[int]]:
    """Each tile's best buddy to its left, right, above and below (-1 for none): a tile has at most one per side.
    Growth reads these instead of the ``N x N`` tables; a table computes them once for all its growths."""
    partners = []
    for buddies in (buddy_right, buddy_down):
        i, j = buddies.nonzero(as_tuple=True)
        for tile, buddy in ((j, i), (i, j)):  # j's buddy before the seam is i, i's buddy after it is j
            partner = torch.full((len(buddies),), -1, dtype=torch.long)
            partner[tile] = buddy
            partners.append(partner.tolist())
    return partners


def _candidate_seams(cost: Tensor, dr: int, dc: int) -> list[Seam]:
    """``(cost, i, j, dr, dc)``, tile ``j`` at offset ``(dr, dc)`` from tile ``i``, for each tile's
    :data:`BLOCK_CANDIDATES` best partners seen from either side of the seam."""
    n, k = len(cost), min(BLOCK_CANDIDATES, len(cost) - 1)
    own = torch.arange(n).repeat_interleave(k)
    best_j, best_i = cost.topk(k, dim=1, largest=False), cost.topk(k, dim=0, largest=False)
    i = torch.cat([own, best_i.indices.T.flatten()])
    j = torch.cat([best_j.indices.flatten(), own])
    values = torch.cat([best_j.values.flatten(), best_i.values.T.flatten()])
    return [(value, a, b, dr, dc) for value, a, b in zip(values.tolist(), i.tolist(), j.tolist())]
