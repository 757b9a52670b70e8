import pytest
import torch

from jigsaw.errors import JigsawError
from jigsaw.tiles.grid import assemble, cut, grid_for_tile_size, parse_grid, shuffle_tiles, unshuffle_tiles


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
