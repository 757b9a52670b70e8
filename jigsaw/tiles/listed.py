"""The listed cost table: each tile's best partners per side (:mod:`jigsaw.tiles.candidates`), for puzzles too large
for ``N x N`` tables.

The assembly is :mod:`jigsaw.tiles.assembly`'s. What changes is what a cell weighs: only the tiles on its placed
neighbours' lists of best partners (refilled from every unplaced tile when those run out), each scored exactly as
the dense table would score it. Memory grows with the number of tiles, not its square (:data:`BYTES_PER_TILE`).
"""

from __future__ import annotations

from typing import Any

import torch
from torch import Tensor

from jigsaw.tiles.assembly import BUDDY_BONUS, LEAD_WEIGHT, MAX_LEAD, Canvas, Seam, distinct_tiles
from jigsaw.tiles.candidates import Side
from jigsaw.tiles.dense import BLOCK_CANDIDATES

BYTES_PER_TILE = 40_000
"""Memory this table holds per tile (its candidate lists, edge lines, canvas and a block of the seam table):
measured 0.91 GiB at 25,760 tiles of 10 pixels (``python benchmarks/bench_tile_scale.py --large``), rounded up."""

NEIGHBOUR_SEAM = {(0, -1): (0, True), (0, 1): (0, False), (-1, 0): (1, True), (1, 0): (1, False)}
"""For a neighbour at ``(dr, dc)`` of a cell: the seam's side (0 right, 1 down) and whether the neighbour comes
first in the pair (the cell's tile after it)."""


class ListedTable:
    """Each of the ``size`` candidates' best partners on each side, right and down (:class:`Side`), and any pair's
    cost measured when asked; ``copies`` candidates per tile (its orientations, or 1)."""

    def __init__(self, right: Side, down: Side, copies: int = 1):
        self.right, self.down, self.copies = right, down, copies
        self.size = len(right.after)
        self.listed = (_listed_confidence(right), _listed_confidence(down))  # measured once: seams and first tiles

    def growth(self, rows: int, cols: int, fixed_frame: bool = False) -> Growth:
        return Growth(rows, cols, self.right, self.down, fixed_frame, self.copies)

    def block_seams(self) -> list[Seam]:
        return _seams(self.right, self.listed[0], 0, 1) + _seams(self.down, self.listed[1], 1, 0)

    def pair_costs(self) -> tuple[Any, Any]:
        return _PairCosts(self.right), _PairCosts(self.down)

    def first_tiles(self, k: int) -> list[int]:
        """:meth:`jigsaw.tiles.dense.DenseTable.first_tiles` from the lists."""
        n = torch.arange(self.size)
        buddies = torch.zeros(len(n))
        confident = torch.zeros(len(n))
        for side, (after, before) in zip((self.right, self.down), self.listed):
            buddies += side.buddies(n, side.after[:, 0]).float() + side.buddies(side.before[:, 0], n).float()
            confident += after.min(1).values + before.min(1).values
        return distinct_tiles((confident - 1e3 * buddies).argsort().tolist(), k, self.copies)

    def seam_cost(self, placement: Tensor, rows: int, cols: int) -> float:
        grid = placement.view(rows, cols)
        across = self.right.raw(grid[:, :-1].flatten(), grid[:, 1:].flatten()).sum()
        return float(across + self.down.raw(grid[:-1].flatten(), grid[1:].flatten()).sum())

    def buddy_seams(self, placement: Tensor, rows: int, cols: int) -> tuple[Tensor, Tensor]:
        grid = placement.view(rows, cols)
        across = self.right.buddies(grid[:, :-1].flatten(), grid[:, 1:].flatten()).view(rows, cols - 1)
        return across, self.down.buddies(grid[:-1].flatten(), grid[1:].flatten()).view(rows - 1, cols)


class Growth(Canvas):
    """:class:`jigsaw.tiles.dense.Growth` on candidate lists: each empty cell next to the block holds the tiles
    its placed neighbours list, with their summed confidence costs and best-buddy counts against all those
    neighbours."""

    def __init__(self, rows: int, cols: int, right: Side, down: Side, fixed_frame: bool = False, copies: int = 1):
        super().__init__(rows, cols, fixed_frame)
        self.right, self.down, self.copies = right, down, copies
        self.taken = torch.zeros(len(right.after), dtype=torch.bool)
        self.candidates: dict[int, tuple[Tensor, Tensor, Tensor]] = {}  # cell -> tiles, summed costs, buddy counts

    def _neighbours(self, cell: int) -> list[tuple[tuple[int, int], int]]:
        """The placed tiles around ``cell``: ``((dr, dc) from the cell, tile)``."""
        r, c = divmod(cell, self.canvas_cols)
        found = []
        for dr, dc in ((0, -1), (0, 1), (-1, 0), (1, 0)):
            rr, cc = r + dr, c + dc
            if (rr, cc) in self.placed:
                found.append(((dr, dc), self.placed[rr, cc]))
        return found

    def _weigh(self, cells: list[tuple[int, Tensor]]) -> list[tuple[Tensor, Tensor]]:
        """For each ``(cell, tiles)``: the summed confidence costs and best-buddy counts of ``tiles`` in ``cell``
        against its placed neighbours, every pair of a side measured in one call."""
        pairs: dict[int, list[tuple[Tensor, Tensor]]] = {0: [], 1: []}  # side (0 right, 1 down) -> (i, j) chunks
        owners: dict[int, list[int]] = {0: [], 1: []}  # which entry of ``cells`` each chunk adds to
        for number, (cell, tiles) in enumerate(cells):
            for direction, neighbour in self._neighbours(cell):
                key, neighbour_first = NEIGHBOUR_SEAM[direction]
                other = torch.full_like(tiles, neighbour)
                pairs[key].append((other, tiles) if neighbour_first else (tiles, other))
                owners[key].append(number)
        totals = [(torch.zeros(len(tiles)), torch.zeros(len(tiles))) for _, tiles in cells]
        for key, side in enumerate((self.right, self.down)):
            if not pairs[key]:
                continue
            i, j = torch.cat([a for a, _ in pairs[key]]), torch.cat([b for _, b in pairs[key]])
            cost, buddies = side.confidence(i, j), side.buddies(i, j).float()
            sizes = [len(a) for a, _ in pairs[key]]
            for number, c, b in zip(owners[key], cost.split(sizes), buddies.split(sizes)):
                totals[number][0].add_(c)
                totals[number][1].add_(b)
        return totals

    def place(self, r: int, c: int, tile: int) -> None:
        self._claim(r, c, tile)
        first = tile - tile % self.copies
        self.taken[first : first + self.copies] = True  # a tile goes in one cell only, in one orientation
        self.candidates.pop(r * self.canvas_cols + c, None)
        lost = (self.best_tile // self.copies == tile // self.copies) | (
            self.runner_up // self.copies == tile // self.copies
        )
        stale = (lost & (self.priority < float("inf"))).nonzero().flatten().tolist()
        grown = []
        for (dr, dc), listed in (
            ((0, -1), self.right.before[tile]),
            ((0, 1), self.right.after[tile]),
            ((-1, 0), self.down.before[tile]),
            ((1, 0), self.down.after[tile]),
        ):
            rr, cc = r + dr, c + dc
            if self.is_open(rr, cc):
                k = rr * self.canvas_cols + cc
                self.count[k] += 1
                known = self.candidates.get(k, (torch.empty(0, dtype=torch.long),))[0]
                tiles = torch.unique(torch.cat([known, listed]))
                grown.append((k, tiles[~self.taken[tiles]]))
        for (k, tiles), (cost, buddies) in zip(grown, self._weigh(grown)):
            self.candidates[k] = (tiles, cost, buddies)
            stale.append(k)
        for k in dict.fromkeys(stale):
            self._rescore(k)

    def _rescore(self, cell: int) -> None:
        tiles, cost, buddies = self.candidates[cell]
        free = ~self.taken[tiles]
        if not free.any():  # every listed tile is placed: weigh every unplaced one
            tiles = (~self.taken).nonzero().flatten()
            if not len(tiles):  # the puzzle is complete
                self.priority[cell] = float("inf")
                return
            [(cost, buddies)] = self._weigh([(cell, tiles)])
            keep = (cost - 1e3 * buddies).argsort()[: 4 * len(self.right.after[0])]
            tiles, cost, buddies = tiles[keep], cost[keep], buddies[keep]
            self.candidates[cell] = (tiles, cost, buddies)
            free = torch.ones(len(tiles), dtype=torch.bool)
        count = float(self.count[cell])
        score = (cost / count * (1.0 - 0.05 * count) - BUDDY_BONUS * buddies).masked_fill(~free, float("inf"))
        two = score.topk(min(2, len(score)), largest=False)
        best = two.values[0]
        second = two.values[1] if len(two.values) > 1 else torch.tensor(float("inf"))
        self.priority[cell] = best - LEAD_WEIGHT * (second - best).clamp(max=MAX_LEAD)
        self.best_tile[cell] = tiles[two.indices[0]]
        self.runner_up[cell] = tiles[two.indices[1]] if len(two.indices) > 1 else -1


class _PairCosts:
    """``costs[i, j]``: the confidence costs of pairs of a side (index lists ``i``, ``j``), for
    :func:`jigsaw.tiles.assembly.join_blocks`."""

    def __init__(self, side: Side):
        self.side = side

    def __getitem__(self, pairs: tuple[list[int], list[int]]) -> Tensor:
        return self.side.confidence(torch.tensor(pairs[0]), torch.tensor(pairs[1]))


def _listed_confidence(side: Side) -> tuple[Tensor, Tensor]:
    """Confidence costs ``(N, KEPT)`` of every tile's listed partners after it and before it."""
    n, kept = side.after.shape
    own = torch.arange(n).repeat_interleave(kept)
    after = side.confidence(own, side.after.flatten()).view(n, kept)
    before = side.confidence(side.before.flatten(), own).view(n, kept)
    return after, before


def _seams(side: Side, listed: tuple[Tensor, Tensor], dr: int, dc: int) -> list[Seam]:
    """Each tile's :data:`jigsaw.tiles.dense.BLOCK_CANDIDATES` best partners on the side by confidence (``listed``:
    :func:`_listed_confidence`), from either tile's view (as the dense table picks them)."""
    n, k = len(side.after), min(BLOCK_CANDIDATES, side.after.shape[1])
    after, before = listed
    best_after, best_before = after.topk(k, dim=1, largest=False), before.topk(k, dim=1, largest=False)
    own = torch.arange(n).repeat_interleave(k)
    i = torch.cat([own, side.before.gather(1, best_before.indices).flatten()])
    j = torch.cat([side.after.gather(1, best_after.indices).flatten(), own])
    cost = torch.cat([best_after.values.flatten(), best_before.values.flatten()])
    return [(value, a, b, dr, dc) for value, a, b in zip(cost.tolist(), i.tolist(), j.tolist())]
