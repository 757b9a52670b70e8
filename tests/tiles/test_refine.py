import pytest
import torch

from jigsaw.tiles import refine as refining
from jigsaw.tiles.dense import seam_dissimilarity
from jigsaw.tiles.grid import cut, shuffle_tiles
from jigsaw.tiles.refine import SHAPES, refine
from jigsaw.tiles.seams import best_buddies, dissimilarities
from jigsaw.tiles.solver import solve_tiles


def _random_tables(n: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    right, down = torch.rand(n, n, generator=generator), torch.rand(n, n, generator=generator)
    eye = torch.eye(n, dtype=torch.bool)
    return right.masked_fill(eye, float("inf")), down.masked_fill(eye, float("inf"))


def _refine(placement: torch.Tensor, rows: int, cols: int, right: torch.Tensor, down: torch.Tensor) -> torch.Tensor:
    return refine(placement, rows, cols, right, down, best_buddies(right), best_buddies(down))


def _swapped(placement: torch.Tensor, cols: int, one: list, other: list) -> torch.Tensor:
    swapped = placement.clone()
    for (r, c), (r2, c2) in zip(one, other):
        swapped[r * cols + c], swapped[r2 * cols + c2] = placement[r2 * cols + c2], placement[r * cols + c]
    return swapped


@pytest.mark.parametrize("shape", SHAPES)
def test_every_block_swap_gain_is_the_change_in_total_seam_cost(shape):
    rows, cols, (height, width) = 5, 6, shape
    right, down = _random_tables(rows * cols, seed=height * 10 + width)
    placement = torch.randperm(rows * cols, generator=torch.Generator().manual_seed(1))
    grid = refining.padded_grid(placement, rows, cols, rows * cols)
    padded = refining._padded(right), refining._padded(down)
    tables = (*padded, padded[0].T.contiguous(), padded[1].T.contiguous())
    across, positions = cols - width + 1, (rows - height + 1) * (cols - width + 1)
    everywhere = torch.arange(positions)
    gains = refining._block_swap_gains(grid, tables, height, width, everywhere, everywhere)
    block = lambda k: refining._block_cells(k, across, height, width)
    before = seam_dissimilarity(placement, rows, cols, right, down)
    checked = 0
    for p in range(positions):
        for q in range(positions):
            if torch.isinf(gains[p, q]):
                continue
            after = seam_dissimilarity(_swapped(placement, cols, block(p), block(q)), rows, cols, right, down)
            assert float(gains[p, q]) == pytest.approx(after - before, abs=1e-4)
            checked += 1
    assert checked > 0


def test_every_neighbour_swap_gain_is_the_change_in_total_seam_cost():
    rows, cols = 4, 5
    right, down = _random_tables(rows * cols, seed=3)
    placement = torch.randperm(rows * cols, generator=torch.Generator().manual_seed(2))
    grid = refining.padded_grid(placement, rows, cols, rows * cols)
    gains, first, second = refining._neighbour_swap_gains(grid, refining._padded(right), refining._padded(down))
    before = seam_dissimilarity(placement, rows, cols, right, down)
    assert len(gains) == rows * (cols - 1) + (rows - 1) * cols
    for gain, a, b in zip(gains.tolist(), first.tolist(), second.tolist()):
        after = seam_dissimilarity(
            _swapped(placement, cols, [divmod(a, cols)], [divmod(b, cols)]), rows, cols, right, down
        )
        assert gain == pytest.approx(after - before, abs=1e-4)


def test_refine_never_raises_the_total_and_keeps_every_tile_once():
    rows, cols = 6, 7
    right, down = _random_tables(rows * cols, seed=5)
    placement = torch.randperm(rows * cols, generator=torch.Generator().manual_seed(4))
    mended = _refine(placement, rows, cols, right, down)
    assert sorted(mended.tolist()) == list(range(rows * cols))
    assert seam_dissimilarity(mended, rows, cols, right, down) < seam_dissimilarity(placement, rows, cols, right, down)


def test_refine_undoes_swapped_tiles_and_blocks_where_the_seams_know_the_truth():
    """Tables where every true seam costs 0 and every other 1: the truth is the one cheapest arrangement."""
    rows, cols = 6, 8
    n = rows * cols
    truth = torch.arange(n)
    right, down = torch.ones(n, n), torch.ones(n, n)
    ids = truth.view(rows, cols)
    right[ids[:, :-1], ids[:, 1:]] = 0
    down[ids[:-1], ids[1:]] = 0
    eye = torch.eye(n, dtype=torch.bool)
    right, down = right.masked_fill(eye, float("inf")), down.masked_fill(eye, float("inf"))
    spoiled = _swapped(truth, cols, [(0, 0)], [(4, 5)])  # two far-apart tiles
    spoiled = _swapped(spoiled, cols, [(2, 1), (2, 2), (2, 3)], [(5, 1), (5, 2), (5, 3)])  # two runs of three
    spoiled = _swapped(spoiled, cols, [(0, 6)], [(0, 7)])  # two neighbours
    assert torch.equal(_refine(spoiled, rows, cols, right, down), truth)


def test_solver_mends_a_photo_whose_flat_tiles_growth_misplaces(monkeypatch):
    """scikit-image's camera in 28-pixel tiles: growth alone leaves sky tiles out of place (67 % of tiles in their
    cell), the swaps after it put some back (70 %) and leave nothing more to mend."""
    from skimage import data

    from jigsaw.tiles import solver

    image = torch.from_numpy(data.camera()).float()[None, :504, :504] / 255
    rows = cols = 18
    shuffled, perm = shuffle_tiles(image, rows, cols, 0)
    tiles = cut(shuffled, rows, cols)
    right, down = dissimilarities(tiles)
    in_place = lambda placement: float((perm[placement] == torch.arange(rows * cols)).float().mean())
    mended = solve_tiles(tiles, rows, cols)
    monkeypatch.setattr(solver, "refine", lambda placement, *tables: placement)
    grown = solve_tiles(tiles, rows, cols)
    assert in_place(mended) >= in_place(grown) + 0.02
    assert seam_dissimilarity(mended, rows, cols, right, down) < seam_dissimilarity(grown, rows, cols, right, down)
    assert _refine(mended, rows, cols, right, down).tolist() == mended.tolist()  # nothing left to mend


def test_the_solver_does_not_mend_jpeg_puzzles_answers_it_distrusts_or_large_puzzles(monkeypatch):
    """Where the seams are weak (a lossy puzzle, or an answer with few best-buddy seams) lowering their total
    lowers the accuracy with it, and past ``MENDED_UP_TO`` tiles it costs seconds, so the swaps are not run; on a
    clear photo of a size below the limit they are."""
    from skimage import data

    from jigsaw.tiles import solver

    calls = []
    monkeypatch.setattr(solver, "refine", lambda placement, *tables: calls.append(1) or placement)
    photo = torch.from_numpy(data.astronaut()).permute(2, 0, 1).float()[:, :192, :192] / 255
    tiles = cut(shuffle_tiles(photo, 6, 6, 0)[0], 6, 6)
    solve_tiles(tiles, 6, 6, lossy=True)
    assert calls == []
    noise = torch.rand(36, 3, 8, 8, generator=torch.Generator().manual_seed(0))
    assert solver.solve_tiles_with_confidence(noise, 6, 6)[1] < solver.LOW_CONFIDENCE
    assert calls == []
    monkeypatch.setattr(solver, "MENDED_UP_TO", 35)  # and none larger than the limit
    solve_tiles(tiles, 6, 6)
    assert calls == []
    monkeypatch.setattr(solver, "MENDED_UP_TO", 36)
    solve_tiles(tiles, 6, 6)
    assert calls == [1]
