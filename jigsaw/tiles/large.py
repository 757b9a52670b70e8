"""Placing the tiles of a puzzle too large for N x N tables: the solver's growth and consistent block, on each tile's
best partners per side (:mod:`jigsaw.tiles.candidates`).

The search is :mod:`jigsaw.tiles.solver`'s. What changes is what a cell weighs: only the tiles on its placed
neighbours' lists of best partners (refilled from every unplaced tile when those run out), each scored exactly as
the full tables would score it. Memory grows with the number of tiles, not its square.
"""

from __future__ import annotations

import torch
from torch import Tensor

from jigsaw.progress import SILENT, Progress
from jigsaw.tiles.candidates import Side, candidate_sides
from jigsaw.tiles.solver import (
    BLOCK_CANDIDATES,
    BUDDY_BONUS,
    LEAD_WEIGHT,
    MAX_LEAD,
    Block,
    Canvas,
    Seam,
    _anchors,
    check_memory,
    fill,
    join_blocks,
)

BYTES_PER_TILE = 40_000
"""Memory this solver holds per tile (its candidate lists, edge lines, canvas and a block of the seam table):
measured 0.91 GiB at 25,760 tiles of 10 pixels (``python benchmarks/bench_tile_scale.py --large``), rounded up."""


NEIGHBOUR_SEAM = {(0, -1): (0, True), (0, 1): (0, False), (-1, 0): (1, True), (1, 0): (1, False)}
"""For a neighbour at ``(dr, dc)`` of a cell: the seam's side (0 right, 1 down) and whether the neighbour comes
first in the pair (the cell's tile after it)."""


class _Growth(Canvas):
    """:class:`jigsaw.tiles.solver._Growth` on candidate lists: each empty cell next to the block holds the tiles
    its placed neighbours list, with their summed confidence costs and best-buddy counts against all those
    neighbours."""

    def __init__(self, rows: int, cols: int, right: Side, down: Side, fixed_frame: bool = False):
        super().__init__(rows, cols, fixed_frame)
        self.right, self.down = right, down
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
        self.taken[tile] = True
        self.candidates.pop(r * self.canvas_cols + c, None)
        lost = (self.best_tile == tile) | (self.runner_up == tile)
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


def _grow(block: Block, rows: int, cols: int, right: Side, down: Side, anchor: tuple[int, int] | None = None) -> Tensor:
    return fill(_Growth(rows, cols, right, down, fixed_frame=anchor is not None), block, anchor)


class _PairCosts:
    """``costs[i, j]``: the confidence costs of pairs of a side (index lists ``i``, ``j``), for
    :func:`jigsaw.tiles.solver.join_blocks`."""

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


def _seams(side: Side, dr: int, dc: int) -> list[Seam]:
    """Each tile's :data:`jigsaw.tiles.solver.BLOCK_CANDIDATES` best partners on the side by confidence, from either
    tile's view (as :func:`jigsaw.tiles.solver._candidate_seams` picks them)."""
    n, k = len(side.after), min(BLOCK_CANDIDATES, side.after.shape[1])
    after, before = _listed_confidence(side)
    best_after, best_before = after.topk(k, dim=1, largest=False), before.topk(k, dim=1, largest=False)
    own = torch.arange(n).repeat_interleave(k)
    i = torch.cat([own, side.before.gather(1, best_before.indices).flatten()])
    j = torch.cat([side.after.gather(1, best_after.indices).flatten(), own])
    cost = torch.cat([best_after.values.flatten(), best_before.values.flatten()])
    return [(value, a, b, dr, dc) for value, a, b in zip(cost.tolist(), i.tolist(), j.tolist())]


def seam_cost(placement: Tensor, rows: int, cols: int, right: Side, down: Side) -> float:
    """Total raw seam cost of an arrangement (:func:`jigsaw.tiles.solver.seam_dissimilarity`)."""
    grid = placement.view(rows, cols)
    across = right.raw(grid[:, :-1].flatten(), grid[:, 1:].flatten()).sum()
    return float(across + down.raw(grid[:-1].flatten(), grid[1:].flatten()).sum())


def buddy_share(placement: Tensor, rows: int, cols: int, right: Side, down: Side) -> float:
    """:func:`jigsaw.tiles.solver.buddy_share` from candidate lists."""
    grid = placement.view(rows, cols)
    kept = right.buddies(grid[:, :-1].flatten(), grid[:, 1:].flatten()).sum()
    kept += down.buddies(grid[:-1].flatten(), grid[1:].flatten()).sum()
    return float(kept) / (rows * (cols - 1) + (rows - 1) * cols)


def _first_tiles(right: Side, down: Side, k: int) -> list[int]:
    """:func:`jigsaw.tiles.solver._first_tiles` from candidate lists."""
    n = torch.arange(len(right.after))
    buddies = torch.zeros(len(n))
    confident = torch.zeros(len(n))
    for side in (right, down):
        buddies += side.buddies(n, side.after[:, 0]).float() + side.buddies(side.before[:, 0], n).float()
        after, before = _listed_confidence(side)
        confident += after.min(1).values + before.min(1).values
    return (confident - 1e3 * buddies).argsort()[:k].tolist()


SEEDED_SHARE = 0.5
"""A consistent block of at least this share of the tiles is the only seed: growing from single tiles as well costs
a whole growth (a minute at 25,000 tiles) and, from a seed that large, is not what the cheapest seams choose."""


def solve_large(
    tiles: Tensor, rows: int, cols: int, starts: int = 1, progress: Progress = SILENT, lossy: bool = False
) -> tuple[Tensor, float]:
    """:func:`jigsaw.tiles.solver.solve_tiles_with_confidence` (known orientation) without N x N tables, growing
    from the consistent block and, unless it holds :data:`SEEDED_SHARE` of the tiles, from the ``starts`` most
    distinctive tiles too."""
    check_memory(len(tiles), BYTES_PER_TILE * len(tiles))
    progress.start(4, "seam costs")
    right, down = candidate_sides(tiles, lossy)
    progress.advance("joining confident seams")
    seams = _seams(right, 0, 1) + _seams(down, 1, 0)
    block = join_blocks(seams, _PairCosts(right), _PairCosts(down), len(tiles), rows, cols)
    firsts = [] if len(block) >= SEEDED_SHARE * len(tiles) else _first_tiles(right, down, starts)
    anchors = _anchors(block, rows, cols)
    progress.start(3 + len(firsts) + len(anchors))
    arrangements = []
    for k, first in enumerate(firsts):
        progress.advance(f"growing from distinctive tile {k + 1} of {len(firsts)}")
        arrangements.append(_grow({first: (0, 0)}, rows, cols, right, down))
    for k, anchor in enumerate(anchors):
        progress.advance(f"growing the block of {len(block)} tiles ({k + 1} of {len(anchors)})")
        arrangements.append(_grow(block, rows, cols, right, down, anchor))
    progress.advance("choosing the best fit")
    placement = min(arrangements, key=lambda arrangement: seam_cost(arrangement, rows, cols, right, down))
    return placement, buddy_share(placement, rows, cols, right, down)
