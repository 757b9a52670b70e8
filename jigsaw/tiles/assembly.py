"""One assembly for every tile puzzle: greedy growth from distinctive tiles and from the consistent block, in both
frames where turned tiles allow, the answer whose seams cost least kept.

Placement in the spirit of Paikin & Tal (2015): start from a distinctive tile and keep adding the (cell, tile) pair
the seams trust most, best buddies first, never letting the block outgrow the grid. Growing one block avoids the
dead end of merging separately grown blocks that end up overlapping. Where the picture is flat, one early wrong guess
steers the rest, so growth also runs from the :func:`consistent_block` (confident seams joined first, wherever they
are). The algorithm reads the seams through a :class:`CostTable`: dense ``N x N`` tables
(:class:`jigsaw.tiles.dense.DenseTable`) or each tile's best partners (:class:`jigsaw.tiles.listed.ListedTable`);
:mod:`jigsaw.tiles.solver` chooses which.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Protocol

import torch
from torch import Tensor

from jigsaw.progress import Progress
from jigsaw.tiles.seams import TURNS

LEAD_WEIGHT = 1.0
"""How much a cell's clear choice (its best tile's lead over the runner-up) moves it forward in the growth order,
Paikin & Tal's "most confident placement first". Measured by ``python benchmarks/tune_tiles.py --sweep growth``."""

BUDDY_BONUS = 100.0
"""What being a best buddy of one of a cell's placed neighbours takes off a tile's score there: more than any
mean confidence cost, so buddies go first."""

MAX_LEAD = 1e3
"""Caps a lead: with one tile left every runner-up is inf, and uncapped, every cell would tie at a priority of -inf."""

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

Block = dict[int, tuple[int, int]]
"""Tiles placed relative to each other: tile -> (row, col)."""

Seam = tuple[float, int, int, int, int]
"""``(cost, i, j, dr, dc)``: tile ``j`` at offset ``(dr, dc)`` from tile ``i``, and what that seam costs."""


class Canvas:
    """Where one block of tiles grows: a canvas twice the grid's size, so the first tile may end up anywhere (or, with
    ``fixed_frame``, the grid itself, when where the first tiles go is already decided). It keeps, per cell, the
    number of placed neighbours, a priority (lower goes first; inf: not next to the block, or taken) and the cell's
    best and second-best tile; what the tiles cost is the cost table's own growth's (its :meth:`place`)."""

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


class CostTable(Protocol):
    """What the assembly reads of the seams. ``size``: candidates (``copies`` per tile: its turns, or 1)."""

    size: int
    copies: int

    def growth(self, rows: int, cols: int, fixed_frame: bool = False) -> Canvas:
        """An empty :class:`Canvas` whose :meth:`Canvas.place` scores the cells around each placed tile."""
        ...

    def block_seams(self) -> list[Seam]:
        """The seams :func:`consistent_block` considers, right ``(0, 1)`` and down ``(1, 0)``."""
        ...

    def pair_costs(self) -> tuple[Any, Any]:
        """Confidence costs of any pairs, right and down: ``table[i_list, j_list]`` (see :func:`join_blocks`)."""
        ...

    def first_tiles(self, k: int) -> list[int]:
        """The ``k`` most distinctive candidates, of ``k`` different tiles."""
        ...

    def seam_cost(self, placement: Tensor, rows: int, cols: int) -> float:
        """Total raw dissimilarity of an arrangement's seams: how well it fits, without knowing the truth."""
        ...

    def buddy_seams(self, placement: Tensor, rows: int, cols: int) -> tuple[Tensor, Tensor]:
        """Which of an arrangement's seams join mutual best buddies: across ``(rows, cols - 1)`` and down
        ``(rows - 1, cols)``, boolean."""
        ...


def buddy_share(table: CostTable, placement: Tensor, rows: int, cols: int) -> float:
    """Share of an arrangement's seams (right and down) whose tiles are mutual best buddies; ``rows * cols`` must be
    at least 2."""
    across, down = table.buddy_seams(placement, rows, cols)
    return float(across.sum() + down.sum()) / (across.numel() + down.numel())


def distinct_tiles(candidates: list[int], k: int, copies: int) -> list[int]:
    """The first ``k`` of ``candidates`` (in their order) that are orientations of ``k`` different tiles."""
    chosen: list[int] = []
    for candidate in candidates:
        if all(candidate // copies != other // copies for other in chosen):
            chosen.append(candidate)
        if len(chosen) == k:
            break
    return chosen


def fill(growth: Canvas, block: Block, anchor: tuple[int, int] | None = None) -> Tensor:
    """Complete ``block`` (one tile, or several placed relative to each other) to a full arrangement on ``growth``,
    one tile at a time. With an ``anchor`` (row, col) the block's top-left corner is pinned to that grid cell (the
    growth's frame must be fixed); without one, the block may still end up anywhere."""
    rows, cols = growth.rows, growth.cols
    top, left, height, width = extent(list(block.values()))
    anchor = anchor or (rows - height, cols - width)  # on the free canvas: room to grow every way
    for tile, (r, c) in block.items():
        growth.place(anchor[0] + r - top, anchor[1] + c - left, tile)
    for _ in range(rows * cols - len(block)):
        growth.place(*growth.best_move())
    return growth.placement()


def consistent_block(table: CostTable, rows: int, cols: int, seams: list[Seam] | None = None) -> Block:
    """The largest block that joining trusted seams, cheapest first, builds without contradiction.

    Kruskal-style, as in Gallagher's tree-based assembly: every tile starts as its own block, and a candidate seam
    joins the blocks of its two tiles unless they would overlap, outgrow the grid, or meet along seams that cost
    too much (:data:`BLOCK_MAX_MEAN_COST`, :data:`BLOCK_LONE_SEAM_SIZE`). Unlike growing one block outwards, a bad
    guess in a flat patch does not steer all later placements: confident seams elsewhere are joined first. With
    several candidates per tile (its turns), two blocks that hold the same tile are never joined. ``seams``: the
    table's :meth:`CostTable.block_seams`, when already at hand.
    """
    seams = table.block_seams() if seams is None else seams
    return join_blocks(seams, *table.pair_costs(), table.size, rows, cols, table.copies)


def join_blocks(seams: list[Seam], right: Any, down: Any, n: int, rows: int, cols: int, copies: int = 1) -> Block:
    """:func:`consistent_block` from its candidate ``seams``; ``right[i, j]`` and ``down[i, j]`` give any pair's
    cost (numpy arrays, whose single elements read far faster than a tensor's, or anything indexed alike)."""
    blocks: dict[int, Block] = {t: {t: (0, 0)} for t in range(n)}
    tiles = {t: {t // copies} for t in blocks}  # the tiles (not candidates) in each block
    cells = {t: {(0, 0): t} for t in blocks}  # the same blocks, position -> tile
    boxes = {t: (0, 0, 0, 0) for t in blocks}  # the same blocks' top, left, bottom and right rows and columns
    refused = set()  # (block, its size, other block, its size, shift) of refused joins: blocks change only by growing
    owner = list(blocks)
    for _, i, j, dr, dc in sorted(seams):
        a, b = owner[i], owner[j]
        if a == b or not tiles[a].isdisjoint(tiles[b]):
            continue
        (ri, ci), (rj, cj) = blocks[a][i], blocks[b][j]
        shift = (ri + dr - rj, ci + dc - cj)
        if len(blocks[a]) < len(blocks[b]):  # move the smaller block
            a, b, shift = b, a, (-shift[0], -shift[1])
        box = _union(boxes[a], boxes[b], shift)
        if box[2] - box[0] >= rows or box[3] - box[1] >= cols:  # the union would outgrow the grid
            continue
        join = (a, len(blocks[a]), b, len(blocks[b]), shift)
        if join in refused:
            continue
        moved = {t: (r + shift[0], c + shift[1]) for t, (r, c) in blocks[b].items()}
        if not _joinable(cells[a], moved, right, down):
            refused.add(join)
            continue
        blocks[a].update(moved)
        cells[a].update({p: t for t, p in moved.items()})
        tiles[a] |= tiles.pop(b)
        boxes[a] = box
        for t in moved:
            owner[t] = a
        del blocks[b], cells[b], boxes[b]
    return max(blocks.values(), key=len)


def _union(box: tuple[int, int, int, int], other: tuple[int, int, int, int], shift: tuple[int, int]) -> tuple:
    """The box ``(top, left, bottom, right)`` around ``box`` and ``other`` moved by ``shift``."""
    top, left, bottom, right = other
    dr, dc = shift
    return min(box[0], top + dr), min(box[1], left + dc), max(box[2], bottom + dr), max(box[3], right + dc)


def _joinable(cells: dict[tuple[int, int], int], moved: Block, right: Any, down: Any) -> bool:
    """May the tiles ``moved`` join the block at ``cells`` (their union fitting the grid)? No shared cell, and the
    seams where they meet are cheap enough (see :func:`consistent_block`; ``right``, ``down`` as in
    :func:`join_blocks`)."""
    if any(p in cells for p in moved.values()):
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


def extent(positions: list[tuple[int, int]]) -> tuple[int, int, int, int]:
    """``(top, left, height, width)`` of the box around ``(row, col)`` positions."""
    rows, cols = [r for r, _ in positions], [c for _, c in positions]
    return min(rows), min(cols), max(rows) - min(rows) + 1, max(cols) - min(cols) + 1


def anchors(block: Block, rows: int, cols: int) -> list[tuple[int, int] | None]:
    """Every grid cell where ``block``'s top-left corner could go (none where it does not fit the grid), or ``[None]``
    (let growth decide) when there are more than :data:`MAX_ANCHORS`."""
    _, _, height, width = extent(list(block.values()))
    if height > rows or width > cols:
        return []
    if (rows - height + 1) * (cols - width + 1) > MAX_ANCHORS:
        return [None]
    return [(r, c) for r in range(rows - height + 1) for c in range(cols - width + 1)]


def turned_candidates(candidates: Tensor, quarter_turns: int) -> Tensor:
    """Candidates ``4 t + q`` (any shape) of tiles turned ``quarter_turns`` further counter-clockwise: the same tiles,
    each tile's own turn grown by as much."""
    return candidates - candidates % TURNS + (candidates % TURNS + quarter_turns) % TURNS


def turned_solution(placement: Tensor, rows: int, cols: int, quarter_turns: int) -> Tensor:
    """The candidates of a turned solution: the ``rows x cols`` grid of candidates ``4 t + q`` turned as a whole by
    ``quarter_turns`` counter-clockwise (each tile's own turn grows by as much); row-major, flattened."""
    return turned_candidates(torch.rot90(placement.view(rows, cols), quarter_turns), quarter_turns).flatten()


def frames(rows: int, cols: int, copies: int) -> int:
    """The frames the assembly grows in: both orientations of a non-square grid when tiles turn, else one."""
    return 2 if copies > 1 and rows != cols else 1


def progress_units(starts: int, rows: int, cols: int, copies: int) -> int:
    """A first estimate of :func:`assemble`'s units of progress (the anchors not yet known), for the caller to
    start with while it builds the cost table."""
    return frames(rows, cols, copies) * (starts + 2) + 1


def assemble(
    table: CostTable, rows: int, cols: int, starts: int, progress: Progress, seeded_share: float | None = None
) -> Tensor:
    """The arrangement ``(rows * cols,)`` of least :meth:`CostTable.seam_cost` among growths from the ``starts``
    most distinctive tiles and from the :func:`consistent_block` at each of its :func:`anchors`. A block of at
    least ``seeded_share`` of the tiles (when given) is the only seed. With turned tiles on a non-square grid the
    picture may come together turned by a quarter, which does not fit the frame: the search also runs in the
    transposed frame and turns those answers back. A block of turned tiles may itself come together in either
    quarter orientation (the seams are the same), so each frame grows from the other frame's block too, where it
    fits.

    Progress: the caller has started :func:`progress_units`; the total is set again once the anchors are known, so
    progress never counts past it."""
    seams = table.block_seams()  # neither they nor the first tiles depend on the frame: found once
    first_tiles = functools.cache(lambda: table.first_tiles(starts))
    shapes = [(rows, cols), (cols, rows)][: frames(rows, cols, table.copies)]
    blocks = []
    for shape in shapes:
        progress.advance("joining confident seams")
        blocks.append(consistent_block(table, *shape, seams))
    arrangements: list[Tensor] = []
    done = len(shapes)
    for k, (r, c) in enumerate(shapes):
        others = [block for block in blocks[:k] + blocks[k + 1 :] if block != blocks[k]]  # grown where it fits
        grown, done = _arrangements(
            table, [blocks[k], *others], first_tiles, r, c, starts, progress, seeded_share, len(shapes) - 1 - k, done
        )
        arrangements += grown if k == 0 else [turned_solution(arrangement, r, c, 1) for arrangement in grown]
    progress.advance("choosing the best fit")
    return min(arrangements, key=lambda arrangement: table.seam_cost(arrangement, rows, cols))


def _arrangements(
    table: CostTable,
    blocks: list[Block],
    first_tiles: Callable[[], list[int]],
    rows: int,
    cols: int,
    starts: int,
    progress: Progress,
    seeded_share: float | None,
    frames_after: int,
    done: int,
) -> tuple[list[Tensor], int]:
    """Candidate solutions on a ``rows x cols`` grid, grown from the distinctive tiles ``first_tiles()`` (unless the
    frame's own consistent block, ``blocks[0]``, holds ``seeded_share`` of the tiles) and from each of ``blocks`` at
    each of its anchors; and the units of progress counted so far, from ``done``."""
    seeded = seeded_share is not None and len(blocks[0]) >= seeded_share * (table.size // table.copies)
    firsts = [] if seeded else first_tiles()
    seeds = [(block, anchor) for block in blocks for anchor in anchors(block, rows, cols)]
    progress.start(done + len(firsts) + len(seeds) + frames_after * (starts + 2) + 1)
    arrangements = []
    for k, first in enumerate(firsts):
        progress.advance(f"growing from distinctive tile {k + 1} of {len(firsts)}")
        arrangements.append(fill(table.growth(rows, cols), {first: (0, 0)}))
    for k, (block, anchor) in enumerate(seeds):
        progress.advance(f"growing the block of {len(block)} tiles ({k + 1} of {len(seeds)})")
        arrangements.append(fill(table.growth(rows, cols, fixed_frame=anchor is not None), block, anchor))
    return arrangements, done + len(firsts) + len(seeds)
