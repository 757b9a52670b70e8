"""The assembly on either cost table: the consistent block, growth pinned at an anchor."""

import pytest
import torch

from jigsaw.files import skimage_photographs
from jigsaw.tiles.assembly import anchors, consistent_block, fill
from jigsaw.tiles.dense import DenseTable
from jigsaw.tiles.grid import cut, shuffle_tiles
from jigsaw.tiles.seams import dissimilarities


def block_of(image, rows, cols, seed=0):
    shuffled, perm = shuffle_tiles(image, rows, cols, seed)
    return consistent_block(DenseTable(*dissimilarities(cut(shuffled, rows, cols))), rows, cols), perm


def test_consistent_block_places_a_photo_s_tiles_as_in_the_photo():
    rows, cols = 9, 14
    block, perm = block_of(skimage_photographs()["chelsea"][:, :288, :448], rows, cols)
    assert len(block) > rows * cols // 2
    # every tile's offset from its true cell is the same: the block is a correct piece of the picture
    offsets = {(int(perm[t]) // cols - r, int(perm[t]) % cols - c) for t, (r, c) in block.items()}
    assert len(offsets) == 1


@pytest.mark.parametrize("rows, cols", [(3, 8), (6, 5)])
def test_consistent_block_never_overlaps_or_outgrows_the_grid(rows, cols):
    block, _ = block_of(torch.rand(3, rows * 4, cols * 4, generator=torch.Generator().manual_seed(1)), rows, cols)
    positions = list(block.values())
    assert len(set(positions)) == len(positions)
    assert max(r for r, _ in positions) - min(r for r, _ in positions) < rows
    assert max(c for _, c in positions) - min(c for _, c in positions) < cols


def test_growth_from_an_anchored_block_keeps_it_where_it_was_pinned():
    rows, cols = 3, 4
    right, down = dissimilarities(torch.rand(rows * cols, 3, 4, 4, generator=torch.Generator().manual_seed(2)))
    table = DenseTable(right, down)
    block = {5: (7, 7), 6: (7, 8), 9: (8, 8)}  # an L of three tiles, 2 rows x 2 columns
    assert anchors(block, rows, cols) == [(r, c) for r in range(2) for c in range(3)]
    grid = fill(table.growth(rows, cols, fixed_frame=True), block, (1, 2)).view(rows, cols)
    assert (grid[1, 2], grid[1, 3], grid[2, 3]) == (5, 6, 9)
    assert torch.equal(grid.flatten().sort().values, torch.arange(rows * cols))
