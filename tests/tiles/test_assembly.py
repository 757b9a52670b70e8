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


def test_with_turned_tiles_each_frame_grows_from_the_other_frames_block_too(monkeypatch):
    """A block of turned tiles may come together in either quarter orientation: the block found in the transposed
    frame is grown from in the frame itself (and the other way round) wherever it fits."""
    import jigsaw.tiles.assembly as assembly
    from jigsaw.progress import SILENT
    from jigsaw.tiles.seams import oriented_dissimilarities

    rows, cols = 3, 4
    tiles = cut(torch.rand(3, 3 * 8, 4 * 8, generator=torch.Generator().manual_seed(0)), rows, cols)
    table = DenseTable(*oriented_dissimilarities(tiles), 4)
    wide = {4 * t: (0, t) for t in range(3)}  # a 1x3 block: fits both frames
    tall = {4 * t + 1: (t, 0) for t in range(4, 8)}  # a 4x1 block: fits only the transposed 4x3 frame
    monkeypatch.setattr(assembly, "consistent_block", lambda table, r, c, seams=None: wide if r == rows else tall)
    grown = []
    real_fill = assembly.fill

    def recording_fill(growth, block, anchor=None):
        grown.append(((growth.rows, growth.cols), min(block)))
        return real_fill(growth, block, anchor)

    monkeypatch.setattr(assembly, "fill", recording_fill)
    assembly.assemble(table, rows, cols, 1, SILENT)
    assert ((rows, cols), min(wide)) in grown and ((cols, rows), min(tall)) in grown  # each frame's own block
    assert ((cols, rows), min(wide)) in grown  # the 3x4 frame's block in the transposed frame: it fits
    assert ((rows, cols), min(tall)) not in grown  # a 4-tall block does not fit 3 rows


def test_an_answer_grown_in_the_transposed_frame_comes_back_turned_into_the_frame(monkeypatch):
    import jigsaw.tiles.assembly as assembly
    from jigsaw.progress import SILENT
    from jigsaw.tiles.seams import oriented_dissimilarities

    rows, cols = 3, 4
    y, x = torch.meshgrid(torch.linspace(0, 1, 24), torch.linspace(0, 1, 32), indexing="ij")
    table = DenseTable(*oriented_dissimilarities(cut(torch.stack([x, y, x * y]), rows, cols)), 4)
    truth = torch.arange(rows * cols) * 4  # every tile upright in its own cell
    sideways = assembly.turned_solution(truth, rows, cols, 3)  # the truth as grown in the 4x3 frame
    wrong = truth.flip(0)
    assert table.seam_cost(truth, rows, cols) < table.seam_cost(wrong, rows, cols)
    monkeypatch.setattr(assembly, "fill", lambda growth, block, anchor=None: sideways if growth.rows == cols else wrong)
    assert torch.equal(assembly.assemble(table, rows, cols, 1, SILENT), truth)


def test_a_block_that_does_not_fit_the_grid_has_no_anchors():
    tall = {t: (t, 0) for t in range(4)}
    assert anchors(tall, 3, 40) == []  # 38 places across, none down: not [None]
    assert anchors(tall, 4, 1) == [(0, 0)]
