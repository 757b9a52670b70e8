"""Mending a solved tile arrangement by swaps that lower its total seam dissimilarity.

Growth places one tile at a time and never takes a tile back, so where the picture is flat a tile or a short run of
tiles can end up in a cell that another, equally plausible at the time, fits better once everything around it is
placed. After the solve every seam is known, and swapping two equal rectangles of tiles (the shapes of
:data:`SHAPES`) changes only the seams along their borders: all those swaps are scored at once, as matrices over
pairs of positions, and the improving ones are made, repeatedly, until none is left.
"""

from __future__ import annotations

import torch
from torch import Tensor

SHAPES = ((1, 1), (1, 2), (2, 1), (2, 2), (1, 3), (3, 1))
"""The rectangles (rows, columns) whose contents may trade places: tiles, dominoes and runs of three, chosen before
measuring; on the MIT set, tiles alone mend 2 of its 7 imperfect solutions, dominoes a third, and larger blocks
nothing more (``benchmarks/bench_tile_sets.py``; see ``docs/research-log.md``)."""

MAX_ROUNDS = 100
"""A bound on the rounds of swaps; the total seam cost falls in every round, so this only guards the run time."""

MOVES_PER_SHAPE = 512
"""How many of a shape's best swaps a round considers; of those, the ones whose cells do not interfere are made."""

DOUBT = 2
"""A tile is doubtful when this many of its seams or more join it to a tile that is not its best match on that side
(both ways): a misplaced tile disagrees on every side, its right neighbours on one. With 1, flat skies, where correct
seams often disagree, make most tiles doubtful and the first round several times slower
(see ``docs/research-log.md``)."""

MIN_GAIN = 1e-4
"""The least fall in total seam cost a swap must bring (seam costs are on the scale of their medians, about 1): below
it, float32 rounding could swap pixel-identical tiles back and forth."""


def _padded(table: Tensor) -> Tensor:
    """A seam table ``(N, N)`` with an extra tile ``N`` that stands for the grid's outside (every seam to it costs
    0) and 0 for a tile beside itself (never a seam of an arrangement; the ``inf`` would poison the sums)."""
    n = len(table)
    padded = torch.zeros(n + 1, n + 1)
    padded[:n, :n] = table.masked_fill(torch.eye(n, dtype=torch.bool), 0.0)
    return padded


def _border_lines(grid: Tensor, height: int, width: int) -> tuple[Tensor, ...]:
    """For every block position of a ``height x width`` rectangle on the outside-padded ``grid`` ``(R + 2, C + 2)``:
    the tiles along its four borders, inside and outside, each ``(positions, length)``, in the order left out / in,
    right in / out, top out / in, bottom in / out."""
    rows, cols = grid.shape[0] - 2, grid.shape[1] - 2
    r = torch.arange(rows - height + 1).repeat_interleave(cols - width + 1)[:, None]
    c = torch.arange(cols - width + 1).repeat(rows - height + 1)[:, None]
    down_block, across_block = torch.arange(height)[None, :], torch.arange(width)[None, :]
    return (
        grid[r + 1 + down_block, c],
        grid[r + 1 + down_block, c + 1],
        grid[r + 1 + down_block, c + width],
        grid[r + 1 + down_block, c + width + 1],
        grid[r, c + 1 + across_block],
        grid[r + 1, c + 1 + across_block],
        grid[r + height, c + 1 + across_block],
        grid[r + height + 1, c + 1 + across_block],
    )


def _block_swap_gains(
    grid: Tensor, tables: tuple[Tensor, Tensor, Tensor, Tensor], height: int, width: int, some: Tensor, others: Tensor
) -> Tensor:
    """``(len(some), len(others))``: how much the total seam cost changes when the ``height x width`` blocks at a
    position of ``some`` and one of ``others`` (row-major indices over the block positions) trade their contents;
    ``inf`` for blocks that overlap or touch, whose shared seams the formula would miscount. ``tables``: the padded
    (:func:`_padded`) right and down tables and their transposes, so that every lookup gathers whole rows; ``grid``
    padded too."""
    left_out, left_in, right_in, right_out, top_out, top_in, bottom_in, bottom_out = _border_lines(grid, height, width)
    right, down, right_t, down_t = tables
    seams = lambda table, rows, cols: table.index_select(0, rows).index_select(1, cols)
    gains = torch.zeros(len(some), len(others))  # [s, o]: after the swap minus before
    now = torch.zeros(len(left_out))
    for i in range(height):
        lo, li, ri, ro = left_out[:, i], left_in[:, i], right_in[:, i], right_out[:, i]
        gains += seams(right, lo[some], li[others]) + seams(right_t, ro[some], ri[others])  # o's content at s
        gains += seams(right_t, li[some], lo[others]) + seams(right, ri[some], ro[others])  # s's content at o
        now += right[lo, li] + right[ri, ro]
    for j in range(width):
        to, ti, bi, bo = top_out[:, j], top_in[:, j], bottom_in[:, j], bottom_out[:, j]
        gains += seams(down, to[some], ti[others]) + seams(down_t, bo[some], bi[others])
        gains += seams(down_t, ti[some], to[others]) + seams(down, bi[some], bo[others])
        now += down[to, ti] + down[bi, bo]
    gains -= now[some, None] + now[None, others]
    across = grid.shape[1] - 2 - width + 1
    r, c = some // across, some % across
    r2, c2 = others // across, others % across
    touching = ((r[:, None] - r2[None, :]).abs() <= height) & ((c[:, None] - c2[None, :]).abs() <= width)
    return gains.masked_fill(touching, float("inf"))


def _pair_seams(grid: Tensor, right: Tensor, down: Tensor, first: Tensor, across: bool, tiles: tuple) -> Tensor:
    """The summed cost of every seam of pairs of neighbouring cells, the first at padded ``(r, c)`` = ``first``
    (``(2, K)``) and the second right of it (``across``) or below it, holding ``tiles`` = (first's, second's)."""
    (r, c), (one, other) = first, tiles
    r2, c2 = (r, c + 1) if across else (r + 1, c)
    total = down[grid[r - 1, c], one] + right[grid[r, c - 1], one]
    total += down[other, grid[r2 + 1, c2]] + right[other, grid[r2, c2 + 1]]
    if across:  # the first's lower neighbour and the second's upper one lie outside the pair
        return total + down[one, grid[r + 1, c]] + down[grid[r2 - 1, c2], other] + right[one, other]
    return total + right[one, grid[r, c + 1]] + right[grid[r2, c2 - 1], other] + down[one, other]


def _neighbour_swap_gains(grid: Tensor, right: Tensor, down: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """The swaps of two side-by-side tiles, which :func:`_block_swap_gains` leaves out: ``(gains, first, second)``,
    cells as row-major indices into the unpadded grid; ``grid``, ``right``, ``down`` padded (:func:`_padded`)."""
    rows, cols = grid.shape[0] - 2, grid.shape[1] - 2
    cells = torch.arange(rows * cols).view(rows, cols)
    gains, firsts, seconds = [], [], []
    for first, second, across in ((cells[:, :-1], cells[:, 1:], True), (cells[:-1], cells[1:], False)):
        first, second = first.flatten(), second.flatten()
        at = torch.stack([first // cols + 1, first % cols + 1])  # padded coordinates of the first cell
        a, b = grid[1:-1, 1:-1].flatten()[first], grid[1:-1, 1:-1].flatten()[second]
        gains.append(
            _pair_seams(grid, right, down, at, across, (b, a)) - _pair_seams(grid, right, down, at, across, (a, b))
        )
        firsts.append(first)
        seconds.append(second)
    return torch.cat(gains), torch.cat(firsts), torch.cat(seconds)


def _block_cells(position: int, across: int, height: int, width: int) -> list[tuple[int, int]]:
    """The cells (row, col) of the ``height x width`` block at ``position``, row-major over the ``across`` block
    positions of a row."""
    top, left = divmod(position, across)
    return [(top + i, left + j) for i in range(height) for j in range(width)]


def _footprint(cells: list[tuple[int, int]]) -> set[tuple[int, int]]:
    """The cells and their four neighbours: what a swap's gain depends on."""
    return {(r + dr, c + dc) for r, c in cells for dr, dc in ((0, 0), (1, 0), (-1, 0), (0, 1), (0, -1))}


def _doubtful_cells(grid: Tensor, buddy_right: Tensor, buddy_down: Tensor) -> Tensor:
    """``(R, C)`` bool: cells of the arrangement ``grid`` ``(R, C)`` with :data:`DOUBT` or more seams whose two tiles
    are not each other's best match on that side (``buddy_right``, ``buddy_down``: the ``(N, N)``
    :func:`jigsaw.tiles.seams.best_buddies` of the seam tables, as :func:`jigsaw.tiles.solver.buddy_share` reads
    them)."""
    disagree_across = ~buddy_right[grid[:, :-1], grid[:, 1:]]
    disagree_down = ~buddy_down[grid[:-1], grid[1:]]
    disagreeing = torch.zeros(grid.shape)
    disagreeing[:, :-1] += disagree_across
    disagreeing[:, 1:] += disagree_across
    disagreeing[:-1] += disagree_down
    disagreeing[1:] += disagree_down
    return disagreeing >= DOUBT


def padded_grid(placement: Tensor, rows: int, cols: int, outside: int) -> Tensor:
    """The arrangement ``placement`` ``(rows * cols,)`` as a ``(rows + 2, cols + 2)`` grid framed by the tile
    ``outside`` (the extra tile of :func:`_padded`), so that every cell has four neighbours."""
    grid = torch.full((rows + 2, cols + 2), outside, dtype=torch.long)
    grid[1:-1, 1:-1] = placement.view(rows, cols)
    return grid


def _positions_touching(cells: Tensor, height: int, width: int, margin: int) -> Tensor:
    """Block positions (row-major) of a ``height x width`` block whose cells, grown by ``margin``, meet a marked
    cell of ``cells`` ``(R, C)`` bool."""
    padded = torch.nn.functional.pad(cells[None, None].float(), (margin, margin, margin, margin))
    grown = torch.nn.functional.max_pool2d(padded, (height + 2 * margin, width + 2 * margin), stride=1)
    return grown[0, 0].flatten().nonzero().flatten()


def refine(
    placement: Tensor, rows: int, cols: int, right: Tensor, down: Tensor, buddy_right: Tensor, buddy_down: Tensor
) -> Tensor:
    """Swap tiles and blocks of tiles of the arrangement ``placement`` ``(rows * cols,)`` while that lowers its total
    seam dissimilarity under the tables ``right``, ``down`` ``(N, N)`` (``inf`` on the diagonal, as
    :func:`jigsaw.tiles.seams.dissimilarities` gives them; ``buddy_right``, ``buddy_down`` their
    :func:`jigsaw.tiles.seams.best_buddies`); returns the mended placement.

    Only doubtful tiles move: a block takes part in a swap only where it holds a tile whose seams mostly disagree
    with it (:func:`_doubtful_cells`; for two neighbouring tiles, one of them), so a region where the seams agree is
    never broken up to patch a wrong one. Each round scores the swaps of two non-touching blocks of each of
    :data:`SHAPES` (one of them, after the first round, next to a swap just made: elsewhere the gains are those of
    the round before), and of two neighbouring tiles; then it makes the best ones whose cells and neighbours do not
    overlap, so each one's gain is still exact when it is made. The total falls in every round; the search stops
    when no swap lowers it."""
    right, down = _padded(right), _padded(down)
    grid = padded_grid(placement, rows, cols, len(right) - 1)
    tables = (right, down, right.T.contiguous(), down.T.contiguous())
    changed: Tensor | None = None  # cells a swap of the last round changed, or their neighbours
    for _ in range(MAX_ROUNDS):
        doubtful = _doubtful_cells(grid[1:-1, 1:-1], buddy_right, buddy_down)
        moves: list[tuple[float, list[tuple[int, int]], list[tuple[int, int]]]] = []
        for height, width in SHAPES:
            if height > rows or width > cols:
                continue
            others = _positions_touching(doubtful, height, width, 0)
            some = (
                others
                if changed is None
                else others[torch.isin(others, _positions_touching(changed, height, width, 1))]
            )
            if not len(some) or not len(others):
                continue
            gains = _block_swap_gains(grid, tables, height, width, some, others)
            best_moves = gains.flatten().topk(min(MOVES_PER_SHAPE, gains.numel()), largest=False)
            across = cols - width + 1
            for gain, at in zip(best_moves.values.tolist(), best_moves.indices.tolist()):
                if gain >= -MIN_GAIN:
                    break
                one, other = divmod(at, len(others))
                one_block, other_block = (
                    _block_cells(int(k), across, height, width) for k in (some[one], others[other])
                )
                moves.append((gain, one_block, other_block))
        gains, first, second = _neighbour_swap_gains(grid, right, down)
        for gain, a, b in zip(gains.tolist(), first.tolist(), second.tolist()):
            if gain < -MIN_GAIN and (doubtful.flatten()[a] or doubtful.flatten()[b]):
                moves.append((gain, [divmod(a, cols)], [divmod(b, cols)]))
        if not moves:
            break
        taken: set[tuple[int, int]] = set()
        for _, one_block, other_block in sorted(moves, key=lambda move: move[0]):
            cells = _footprint(one_block + other_block)
            if cells & taken:
                continue
            taken |= cells
            before = [int(grid[r + 1, c + 1]) for r, c in one_block]
            for (r, c), (r2, c2) in zip(one_block, other_block):
                grid[r + 1, c + 1] = grid[r2 + 1, c2 + 1]
            for (r2, c2), tile in zip(other_block, before):
                grid[r2 + 1, c2 + 1] = tile
        changed = torch.zeros(rows, cols, dtype=torch.bool)
        for r, c in taken:
            if 0 <= r < rows and 0 <= c < cols:
                changed[r, c] = True
    return grid[1:-1, 1:-1].flatten()
