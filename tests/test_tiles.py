import pytest
import torch

from jigsaw.errors import JigsawError
from jigsaw.data import skimage_photographs
from jigsaw.tiles import (assemble, best_buddies, confidence, consistent_block, cut, dissimilarities, grid_for_tile_size,
                          parse_grid, shuffle_tiles, solve_image, solve_tiles, unshuffle_tiles)


def test_cut_assemble_round_trip():
    image = torch.rand(3, 12, 20)
    tiles = cut(image, 3, 4)
    assert tiles.shape == (12, 3, 4, 5)
    assert torch.equal(tiles[1 * 4 + 2], image[:, 4:8, 10:15])  # row-major cells
    assert torch.equal(assemble(tiles, 3, 4), image)


def test_shuffle_tiles_is_seeded_and_invertible():
    image = torch.rand(1, 16, 16)
    shuffled, perm = shuffle_tiles(image, 4, 4, seed=3)
    again, _ = shuffle_tiles(image, 4, 4, seed=3)
    assert torch.equal(shuffled, again) and not torch.equal(shuffled, image)
    assert torch.equal(cut(shuffled, 4, 4)[0], cut(image, 4, 4)[perm[0]])
    assert torch.equal(unshuffle_tiles(shuffled, 4, 4, perm), image)


@pytest.mark.parametrize("text,expected", [("4x4", (4, 4)), ("12X16", (12, 16)), (" 2 x 3 ", (2, 3))])
def test_parse_grid(text, expected):
    assert parse_grid(text) == expected


@pytest.mark.parametrize("text", ["0x0", "4", "ax4", "4x0", "-1x3"])
def test_parse_grid_rejects(text):
    with pytest.raises(JigsawError):
        parse_grid(text)


def test_grid_for_tile_size():
    assert grid_for_tile_size(504, 672, 28) == (18, 24)
    with pytest.raises(JigsawError, match="does not divide"):
        grid_for_tile_size(100, 100, 30)
    with pytest.raises(JigsawError, match="larger than"):
        grid_for_tile_size(100, 100, 200)


def test_cut_rejects_uneven_grid():
    with pytest.raises(JigsawError, match="does not divide"):
        cut(torch.rand(1, 10, 10), 3, 3)


def smooth_gradient_image(h=96, w=128):
    y, x = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
    return torch.stack([x, y, (x * y) ** 0.5])


@pytest.mark.parametrize("rows,cols", [(4, 4), (6, 8)])
def test_solver_recovers_a_smooth_gradient_exactly(rows, cols):
    image = smooth_gradient_image()
    shuffled, perm = shuffle_tiles(image, rows, cols, seed=0)
    placement = solve_tiles(cut(shuffled, rows, cols), rows, cols)
    assert torch.equal(perm[placement], torch.arange(rows * cols))
    assert torch.equal(solve_image(shuffled, rows, cols), image)


def test_compatibility_ranks_the_true_neighbour_first_on_a_photo():
    photo = skimage_photographs()["astronaut"]
    rows, cols = 16, 16
    right, down = dissimilarities(cut(photo, rows, cols))
    ids = torch.arange(rows * cols).view(rows, cols)
    left_of, right_of = ids[:, :-1].flatten(), ids[:, 1:].flatten()
    above, below = ids[:-1].flatten(), ids[1:].flatten()
    assert (right[left_of].argmin(1) == right_of).float().mean() > 0.8
    assert (down[above].argmin(1) == below).float().mean() > 0.8


def test_grayscale_photo_solves():
    photo = skimage_photographs()["camera"]
    shuffled, perm = shuffle_tiles(photo, 4, 4, seed=1)
    assert torch.equal(perm[solve_tiles(cut(shuffled, 4, 4), 4, 4)], torch.arange(16))


def test_best_buddies_are_mutual_best_candidates():
    inf = float("inf")
    d = torch.tensor([[inf, 1.0, 5.0], [2.0, inf, 3.0], [4.0, 0.5, inf]])
    # row bests: 0->1, 1->0, 2->1; column bests: col0<-1, col1<-2, col2<-1
    assert best_buddies(d).nonzero().tolist() == [[1, 0], [2, 1]]  # not (0, 1): tile 1 prefers 2 on its left


@pytest.mark.parametrize("rows, cols", [(1, 7), (5, 3), (6, 8)])
@pytest.mark.parametrize("kind", ["noise", "flat"])
def test_solver_returns_a_placement_that_fills_the_grid_for_any_content(rows, cols, kind):
    image = torch.rand(3, rows * 4, cols * 4, generator=torch.Generator().manual_seed(0))
    if kind == "flat":
        image = torch.full_like(image, 0.5)
    placement = solve_tiles(cut(image, rows, cols), rows, cols)
    assert torch.equal(placement.sort().values, torch.arange(rows * cols))


def test_solver_recovers_a_textured_photo_exactly():
    photo = skimage_photographs()["chelsea"][:, :288, :448]
    shuffled, perm = shuffle_tiles(photo, 9, 14, seed=0)
    assert torch.equal(perm[solve_tiles(cut(shuffled, 9, 14), 9, 14)], torch.arange(9 * 14))


def block_of(image, rows, cols, seed=0):
    shuffled, perm = shuffle_tiles(image, rows, cols, seed)
    right, down = dissimilarities(cut(shuffled, rows, cols))
    return consistent_block(confidence(right), confidence(down), rows, cols), perm


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
    from jigsaw.tiles import _anchors, _grow

    rows, cols = 3, 4
    right, down = dissimilarities(torch.rand(rows * cols, 3, 4, 4, generator=torch.Generator().manual_seed(2)))
    pairs = (confidence(right), confidence(down), best_buddies(right), best_buddies(down))
    block = {5: (7, 7), 6: (7, 8), 9: (8, 8)}  # an L of three tiles, 2 rows x 2 columns
    assert _anchors(block, rows, cols) == [(r, c) for r in range(2) for c in range(3)]
    grid = _grow(block, rows, cols, pairs, anchor=(1, 2)).view(rows, cols)
    assert (grid[1, 2], grid[1, 3], grid[2, 3]) == (5, 6, 9)
    assert torch.equal(grid.flatten().sort().values, torch.arange(rows * cols))


def test_solve_rejects_wrong_tile_count():
    with pytest.raises(JigsawError, match="do not fill"):
        solve_tiles(torch.rand(5, 1, 4, 4), 2, 3)
