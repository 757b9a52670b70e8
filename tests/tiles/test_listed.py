"""The listed table (each tile's best partners): the same assembly as the dense table's."""

import pytest
import torch

from jigsaw.files import skimage_photographs
from jigsaw.tiles import solver
from jigsaw.tiles.candidates import candidate_sides
from jigsaw.tiles.grid import cut, shuffle_and_turn_tiles, shuffle_tiles
from jigsaw.tiles.metrics import neighbour_accuracy, turned_accuracies
from jigsaw.tiles.solver import solve_large, solve_tiles

from .test_solver import brighter_on_top, smooth_gradient_image


def test_large_puzzles_keep_only_each_tiles_best_partners(monkeypatch):
    image = smooth_gradient_image()
    shuffled, perm = shuffle_tiles(image, 6, 8, seed=0)
    tiles = cut(shuffled, 6, 8)
    placement, confidence = solve_large(tiles, 6, 8)
    assert torch.equal(perm[placement], torch.arange(48)) and confidence > 0.5
    monkeypatch.setattr(solver, "LARGE_FROM", 48)  # from 48 tiles on, solve_tiles takes the candidate lists
    assert torch.equal(solve_tiles(tiles, 6, 8), placement)


def test_candidate_lists_solve_photos_about_as_the_full_tables_do():
    """Only the tiles on the placed neighbours' lists compete for a cell, so the growth can part ways with the full
    tables' (whose runner-up may lie off every list); on these photos it ends the same or within 4 points."""
    for name, same in (("coffee", True), ("astronaut", False)):
        photo = skimage_photographs()[name]
        photo = photo[:, : photo.shape[1] // 32 * 32, : photo.shape[2] // 32 * 32]
        rows, cols = photo.shape[1] // 32, photo.shape[2] // 32
        shuffled, perm = shuffle_tiles(photo, rows, cols, seed=0)
        tiles = cut(shuffled, rows, cols)
        listed, full = solve_large(tiles, rows, cols, starts=4)[0], solve_tiles(tiles, rows, cols)
        assert torch.equal(listed, full) == same
        listed_accuracy = neighbour_accuracy(perm[listed], rows, cols)
        assert listed_accuracy >= neighbour_accuracy(perm[full], rows, cols) - 0.04


def test_where_every_true_partner_is_listed_both_tables_place_alike():
    """The listed table scores a listed tile exactly as the dense one does: with every tile's true right and lower
    neighbour on its lists, the same assembly gives the same placement on either table."""
    rows, cols = 6, 8
    shuffled, perm = shuffle_tiles(smooth_gradient_image(), rows, cols, seed=3)
    tiles = cut(shuffled, rows, cols)
    right, down = candidate_sides(tiles)
    where = perm.argsort()  # original cell -> shuffled tile
    for k in range(rows * cols):
        if k % cols < cols - 1:
            assert int(where[k + 1]) in right.after[int(where[k])].tolist()
        if k // cols < rows - 1:
            assert int(where[k + cols]) in down.after[int(where[k])].tolist()
    assert torch.equal(solve_large(tiles, rows, cols, starts=4)[0], solve_tiles(tiles, rows, cols))


def test_turned_candidates_never_list_their_own_tile():
    tiles = torch.rand(6, 3, 5, 5, generator=torch.Generator().manual_seed(0))
    for side in candidate_sides(tiles, turns=True):
        own = torch.arange(24)[:, None] // 4
        assert len(side.after) == 24 and not (side.after // 4 == own).any() and not (side.before // 4 == own).any()
        assert torch.isinf(side.raw(torch.tensor([0, 5]), torch.tensor([3, 4]))).all()  # orientations of one tile


@pytest.mark.parametrize("rows,cols", [(4, 4), (3, 4)])
def test_turned_tiles_too_many_for_n_by_n_tables_solve_on_the_lists(monkeypatch, rows, cols):
    """Where the N x N tables of all orientations would not fit, turned tiles go to the listed table: the same
    assembly (both frames of a non-square grid) and the same upright turn."""
    monkeypatch.setattr(solver, "fits", lambda tiles: False)
    image = brighter_on_top(96, 96 * cols // rows)
    puzzle, perm, turned = shuffle_and_turn_tiles(image, rows, cols, seed=0)
    placement = solve_tiles(cut(puzzle, rows, cols), rows, cols, turns=True)
    shown, extra = placement // 4, placement % 4
    direct, neighbour, whole = turned_accuracies(
        perm[shown], (turned[shown] + extra) % 4, rows, cols, cut(image, rows, cols)
    )
    assert (direct, neighbour, whole) == (1.0, 1.0, 0)


def test_turned_lower_seams_read_off_the_right_ones_match_the_full_tables():
    """The lower lists of turned tiles come from the right lists (a lower seam is a right seam turned a quarter):
    they hold the same partners, in the same order of cost, as the N x N tables of all orientations."""
    from jigsaw.tiles.seams import oriented_dissimilarities

    tiles = torch.rand(7, 3, 6, 6, generator=torch.Generator().manual_seed(4))
    _, down = candidate_sides(tiles, turns=True, kept=5)
    _, table = oriented_dissimilarities(tiles)
    expected = table.topk(5, dim=1, largest=False)
    assert torch.equal(down.after, expected.indices)
    assert torch.allclose(down.after_cost, expected.values, rtol=1e-4)
    pairs = torch.tensor([0, 9, 27]), torch.tensor([5, 14, 2])
    assert torch.allclose(down.raw(*pairs), table[pairs], rtol=1e-4)


def test_a_block_of_half_the_tiles_is_the_only_seed_with_turned_tiles_too(monkeypatch):
    """SEEDED_SHARE counts tiles, not their four orientations: a block holding every tile is the only seed."""
    from jigsaw.progress import Callbacks

    monkeypatch.setattr(solver, "fits", lambda tiles: False)
    puzzle, _, _ = shuffle_and_turn_tiles(brighter_on_top(96, 96), 4, 4, seed=0)
    labels: list[str] = []
    solve_tiles(
        cut(puzzle, 4, 4), 4, 4, turns=True, progress=Callbacks(advance=lambda label=None: labels.append(label))
    )
    assert any("growing the block of 16 tiles" in label for label in labels)
    assert not any("distinctive" in label for label in labels)


def test_the_lists_do_not_depend_on_how_many_rows_are_measured_at_a_time(monkeypatch):
    from jigsaw.tiles import candidates

    tiles = torch.rand(60, 3, 6, 6, generator=torch.Generator().manual_seed(0))  # no two seams cost the same
    whole = candidate_sides(tiles, turns=True)
    monkeypatch.setattr(candidates, "BLOCK_BYTES", 8 * 240 * 20)  # 20 rows of the 240 candidates at a time
    assert candidates.block_rows(240) == 20
    for one, other in zip(whole, candidate_sides(tiles, turns=True)):
        for field in ("after", "after_cost", "before", "before_cost"):
            assert torch.equal(getattr(one, field), getattr(other, field)), field
