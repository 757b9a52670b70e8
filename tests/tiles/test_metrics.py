import math

import pytest
import torch

from jigsaw.tiles.grid import cut
from jigsaw.tiles.metrics import (
    answer_psnr,
    direct_accuracy,
    nearly_direct_accuracy,
    neighbour_accuracy,
    neighbours_kept,
    turned_accuracies,
    without_duplicate_swaps,
)


def test_tile_accuracies_on_hand_made_arrangements():
    identity = torch.arange(6)  # a 2x3 grid: 0 1 2 / 3 4 5
    assert direct_accuracy(identity) == 1.0 and neighbour_accuracy(identity, 2, 3) == 1.0
    swapped_rows = torch.tensor([3, 4, 5, 0, 1, 2])  # rows exchanged: horizontal pairs kept, vertical ones broken
    assert direct_accuracy(swapped_rows) == 0.0
    assert neighbour_accuracy(swapped_rows, 2, 3) == pytest.approx(4 / 7)
    shifted = torch.tensor([2, 0, 1, 5, 3, 4])  # columns rotated by one: pairs 0-1 and 3-4 kept, all vertical kept
    assert neighbour_accuracy(shifted, 2, 3) == pytest.approx(5 / 7)
    assert direct_accuracy(torch.tensor([0, 2, 1, 3, 4, 5])) == pytest.approx(4 / 6)


def test_neighbours_kept_says_which_original_pairs_survive():
    shifted = torch.tensor([2, 0, 1, 5, 3, 4])  # 2x3, columns rotated by one
    right, down = neighbours_kept(shifted, 2, 3)
    assert right.tolist() == [[True, False], [True, False]]  # 0-1 and 3-4 kept, 1-2 and 4-5 broken
    assert down.tolist() == [[True, True, True]]


def test_swapping_identical_tiles_is_not_an_error():
    tiles = torch.rand(6, 1, 2, 2, generator=torch.Generator().manual_seed(0))
    tiles[1] = tiles[4] = tiles[5] = 0.0  # three identical flat tiles
    swapped = torch.tensor([0, 4, 2, 3, 5, 1])  # the flat tiles trade places: the picture is unchanged
    assert direct_accuracy(swapped) == pytest.approx(3 / 6)
    fixed = without_duplicate_swaps(swapped, tiles)
    assert fixed.tolist() == list(range(6))
    assert neighbour_accuracy(fixed, 2, 3) == 1.0
    # a flat tile in a textured tile's cell is a real error, and the arrangement stays a permutation
    wrong = torch.tensor([1, 0, 2, 3, 5, 4])
    fixed = without_duplicate_swaps(wrong, tiles)
    assert sorted(fixed.tolist()) == list(range(6))
    assert torch.equal(tiles[fixed], tiles[wrong])  # the same picture
    assert direct_accuracy(fixed) == pytest.approx(4 / 6)


def test_a_turned_tile_in_its_own_cell_is_not_direct_correct():
    tiles = torch.rand(4, 1, 3, 3, generator=torch.Generator().manual_seed(0))  # no tile looks the same turned
    direct, neighbour, whole = turned_accuracies(torch.arange(4), torch.tensor([0, 1, 0, 0]), 2, 2, tiles)
    assert direct == 0.75 and whole == 0
    assert neighbour == 0.5  # of the 4 pairs, the two that touch tile 1 are lost


def test_a_solution_turned_as_a_whole_scores_as_its_best_turn():
    rows, cols = 2, 3
    tiles = torch.rand(6, 1, 3, 3, generator=torch.Generator().manual_seed(1))
    # the true picture turned by 180 degrees: cell k shows tile 5 - k, itself turned twice
    direct, neighbour, whole = turned_accuracies(torch.arange(6).flip(0), torch.full((6,), 2), rows, cols, tiles)
    assert (direct, neighbour, whole) == (1.0, 1.0, 2)


def test_a_flat_tile_counts_as_upright_in_any_turn():
    tiles = torch.rand(4, 1, 3, 3, generator=torch.Generator().manual_seed(2))
    tiles[2] = 0.5
    assert turned_accuracies(torch.arange(4), torch.tensor([0, 0, 3, 0]), 2, 2, tiles)[:2] == (1.0, 1.0)


def test_nearly_direct_accuracy_counts_tiles_within_the_tolerance_as_in_place():
    tiles = torch.zeros(4, 3, 2, 2)
    tiles[1, 0, 0, 0] = 2 / 255  # tile 1 differs from tile 0 by 2 grey levels in one pixel
    tiles[2] = 1.0
    tiles[3] = 0.5
    swapped = torch.tensor([1, 0, 3, 2])  # 0 and 1 nearly identical, 2 and 3 not
    assert nearly_direct_accuracy(swapped, tiles, 2) == 0.5
    assert nearly_direct_accuracy(swapped, tiles, 1) == 0.0
    assert nearly_direct_accuracy(torch.arange(4), tiles, 0) == 1.0


def test_the_answer_psnr_is_100_db_for_the_picture_or_the_picture_turned_and_falls_with_the_error():
    rows, cols = 2, 3
    tiles = torch.rand(6, 1, 3, 3, generator=torch.Generator().manual_seed(1))
    assert answer_psnr(torch.arange(6), tiles, rows, cols) == 100.0
    # the true picture turned by 180 degrees, every tile turned with it: the same picture at its best whole turn
    assert answer_psnr(torch.arange(6).flip(0), tiles, rows, cols, torch.full((6,), 2)) == 100.0
    near, far = tiles.clone(), tiles.clone()
    near[1] = near[0] + 2 / 255  # tiles 0 and 1 two grey levels apart
    far[1] = 1 - far[0]
    swapped = torch.tensor([1, 0, 2, 3, 4, 5])
    expected = 10 * math.log10(1 / ((2 / 255) ** 2 * 2 / 6))  # two of six tiles off by two grey levels
    assert answer_psnr(swapped, near, rows, cols) == pytest.approx(expected)
    assert answer_psnr(swapped, far, rows, cols) < answer_psnr(swapped, near, rows, cols) - 20
    assert answer_psnr(torch.arange(6), tiles, rows, cols, torch.tensor([0, 1, 0, 0, 0, 0])) < 100.0


@pytest.mark.parametrize("quarter_turns", [1, 2, 3])
def test_the_answer_psnr_of_a_square_picture_turned_as_a_whole_is_100_db(quarter_turns):
    image = torch.rand(1, 6, 6, generator=torch.Generator().manual_seed(quarter_turns))
    tiles = cut(image, 2, 2)
    shown = cut(torch.rot90(image, quarter_turns, dims=(-2, -1)), 2, 2)  # what each cell of the turned picture shows
    arrangement, turns = zip(
        *[
            next((i, q) for i in range(4) for q in range(4) if torch.equal(torch.rot90(tiles[i], q, (-2, -1)), cell))
            for cell in shown
        ]
    )
    assert answer_psnr(torch.tensor(arrangement), tiles, 2, 2, torch.tensor(turns)) == 100.0
