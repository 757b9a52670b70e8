"""The segment stage: an answer cut into the segments its trusted seams hold together, its largest segment moved
to the other places it could take in the frame (with turned tiles, turned by quarter turns as a whole too) and the
rest grown again around it, while the total seam cost falls.

Growth places a block where its first tiles pointed; when a large correct segment comes together in the wrong part
of the frame (a picture shifted sideways, the columns it pushed out piled up on the other side), no swap of small
blocks (:mod:`jigsaw.tiles.refine`) can move it back; with turned tiles a segment can also come together turned by
a quarter inside the frame (a tree against a flat sky, whose seams say nothing of which way is up). Moving (and
turning) the whole segment can: the seams it then gains with the tiles grown around it are compared, as a total,
with the answer's. In the spirit of Gallagher's (2012) trimming and filling and Paikin & Tal's (2015) segments; here
a segment is a component of seams whose two tiles are each other's best buddies.
"""

from __future__ import annotations

import numpy as np
import torch
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from torch import Tensor

from jigsaw.progress import SILENT, Progress
from jigsaw.tiles.assembly import Block, CostTable, extent, fill, turned_candidates
from jigsaw.tiles.seams import TURNS

MAX_ROUNDS = 3
"""Rounds of moving the largest segment; each must lower the total seam cost, so this only bounds the time."""

MIN_GAIN = 1e-3
"""The least relative fall in the total seam cost that makes a moved answer the new one: below it, two answers
differ by ties of near-identical tiles, not by a segment in the wrong place."""


def segment_labels(joined_across: Tensor, joined_down: Tensor) -> Tensor:
    """``(rows, cols)`` component labels of a grid whose neighbouring cells are joined where ``joined_across``
    ``(rows, cols - 1)`` or ``joined_down`` ``(rows - 1, cols)`` say so."""
    rows, cols = joined_across.shape[0], joined_down.shape[1]
    cell = np.arange(rows * cols).reshape(rows, cols)
    across, down = joined_across.numpy(), joined_down.numpy()
    first = np.concatenate([cell[:, :-1][across], cell[:-1][down]])
    second = np.concatenate([cell[:, 1:][across], cell[1:][down]])
    graph = coo_matrix((np.ones(len(first)), (first, second)), shape=(rows * cols, rows * cols))
    return torch.from_numpy(connected_components(graph, directed=False)[1].reshape(rows, cols))


def largest_segment(table: CostTable, placement: Tensor, rows: int, cols: int) -> Block:
    """The largest set of cells of ``placement`` joined by best-buddy seams, as tile -> (row, col) in the frame."""
    labels = segment_labels(*table.buddy_seams(placement, rows, cols))
    largest = int(labels.flatten().bincount().argmax())
    grid = placement.view(rows, cols)
    return {int(grid[r, c]): (r, c) for r, c in (labels == largest).nonzero().tolist()}


def places(block: Block, rows: int, cols: int) -> list[tuple[int, int]]:
    """Where ``block``'s top-left corner may go instead of where it is: flush against each edge of the frame straight
    from where it is, and into the four corners — where a segment that growth pushed away from the frame's edges
    (the tiles of a missing edge piled up on the other side) goes back to. At most eight places, a growth each."""
    top, left, height, width = extent(list(block.values()))
    bottom, right = rows - height, cols - width
    options = [(top, 0), (top, right), (0, left), (bottom, left), (0, 0), (0, right), (bottom, 0), (bottom, right)]
    return sorted(set(options) - {(top, left)})


def turned_block(block: Block, quarter_turns: int) -> Block:
    """``block`` of turned-tile candidates (``4 t + q``) turned as a whole by ``quarter_turns`` counter-clockwise,
    as :func:`jigsaw.tiles.assembly.turned_solution` turns a whole solution: each tile's own turn grows by as much.
    Its top-left corner stays where it was."""
    top, left, height, width = extent(list(block.values()))
    candidates = turned_candidates(torch.tensor(list(block)), quarter_turns).tolist()
    positions = []
    for r, c in block.values():
        r, c, h, w = r - top, c - left, height, width
        for _ in range(quarter_turns % TURNS):  # one turn: (r, c) of an h x w block -> (w - 1 - c, r), w x h
            r, c, h, w = w - 1 - c, r, w, h
        positions.append((top + r, left + c))
    return dict(zip(candidates, positions))


def trimmed(block: Block, rows: int, cols: int) -> Block:
    """``block``, or where it does not fit a ``rows x cols`` frame, its tiles in the frame-sized window that holds the
    most of them (Gallagher's trimming: a segment one tile too long for the frame has a wrong tile at an end)."""
    top, left, height, width = extent(list(block.values()))
    if height <= rows and width <= cols:
        return block
    windows = [
        (r, c)
        for r in range(top, top + max(height - rows, 0) + 1)
        for c in range(left, left + max(width - cols, 0) + 1)
    ]
    inside = lambda r0, c0: {t: (r, c) for t, (r, c) in block.items() if r0 <= r < r0 + rows and c0 <= c < c0 + cols}
    return max((inside(r0, c0) for r0, c0 in windows), key=len)


def moves(block: Block, rows: int, cols: int, copies: int) -> list[tuple[Block, tuple[int, int]]]:
    """Every ``(block, top-left corner)`` the segment stage tries for ``block``: the :func:`places` of the block as it
    is and, with turned tiles (``copies`` > 1), each quarter turn of it (:func:`trimmed` to the frame) where its
    corner now is (pulled inside the frame) and in the frame's four corners — at most 15 more growths per round."""
    options = [(block, at) for at in places(block, rows, cols)]
    for quarter_turns in range(1, TURNS if copies > 1 else 1):
        turned = trimmed(turned_block(block, quarter_turns), rows, cols)
        top, left, height, width = extent(list(turned.values()))
        bottom, right = rows - height, cols - width
        here = (min(top, bottom), min(left, right))
        options += [(turned, at) for at in dict.fromkeys([here, (0, 0), (0, right), (bottom, 0), (bottom, right)])]
    return options


def move_segments(table: CostTable, placement: Tensor, rows: int, cols: int, progress: Progress = SILENT) -> Tensor:
    """``placement``, or the cheaper arrangement grown around its :func:`largest_segment` moved (and, with turned
    tiles, turned) as :func:`moves` says, repeatedly while the total seam cost falls by :data:`MIN_GAIN` (see the
    module's text); ``(rows * cols,)`` as :func:`jigsaw.tiles.assembly.assemble` returns it. ``progress`` is told
    what is under way, not counted: the assembly's total is already reached."""
    cost = table.seam_cost(placement, rows, cols)
    for k in range(MAX_ROUNDS):
        segment = largest_segment(table, placement, rows, cols)
        progress.start(None, f"moving the largest segment ({len(segment)} tiles, round {k + 1})")
        options = [
            fill(table.growth(rows, cols, fixed_frame=True), block, at)
            for block, at in moves(segment, rows, cols, table.copies)
        ]
        costs = [table.seam_cost(option, rows, cols) for option in options]
        best = min(range(len(options)), key=costs.__getitem__, default=None)
        if best is None or costs[best] >= cost * (1 - MIN_GAIN):
            break
        placement, cost = options[best], costs[best]
    return placement
