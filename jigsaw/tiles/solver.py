"""Solving a tile puzzle: the seam costs, the cost table that holds them, the assembly, then moving segments, mending
and the upright turn. Which table: dense ``N x N`` tables (:mod:`jigsaw.tiles.dense`) while they fit, each
candidate's best partners (:mod:`jigsaw.tiles.listed`) from :data:`LARGE_FROM` candidates on; the assembly is the
same on both (:mod:`jigsaw.tiles.assembly`)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from jigsaw.errors import JigsawError
from jigsaw.progress import SILENT, Progress
from jigsaw.tiles.assembly import Block, assemble, buddy_share, extent, fill, progress_units, turned_solution
from jigsaw.tiles.candidates import candidate_sides
from jigsaw.tiles.dense import DenseTable, memory_needed
from jigsaw.tiles.grid import assemble as assemble_tiles
from jigsaw.tiles.grid import cut
from jigsaw.tiles.listed import BYTES_PER_TILE, ListedTable
from jigsaw.tiles.refine import refine
from jigsaw.tiles.seams import TURNS, dissimilarities, oriented, oriented_dissimilarities
from jigsaw.tiles.segments import move_segments


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
"""From this many candidates on (tiles of known orientation, or four orientations per turned tile; or wherever the
N x N tables would not fit), the solver keeps only each candidate's best partners
(:class:`jigsaw.tiles.listed.ListedTable`): measured on tiles of known orientation by
``python benchmarks/bench_tile_scale.py [--large]`` (see ``docs/tiles.md``)."""


def on_candidate_lists(candidates: int) -> bool:
    """Whether a puzzle of ``candidates`` (tiles, or four orientations per turned tile) is solved on candidate lists
    (:data:`LARGE_FROM`)."""
    return candidates >= LARGE_FROM or not fits(candidates)


MENDED_UP_TO = 2_000
"""Answers of up to this many tiles are mended by swaps (:func:`jigsaw.tiles.refine.refine`). Each round of swaps
scores every pair of doubtful positions, so the cost grows with the square of the doubtful share: on the
3,300-piece set it added up to 2 s to a 9 s solve, where the swaps changed the mean neighbour accuracy by +0.2
points (and by -0.2 on the 2,360-piece set). ``python benchmarks/bench_tile_sets.py``; see ``docs/research-log.md``."""


MOVED_BELOW = 0.6
"""Only answers with fewer best-buddy seams than this share have their largest segment moved
(:func:`jigsaw.tiles.segments.move_segments`): right answers have more (and need no growth again), and in a flat
picture a move by the seam total alone can slide a right answer sideways. Measured by ``python
benchmarks/bench_tile_sets.py --moved-below X``; see ``docs/research-log.md``."""


def check_memory(tiles: int, needed: int) -> None:
    """Refuse, before any work, a solve of ``tiles`` tiles that needs ``needed`` bytes where this machine has less
    free."""
    free = available_memory()
    if free is not None and needed > free:
        raise JigsawError(
            f"{tiles:,} tiles need about {needed / 2**30:.1f} GiB to solve and this machine has "
            f"{free / 2**30:.1f} GiB free: use larger tiles or a coarser grid"
        )


SEEDED_SHARE = 0.5
"""On the listed table, a consistent block of at least this share of the tiles is the only seed: growing from single
tiles as well costs a whole growth (a minute at 25,000 tiles) and, from a seed that large, is not what the cheapest
seams choose."""


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
    """Arrange shuffled tiles ``(N, C, h, w)`` on a ``rows x cols`` grid.

    Seam costs are the confidence ratios of :func:`jigsaw.tiles.seams.dissimilarities`, held in a
    :class:`~jigsaw.tiles.dense.DenseTable`; :func:`jigsaw.tiles.assembly.assemble` grows the answer from the
    ``starts`` most distinctive tiles and from the consistent block, and keeps the arrangement whose seams fit best;
    where its confidence is under :data:`MOVED_BELOW`, its largest segment is then moved to the other places it could
    take in the frame while that lowers the total seam cost (:func:`jigsaw.tiles.segments.move_segments`: a picture
    that came together shifted comes back).
    Unless the seams distrust that arrangement (its buddy share under :data:`LOW_CONFIDENCE`), the puzzle is lossy or
    larger than :data:`MENDED_UP_TO` tiles, swaps of tiles and small blocks that lower its total seam cost then mend
    it (:func:`jigsaw.tiles.refine.refine`; not for turned tiles). Returns ``(placement, confidence)``: cell ``k``
    (row-major) gets tile ``placement[k]`` ``(rows * cols,)``, and the share of that placement's seams that join
    mutual best buddies, from the same seam costs. Tiles of a ``lossy`` (JPEG) puzzle are compared by brightness
    alone (see :func:`jigsaw.tiles.seams.dissimilarities`).

    From :data:`LARGE_FROM` candidates on (tiles, or with ``turns`` four orientations of each), or where their
    N x N tables would not fit in free memory, the same assembly runs on each candidate's best partners only
    (:func:`solve_large`), without moving segments or mending (each move grows the rest of the puzzle again).

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
    copies = TURNS if turns else 1
    if on_candidate_lists(n * copies):
        placement, confidence = solve_large(tiles, rows, cols, progress=progress, lossy=lossy, turns=turns)
    else:
        progress.start(progress_units(starts, rows, cols, copies), "seam costs")
        right, down = oriented_dissimilarities(tiles, lossy) if turns else dissimilarities(tiles, lossy)
        table = DenseTable(right, down, copies)
        placement = assemble(table, rows, cols, starts, progress)
        confidence = buddy_share(table, placement, rows, cols)
        if confidence < MOVED_BELOW:
            placement = move_segments(table, placement, rows, cols, progress)
            confidence = buddy_share(table, placement, rows, cols)
        if not (turns or lossy) and n <= MENDED_UP_TO and confidence >= LOW_CONFIDENCE:
            placement = refine(placement, rows, cols, *table.raw, *table.buddies)
            confidence = buddy_share(table, placement, rows, cols)
    if turns:
        placement = turned_solution(placement, rows, cols, upright_turn(placement, rows, cols, tiles))
    return placement, confidence


def solve_large(
    tiles: Tensor,
    rows: int,
    cols: int,
    starts: int = 1,
    progress: Progress = SILENT,
    lossy: bool = False,
    turns: bool = False,
) -> tuple[Tensor, float]:
    """The assembly of :func:`solve_tiles_with_confidence` on a :class:`~jigsaw.tiles.listed.ListedTable`, growing
    from the consistent block and, unless it holds :data:`SEEDED_SHARE` of the tiles, from the ``starts`` most
    distinctive tiles too; not mended, and with ``turns`` not yet turned upright."""
    copies = TURNS if turns else 1
    check_memory(len(tiles), BYTES_PER_TILE * len(tiles) * copies)
    progress.start(progress_units(starts, rows, cols, copies), "seam costs")
    table = ListedTable(*candidate_sides(tiles, lossy, turns=turns), copies)
    placement = assemble(table, rows, cols, starts, progress, seeded_share=SEEDED_SHARE)
    return placement, buddy_share(table, placement, rows, cols)


UPRIGHT_BAND = 1 / 3
"""The top and bottom share of the picture :func:`upright_turn` compares."""


def upright_turn(placement: Tensor, rows: int, cols: int, tiles: Tensor) -> int:
    """The quarter turns (0 or 2, or any of 0-3 on a square grid) that put a solution with turned tiles upright.

    Seams cannot tell: a solution turned as a whole has the same seams. The rule is the photographer's: light comes
    from above, so of the turns that keep the grid's shape, the one whose top third is brightest relative to its
    bottom third (mean over all channels) wins. ``benchmarks/bench_tile_sets.py --rotations`` measures how often
    that is right."""
    picture = assemble_tiles(oriented(tiles)[placement], rows, cols)
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
    top, left, _, _ = extent(list(given.values()))
    return fill(DenseTable(*dissimilarities(tiles)).growth(rows, cols, fixed_frame=True), given, (top, left))


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
    return TileSolution(assemble_tiles(shown, rows, cols), placement, confidence)
