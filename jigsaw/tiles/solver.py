"""Placing shuffled tiles of known orientation back on their grid, from the seam costs of ``jigsaw.seams``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from jigsaw.errors import JigsawError
from jigsaw.progress import SILENT, Progress
from jigsaw.tiles.grid import assemble, cut
from jigsaw.tiles.refine import refine
from jigsaw.tiles.seams import TURNS, best_buddies, confidence, dissimilarities, oriented, oriented_dissimilarities

LEAD_WEIGHT = 1.0
"""How much a cell's clear choice (its best tile's lead over the runner-up) moves it forward in the growth order,
Paikin & Tal's "most confident placement first". Measured by ``python benchmarks/tune_tiles.py --sweep growth``."""

BUDDY_BONUS = 100.0
"""What being a best buddy of one of a cell's placed neighbours takes off a tile's score there: more than any
mean confidence cost, so buddies go first."""

MAX_LEAD = 1e3
"""Caps a lead: with one tile left every runner-up is inf, and uncapped, every cell would tie at a priority of -inf."""


class Canvas:
    """Where one block of tiles grows: a canvas twice the grid's size, so the first tile may end up anywhere (or, with
    ``fixed_frame``, the grid itself, when where the first tiles go is already decided). It keeps, per cell, the
    number of placed neighbours, a priority (lower goes first; inf: not next to the block, or taken) and the cell's
    best and second-best tile; what the tiles cost is the growth's own (:class:`_Growth`,
    :class:`jigsaw.tiles.large._Growth`)."""

    def __init__(self, rows: int, cols: int, fixed_frame: bool = False):
        self.rows, self.cols = rows, cols
        self.canvas_rows, self.canvas_cols = (rows, cols) if fixed_frame else (2 * rows - 1, 2 * cols - 1)
        cells = self.canvas_rows * self.canvas_cols
        self.count = torch.zeros(cells)
        self.priority = torch.full((cells,), float("inf"))
        self.best_tile = torch.zeros(cells, dtype=torch.long)
        self.runner_up = torch.zeros(cells, dtype=torch.long)
        self.grid = torch.full((self.canvas_rows, self.canvas_cols), -1, dtype=torch.long)
        self.placed: dict[tuple[int, int], int] = {}  # (row, col) -> tile: what ``grid`` holds, read without torch
        self.box = [self.canvas_rows, -1, self.canvas_cols, -1]  # top, bottom, left, right of the placed tiles

    def place(self, r: int, c: int, tile: int) -> None:
        raise NotImplementedError

    def _claim(self, r: int, c: int, tile: int) -> None:
        """Put ``tile`` in cell ``(r, c)``: no longer a candidate cell, and the block's box grows."""
        self.grid[r, c] = tile
        self.placed[r, c] = tile
        self.count[r * self.canvas_cols + c] = 0
        self.priority[r * self.canvas_cols + c] = float("inf")
        top, bottom, left, right = self.box
        self.box = [min(top, r), max(bottom, r), min(left, c), max(right, c)]

    def is_open(self, r: int, c: int) -> bool:
        """Whether ``(r, c)`` is a cell of the canvas with no tile yet."""
        return 0 <= r < self.canvas_rows and 0 <= c < self.canvas_cols and (r, c) not in self.placed

    def best_move(self) -> tuple[int, int, int]:
        """The (row, col, tile) to place next: the cell of highest priority next to the block that keeps it inside
        the grid, and that cell's best tile."""
        top, bottom, left, right = self.box
        # the cells that keep the block inside the grid form a window around its box; a cell next to the block has
        # a finite priority while any tile is left, every other cell an infinite one
        r0, c0 = max(bottom - self.rows + 1, 0), max(right - self.cols + 1, 0)
        window = self.priority.view(self.canvas_rows, self.canvas_cols)[r0 : top + self.rows, c0 : left + self.cols]
        at = int(window.argmin())
        r, c = r0 + at // window.shape[1], c0 + at % window.shape[1]
        return r, c, int(self.best_tile[r * self.canvas_cols + c])

    def placement(self) -> Tensor:
        top, bottom, left, right = self.box
        return self.grid[top : bottom + 1, left : right + 1].flatten()


def fill(growth: Canvas, block: Block, anchor: tuple[int, int] | None = None) -> Tensor:
    """Complete ``block`` (one tile, or several placed relative to each other) to a full arrangement on ``growth``,
    one tile at a time. With an ``anchor`` (row, col) the block's top-left corner is pinned to that grid cell (the
    growth's frame must be fixed); without one, the block may still end up anywhere."""
    rows, cols = growth.rows, growth.cols
    top, left, height, width = _extent(list(block.values()))
    anchor = anchor or (rows - height, cols - width)  # on the free canvas: room to grow every way
    for tile, (r, c) in block.items():
        growth.place(anchor[0] + r - top, anchor[1] + c - left, tile)
    for _ in range(rows * cols - len(block)):
        growth.place(*growth.best_move())
    return growth.placement()


class _Growth(Canvas):
    """Growth on the full N x N tables.

    For every empty cell it keeps the summed confidence cost of each tile against the cell's placed neighbours, their
    number, a :data:`BUDDY_BONUS` for each of them the tile is a best buddy of, and the cell's two best tiles under
    :meth:`_score`, which rules out the tiles already placed. Placing a tile rescores only the cells around it and
    those whose best or second-best tile it was, so a step costs a few rows of ``N`` tiles, not a pass over every
    cell of the block's border.
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
        """A cell's priority is its best tile's score minus :data:`LEAD_WEIGHT` times that tile's lead over the
        runner-up: of two cells whose best tiles score alike, the one where the choice is clearer goes first."""
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
    Growth reads these instead of the ``N x N`` tables; a solve computes them once for all its growths."""
    partners = []
    for buddies in (buddy_right, buddy_down):
        i, j = buddies.nonzero(as_tuple=True)
        for tile, buddy in ((j, i), (i, j)):  # j's buddy before the seam is i, i's buddy after it is j
            partner = torch.full((len(buddies),), -1, dtype=torch.long)
            partner[tile] = buddy
            partners.append(partner.tolist())
    return partners


def _first_tiles(
    cost_right: Tensor, cost_down: Tensor, buddy_right: Tensor, buddy_down: Tensor, k: int, copies: int = 1
) -> list[int]:
    """The ``k`` tiles with the most best buddies, ties broken by how confident their best seams are: growth starts
    where the picture is most distinctive. With ``copies`` candidates per tile (turns), ``k`` different tiles."""
    buddies = buddy_right.sum(1) + buddy_right.sum(0) + buddy_down.sum(1) + buddy_down.sum(0)
    confident = cost_right.min(1).values + cost_right.min(0).values + cost_down.min(1).values + cost_down.min(0).values
    chosen: list[int] = []
    for candidate in (confident - 1e3 * buddies).argsort().tolist():
        if all(candidate // copies != other // copies for other in chosen):
            chosen.append(candidate)
        if len(chosen) == k:
            break
    return chosen


Block = dict[int, tuple[int, int]]
"""Tiles placed relative to each other: tile -> (row, col)."""

BLOCK_CANDIDATES = 4
"""Seams :func:`consistent_block` considers: each tile's 4 best partners on each side, from both tiles' views."""

BLOCK_MAX_MEAN_COST = 3.0
"""Joining two blocks is refused when the seams it creates cost more than this on average (confidence ratios; a
pair that is both tiles' clear first choice costs under 2)."""

BLOCK_LONE_SEAM_SIZE = 8
"""Two blocks both of at least this many tiles are joined only where they touch along two or more seams: one seam
is weak evidence (single seams glued whole correct columns at wrong heights). Measured by
``python benchmarks/tune_tiles.py --sweep blocks``."""


MAX_ANCHORS = 12
"""A large block that does not span the grid is completed from each place it could take, up to this many: growing
freely, the tiles of a missing edge often end up on the wrong side of it."""

BYTES_PER_PAIR = 56
"""Memory the solver holds per pair of tiles (its seam costs and growth tables are ``N x N``): measured 43 bytes at
3,136 tiles and 53 at 8,700 (peak resident memory less the 0.65 GiB of a bare process), rounded up."""


def memory_needed(tiles: int) -> int:
    """Bytes the solver needs for a puzzle of ``tiles`` tiles (about :data:`BYTES_PER_PAIR` per pair)."""
    return BYTES_PER_PAIR * tiles * tiles


def available_memory() -> int | None:
    """Bytes this machine can still give (Linux's ``MemAvailable``), ``None`` where that cannot be read."""
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def fits(tiles: int) -> bool:
    """Whether the N x N tables of ``tiles`` tiles fit in the memory this machine has free (when it can tell)."""
    free = available_memory()
    return free is None or memory_needed(tiles) <= free


LARGE_FROM = 10_000
"""From this many tiles of known orientation on (or wherever the N x N tables would not fit), the solver keeps only
each tile's best partners (:mod:`jigsaw.tiles.large`): measured by ``python benchmarks/bench_tile_scale.py [--large]``
(see ``docs/tiles.md``)."""


MENDED_UP_TO = 2_000
"""Answers of up to this many tiles are mended by swaps (:func:`jigsaw.tiles.refine.refine`). Each round of swaps
scores every pair of doubtful positions, so the cost grows with the square of the doubtful share: on the
3,300-piece set it added up to 2 s to a 9 s solve, where the swaps changed the mean neighbour accuracy by +0.2
points (and by -0.2 on the 2,360-piece set). ``python benchmarks/bench_tile_sets.py``; see ``docs/research-log.md``."""


def check_fits(tiles: int) -> None:
    """Refuse, before any work, a puzzle whose N x N tables would not fit in the memory this machine has free."""
    check_memory(tiles, memory_needed(tiles), " (memory grows with the square of the count)")


def check_memory(tiles: int, needed: int, growth: str = "") -> None:
    """Refuse, before any work, a solve of ``tiles`` tiles that needs ``needed`` bytes (``growth`` says how that
    grows) where this machine has less free."""
    free = available_memory()
    if free is not None and needed > free:
        raise JigsawError(
            f"{tiles:,} tiles need about {needed / 2**30:.1f} GiB to solve{growth} and this machine has "
            f"{free / 2**30:.1f} GiB free: use larger tiles or a coarser grid"
        )


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


def consistent_block(cost_right: Tensor, cost_down: Tensor, rows: int, cols: int, copies: int = 1) -> Block:
    """The largest block that joining trusted seams, cheapest first, builds without contradiction.

    Kruskal-style, as in Gallagher's tree-based assembly: every tile starts as its own block, and a candidate seam
    joins the blocks of its two tiles unless they would overlap, outgrow the grid, or meet along seams that cost
    too much (:data:`BLOCK_MAX_MEAN_COST`, :data:`BLOCK_LONE_SEAM_SIZE`). Unlike growing one block outwards, a bad
    guess in a flat patch does not steer all later placements: confident seams elsewhere are joined first. With
    ``copies`` candidates per tile (its turns), two blocks that hold the same tile are never joined.
    """
    seams = _candidate_seams(cost_right, 0, 1) + _candidate_seams(cost_down, 1, 0)
    return join_blocks(seams, cost_right.numpy(), cost_down.numpy(), len(cost_right), rows, cols, copies)


Seam = tuple[float, int, int, int, int]
"""``(cost, i, j, dr, dc)``: tile ``j`` at offset ``(dr, dc)`` from tile ``i``, and what that seam costs."""


def join_blocks(seams: list[Seam], right: Any, down: Any, n: int, rows: int, cols: int, copies: int = 1) -> Block:
    """:func:`consistent_block` from its candidate ``seams``; ``right[i, j]`` and ``down[i, j]`` give any pair's
    cost (numpy arrays, whose single elements read far faster than a tensor's, or anything indexed alike)."""
    blocks: dict[int, Block] = {t: {t: (0, 0)} for t in range(n)}
    tiles = {t: {t // copies} for t in blocks}  # the tiles (not candidates) in each block
    cells = {t: {(0, 0): t} for t in blocks}  # the same blocks, position -> tile
    owner = list(blocks)
    for _, i, j, dr, dc in sorted(seams):
        a, b = owner[i], owner[j]
        if a == b or not tiles[a].isdisjoint(tiles[b]):
            continue
        (ri, ci), (rj, cj) = blocks[a][i], blocks[b][j]
        shift = (ri + dr - rj, ci + dc - cj)
        if len(blocks[a]) < len(blocks[b]):  # move the smaller block
            a, b, shift = b, a, (-shift[0], -shift[1])
        moved = {t: (r + shift[0], c + shift[1]) for t, (r, c) in blocks[b].items()}
        if not _joinable(cells[a], moved, rows, cols, right, down):
            continue
        blocks[a].update(moved)
        cells[a].update({p: t for t, p in moved.items()})
        tiles[a] |= tiles.pop(b)
        for t in moved:
            owner[t] = a
        del blocks[b], cells[b]
    return max(blocks.values(), key=len)


def _joinable(cells: dict[tuple[int, int], int], moved: Block, rows: int, cols: int, right: Any, down: Any) -> bool:
    """May the tiles ``moved`` join the block at ``cells``? No shared cell, the union fits the grid, and the seams
    where they meet are cheap enough (see :func:`consistent_block`; ``right``, ``down`` as in :func:`join_blocks`)."""
    if any(p in cells for p in moved.values()):
        return False
    _, _, height, width = _extent([*cells, *moved.values()])
    if height > rows or width > cols:
        return False
    wanted: list[tuple[int, int, int]] = []  # (0 right or 1 down, i, j) of each seam where the blocks meet
    for t, (r, c) in moved.items():
        for side, (dr, dc) in enumerate(((0, 1), (1, 0))):
            after, before = cells.get((r + dr, c + dc)), cells.get((r - dr, c - dc))
            wanted += [(side, t, after)] if after is not None else []
            wanted += [(side, before, t)] if before is not None else []
    seams = _look_up(wanted, (right, down))
    if len(seams) < 2:
        return min(len(cells), len(moved)) < BLOCK_LONE_SEAM_SIZE
    return sum(seams) / len(seams) <= BLOCK_MAX_MEAN_COST


def _look_up(wanted: list[tuple[int, int, int]], tables: tuple[Any, Any]) -> list[float]:
    """The costs of the seams ``(side, i, j)``, in their order, each table read once with index arrays."""
    values: list[float] = [0.0] * len(wanted)
    for side, table in enumerate(tables):
        places = [k for k, (s, _, _) in enumerate(wanted) if s == side]
        if places:
            found = table[[wanted[k][1] for k in places], [wanted[k][2] for k in places]]
            for k, value in zip(places, found.tolist()):
                values[k] = value
    return values


def _extent(positions: list[tuple[int, int]]) -> tuple[int, int, int, int]:
    """``(top, left, height, width)`` of the box around ``(row, col)`` positions."""
    rows, cols = [r for r, _ in positions], [c for _, c in positions]
    return min(rows), min(cols), max(rows) - min(rows) + 1, max(cols) - min(cols) + 1


def _grow(
    block: Block,
    rows: int,
    cols: int,
    pairs: tuple[Tensor, Tensor, Tensor, Tensor],
    anchor: tuple[int, int] | None = None,
    copies: int = 1,
    partners: list[list[int]] | None = None,
) -> Tensor:
    """:func:`fill` on the full tables (:class:`_Growth`; ``partners``: :func:`buddy_partners`, when known)."""
    growth = _Growth(rows, cols, *pairs, fixed_frame=anchor is not None, copies=copies, partners=partners)
    return fill(growth, block, anchor)


def _anchors(block: Block, rows: int, cols: int) -> list[tuple[int, int] | None]:
    """Every grid cell where ``block``'s top-left corner could go, or ``[None]`` (let growth decide) when there are
    more than :data:`MAX_ANCHORS`."""
    _, _, height, width = _extent(list(block.values()))
    if (rows - height + 1) * (cols - width + 1) > MAX_ANCHORS:
        return [None]
    return [(r, c) for r in range(rows - height + 1) for c in range(cols - width + 1)]


def seam_dissimilarity(placement: Tensor, rows: int, cols: int, right: Tensor, down: Tensor) -> float:
    """Total dissimilarity of all the seams of an arrangement: how well it fits together, without knowing the truth."""
    grid = placement.view(rows, cols)
    return float(right[grid[:, :-1], grid[:, 1:]].sum() + down[grid[:-1], grid[1:]].sum())


def solve_tiles(
    tiles: Tensor,
    rows: int,
    cols: int,
    starts: int = 4,
    progress: Progress = SILENT,
    lossy: bool = False,
    turns: bool = False,
) -> Tensor:
    """The ``placement`` of :func:`solve_tiles_with_confidence`."""
    return solve_tiles_with_confidence(tiles, rows, cols, starts, progress, lossy, turns)[0]


def solve_tiles_with_confidence(
    tiles: Tensor,
    rows: int,
    cols: int,
    starts: int = 4,
    progress: Progress = SILENT,
    lossy: bool = False,
    turns: bool = False,
) -> tuple[Tensor, float]:
    """Arrange shuffled tiles ``(N, C, h, w)`` of known orientation on a ``rows x cols`` grid.

    Greedy placement in the spirit of Paikin & Tal (2015): start from a distinctive tile and keep adding the
    (cell, tile) pair the seams trust most, best buddies first, never letting the block outgrow the grid. Seam
    costs are the confidence ratios of :func:`dissimilarities`. Growing one block avoids the dead end of merging
    separately grown blocks that end up overlapping. Where the picture is flat, one early wrong guess steers the
    rest, so growth also runs from the ``starts`` most distinctive tiles and from the :func:`consistent_block`
    (confident seams joined first, wherever they are), and the arrangement whose seams fit best wins. Unless the
    seams distrust that arrangement (its :func:`buddy_share` under :data:`LOW_CONFIDENCE`), the puzzle is lossy or
    larger than :data:`MENDED_UP_TO` tiles, swaps of tiles and small blocks that lower its total seam cost then mend
    it (:func:`jigsaw.tiles.refine.refine`; not for turned tiles). Returns ``(placement, confidence)``: cell ``k``
    (row-major) gets tile ``placement[k]`` ``(rows * cols,)``, and :func:`buddy_share` of that placement, from the
    same seam costs. Tiles of a ``lossy`` (JPEG) puzzle are compared by brightness alone (see
    :func:`dissimilarities`).

    From :data:`LARGE_FROM` tiles of known orientation on, or where the N x N tables would not fit in free memory,
    the same search runs on each tile's best partners only (:func:`jigsaw.tiles.large.solve_large`).

    With ``turns`` the tiles (square) may each be turned by any quarter turn: every tile takes part in all four
    orientations (:func:`jigsaw.tiles.seams.oriented`), placing one takes the others out, and ``placement[k]`` is
    candidate ``4 t + q``, tile ``t`` turned ``q`` quarter turns counter-clockwise; the whole solution is then
    turned upright by :func:`upright_turn`.
    """
    n = len(tiles)
    if n != rows * cols:
        raise JigsawError(f"{n} tiles do not fill a {rows}x{cols} grid")
    if n == 1:
        return torch.zeros(1, dtype=torch.long), 1.0
    if min(tiles.shape[-2:]) < 2:
        raise JigsawError(
            f"tiles of {tiles.shape[-1]}x{tiles.shape[-2]} pixels are too small to solve: comparing "
            "edges needs at least 2 pixels each way"
        )
    if turns and tiles.shape[-1] != tiles.shape[-2]:
        raise JigsawError(f"only square tiles can turn in place; these are {tiles.shape[-1]}x{tiles.shape[-2]} pixels")
    if not turns and (n >= LARGE_FROM or not fits(n)):
        from jigsaw.tiles.large import solve_large

        return solve_large(tiles, rows, cols, progress=progress, lossy=lossy)
    copies = TURNS if turns else 1
    check_fits(n * copies)
    frames = 2 if turns and rows != cols else 1  # a turned picture may come together in the other frame
    progress.start(frames * (starts + 2) + 1, "seam costs")
    right, down = oriented_dissimilarities(tiles, lossy) if turns else dissimilarities(tiles, lossy)
    pairs = _pairs(right, down)
    arrangements, done = _arrangements(pairs, rows, cols, starts, copies, progress, frames - 1)
    if frames == 2:  # grow it in the other frame too, and turn those answers back
        sideways, _ = _arrangements(pairs, cols, rows, starts, copies, progress, 0, done)
        arrangements += [turned_solution(arrangement, cols, rows, 1) for arrangement in sideways]
    progress.advance("choosing the best fit")
    placement = min(arrangements, key=lambda arrangement: seam_dissimilarity(arrangement, rows, cols, right, down))
    confidence = buddy_share(placement, rows, cols, *pairs[2:])
    if not (turns or lossy) and n <= MENDED_UP_TO and confidence >= LOW_CONFIDENCE:
        placement = refine(placement, rows, cols, right, down, *pairs[2:])
        confidence = buddy_share(placement, rows, cols, *pairs[2:])
    if turns:
        placement = turned_solution(placement, rows, cols, upright_turn(placement, rows, cols, tiles))
    return placement, confidence


def _arrangements(
    pairs: tuple[Tensor, Tensor, Tensor, Tensor],
    rows: int,
    cols: int,
    starts: int,
    copies: int,
    progress: Progress,
    frames_after: int = 0,
    done: int = 0,
) -> tuple[list[Tensor], int]:
    """Candidate solutions on a ``rows x cols`` grid: grown from the ``starts`` most distinctive tiles, and from the
    :func:`consistent_block` at each of its :func:`_anchors`; and the units of progress counted so far, from
    ``done``. Once the anchors are known the total is set again — this frame's growths, an estimate for the
    ``frames_after`` frames still to grow and the final choice — so progress never counts past its total."""
    arrangements, partners = [], buddy_partners(*pairs[2:])
    for k, first in enumerate(_first_tiles(*pairs, k=starts, copies=copies)):
        progress.advance(f"growing from distinctive tile {k + 1} of {starts}")
        arrangements.append(_grow({first: (0, 0)}, rows, cols, pairs, copies=copies, partners=partners))
    progress.advance("joining confident seams")
    done += starts + 1
    block = consistent_block(*pairs[:2], rows, cols, copies)
    anchors = _anchors(block, rows, cols)
    progress.start(done + len(anchors) + frames_after * (starts + 2) + 1)
    for k, anchor in enumerate(anchors):
        progress.advance(f"growing the block of {len(block)} tiles ({k + 1} of {len(anchors)})")
        arrangements.append(_grow(block, rows, cols, pairs, anchor, copies, partners))
    return arrangements, done + len(anchors)


def turned_solution(placement: Tensor, rows: int, cols: int, quarter_turns: int) -> Tensor:
    """The candidates of a turned solution: the ``rows x cols`` grid of candidates ``4 t + q`` turned as a whole by
    ``quarter_turns`` counter-clockwise (each tile's own turn grows by as much); row-major, flattened."""
    grid = torch.rot90(placement.view(rows, cols), quarter_turns)
    return (grid - grid % TURNS + (grid % TURNS + quarter_turns) % TURNS).flatten()


UPRIGHT_BAND = 1 / 3
"""The top and bottom share of the picture :func:`upright_turn` compares."""


def upright_turn(placement: Tensor, rows: int, cols: int, tiles: Tensor) -> int:
    """The quarter turns (0 or 2, or any of 0-3 on a square grid) that put a solution with turned tiles upright.

    Seams cannot tell: a solution turned as a whole has the same seams. The rule is the photographer's: light comes
    from above, so of the turns that keep the grid's shape, the one whose top third is brightest relative to its
    bottom third (mean over all channels) wins. ``benchmarks/bench_tile_sets.py --rotations`` measures how often
    that is right."""
    picture = assemble(oriented(tiles)[placement], rows, cols)
    band = max(1, round(picture.shape[1] * UPRIGHT_BAND))
    options = range(TURNS) if rows == cols else (0, 2)
    lead = lambda k: float((lambda p: p[:, :band].mean() - p[:, -band:].mean())(torch.rot90(picture, k, dims=(-2, -1))))
    return max(options, key=lead)


def complete(tiles: Tensor, rows: int, cols: int, given: Block) -> Tensor:
    """Place the rest of the tiles around ``given`` ones, pinned to their grid cells (tile -> (row, col)).

    With part of the true arrangement given, what the rest scores shows how far the seams alone can lead
    growth: ``benchmarks/tile_ceiling.py`` uses it to tell a weak search from a weak measure. Returns
    ``placement`` as :func:`solve_tiles` does.
    """
    if not given or not all(0 <= r < rows and 0 <= c < cols for r, c in given.values()):
        raise JigsawError(f"give at least one tile, each in a cell of the {rows}x{cols} grid")
    top, left, _, _ = _extent(list(given.values()))
    return _grow(given, rows, cols, _pairs(*dissimilarities(tiles)), anchor=(top, left))


def _pairs(right: Tensor, down: Tensor) -> tuple[Tensor, Tensor, Tensor, Tensor]:
    """What growth reads of the seams: the confidence costs and best buddies, right then down."""
    return confidence(right), confidence(down), best_buddies(right), best_buddies(down)


def solve_image(puzzle: Tensor, rows: int, cols: int, progress: Progress = SILENT, lossy: bool = False) -> Tensor:
    """Solve a shuffled-tile image ``(C, H, W)``; returns the reassembled image."""
    return solve_puzzle(puzzle, rows, cols, progress, lossy).image


@dataclass
class TileSolution:
    image: Tensor  # (C, H, W), the tiles reassembled
    placement: Tensor  # (rows * cols,): cell k (row-major) shows tile placement[k] (candidate 4 t + q with turns)
    confidence: float  # share of the solution's seams whose two tiles are each other's best buddies


LOW_CONFIDENCE = 0.5
"""Below this share of best-buddy seams a solution is likely wrong (often a wrong grid): the CLI warns. Measured by
``python benchmarks/bench_confidence.py``."""


def solve_puzzle(
    puzzle: Tensor, rows: int, cols: int, progress: Progress = SILENT, lossy: bool = False, turns: bool = False
) -> TileSolution:
    """Solve a shuffled-tile image ``(C, H, W)`` (read from a ``lossy`` file such as a JPEG, or not) and say how much
    the seams themselves trust the answer.

    The confidence needs no ground truth: two tiles that are each other's best match on the side where the solution
    joins them agree with it; a wrong grid leaves few such seams."""
    tiles = cut(puzzle, rows, cols)
    placement, confidence = solve_tiles_with_confidence(tiles, rows, cols, progress=progress, lossy=lossy, turns=turns)
    shown = oriented(tiles)[placement] if turns else tiles[placement]
    return TileSolution(assemble(shown, rows, cols), placement, confidence)


def buddy_share(placement: Tensor, rows: int, cols: int, buddy_right: Tensor, buddy_down: Tensor) -> float:
    """Share of an arrangement's seams (right and down) whose tiles are mutual best buddies (:func:`best_buddies`
    of the right and down seam costs); ``rows * cols`` must be at least 2."""
    grid = placement.view(rows, cols)
    kept = buddy_right[grid[:, :-1], grid[:, 1:]].sum() + buddy_down[grid[:-1], grid[1:]].sum()
    return float(kept) / (rows * (cols - 1) + (rows - 1) * cols)
