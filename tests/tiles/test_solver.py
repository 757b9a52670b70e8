import pytest
import torch

from jigsaw.errors import JigsawError
from jigsaw.files import crop_to_multiple, jpeg_round_trip, skimage_photographs
from jigsaw.tiles.assembly import turned_solution
from jigsaw.tiles.grid import cut, shuffle_and_turn_tiles, shuffle_tiles
from jigsaw.tiles.metrics import neighbour_accuracy, turned_accuracies
from jigsaw.tiles.solver import complete, solve_image, solve_puzzle, solve_tiles, upright_turn


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


def test_grayscale_photo_solves():
    photo = skimage_photographs()["camera"]
    shuffled, perm = shuffle_tiles(photo, 4, 4, seed=1)
    assert torch.equal(perm[solve_tiles(cut(shuffled, 4, 4), 4, 4)], torch.arange(16))


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


def test_complete_keeps_the_given_tiles_where_they_were_given():
    rows, cols = 6, 8
    shuffled, perm = shuffle_tiles(smooth_gradient_image(), rows, cols, seed=0)
    where = perm.argsort()  # original tile -> index among the shuffled tiles
    given = {int(where[r * cols + c]): (r, c) for r in (3, 4) for c in range(2, 5)}  # a block off the corner
    placement = complete(cut(shuffled, rows, cols), rows, cols, given)
    assert all(int(placement[r * cols + c]) == tile for tile, (r, c) in given.items())
    assert torch.equal(perm[placement], torch.arange(rows * cols))  # and the gradient's rest follows
    for bad in ({}, {0: (rows, 0)}):
        with pytest.raises(JigsawError, match="at least one tile"):
            complete(cut(shuffled, rows, cols), rows, cols, bad)


def test_solve_refuses_what_would_not_fit_in_memory_and_nothing_else(monkeypatch):
    from jigsaw.tiles import solver

    assert solver.memory_needed(25_760) > 30 * 2**30  # a 3,300-set image in 10-pixel tiles: about 35 GiB in N x N
    monkeypatch.setattr(solver, "available_memory", lambda: 2**27)  # 128 MiB
    # too large for N x N tables, and for candidate lists in 128 MiB: refused before any work
    with pytest.raises(JigsawError, match=r"40,000 tiles need about 1.5 GiB to solve .* has 0.1 GiB free"):
        solve_tiles(torch.zeros(40_000, 1, 2, 2), 200, 200)
    monkeypatch.setattr(solver, "available_memory", lambda: 2 * 2**30)
    # turned tiles: 160,000 candidates would need 1,335 GiB in N x N tables; their candidate lists need 6 GiB
    with pytest.raises(JigsawError, match=r"40,000 tiles need about 6.0 GiB .* has 2.0 GiB free"):
        solve_tiles(torch.zeros(40_000, 1, 2, 2), 200, 200, turns=True)
    assert solver.fits(6_000) and not solver.fits(7_000)  # 1.9 GiB fits in 2 GiB, 2.6 GiB does not
    monkeypatch.setattr(solver, "available_memory", lambda: None)  # unknown: nothing refused
    assert solver.fits(40_000)


def test_solve_rejects_wrong_tile_count():
    with pytest.raises(JigsawError, match="do not fill"):
        solve_tiles(torch.rand(5, 1, 4, 4), 2, 3)


def test_a_jpeg_puzzle_solves_by_brightness_where_colour_fails():
    """JPEG keeps brightness sharp and blurs colour across the seams: chelsea in 28-pixel tiles, saved at quality
    90, solves exactly by brightness (lossy=True) and not by the colour measure of lossless puzzles."""
    photo = crop_to_multiple(skimage_photographs()["chelsea"], 28, 28)
    rows, cols = photo.shape[1] // 28, photo.shape[2] // 28
    shuffled, perm = shuffle_tiles(photo, rows, cols, seed=0)
    tiles = cut(jpeg_round_trip(shuffled, 90), rows, cols)
    accuracy = lambda lossy: neighbour_accuracy(perm[solve_tiles(tiles, rows, cols, lossy=lossy)], rows, cols)
    assert accuracy(lossy=True) == 1.0
    assert accuracy(lossy=False) < 0.8


def brighter_on_top(h=96, w=128):
    """A smooth picture that is brightest at its top (the upright rule's assumption) and differs left to right."""
    y, x = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
    return torch.stack([1 - 0.8 * y, (1 - y) * (0.3 + 0.7 * x), 0.5 + 0.4 * x * (1 - y) ** 2])


@pytest.mark.parametrize("rows,cols", [(4, 4), (3, 4)])
def test_turned_tiles_of_a_smooth_picture_solve_exactly_and_upright(rows, cols):
    image = brighter_on_top(96, 96 * cols // rows)
    puzzle, perm, turned = shuffle_and_turn_tiles(image, rows, cols, seed=0)
    assert turned.unique().numel() == 4  # every orientation occurs
    placement = solve_tiles(cut(puzzle, rows, cols), rows, cols, turns=True)
    shown, extra = placement // 4, placement % 4
    direct, neighbour, whole = turned_accuracies(
        perm[shown], (turned[shown] + extra) % 4, rows, cols, cut(image, rows, cols)
    )
    assert (direct, neighbour, whole) == (1.0, 1.0, 0)
    assert torch.equal(solve_puzzle(puzzle, rows, cols, turns=True).image, image)


def test_the_upright_turn_puts_the_bright_side_on_top():
    image = brighter_on_top(64, 64)
    tiles = cut(image, 2, 2)
    upside_down = turned_solution(torch.arange(4) * 4, 2, 2, 2)  # the true solution turned by 180 degrees
    assert upright_turn(upside_down, 2, 2, tiles) == 2
    assert torch.equal(turned_solution(upside_down, 2, 2, 2), torch.arange(4) * 4)


def test_turns_need_square_tiles():
    with pytest.raises(JigsawError, match="only square tiles"):
        solve_tiles(torch.rand(4, 3, 8, 10), 2, 2, turns=True)


class CountingProgress:
    """Records, at every unit of work, how many units were counted and the total then announced."""

    def __init__(self):
        self.total, self.count, self.seen = None, 0, []

    def start(self, total, label=None):
        if total is not None:  # None: the same total, a new label (as the CLI's bar takes it)
            self.total = total

    def advance(self, label=None):
        self.count += 1
        self.seen.append((self.count, self.total))

    def epoch(self, record):
        pass


def test_progress_never_counts_past_its_total_with_turned_tiles_in_a_non_square_frame():
    from skimage import data as samples

    from jigsaw.tiles.solver import solve_tiles_with_confidence

    picture = torch.from_numpy(samples.coffee()[:192, :256].copy()).permute(2, 0, 1).float() / 255  # 3x4 tiles of 64
    shuffled, _, _ = shuffle_and_turn_tiles(picture, 3, 4, seed=11, turn=True)
    progress = CountingProgress()
    solve_tiles_with_confidence(cut(shuffled, 3, 4), 3, 4, progress=progress, turns=True)
    assert progress.count > 10  # both frames grew
    assert all(count <= total for count, total in progress.seen), progress.seen


def test_a_confident_answer_keeps_its_segments_where_they_are(monkeypatch):
    import jigsaw.tiles.solver as solver

    def refuse(*args):
        raise AssertionError("moved the segments of a confident answer")

    monkeypatch.setattr(solver, "move_segments", refuse)
    image = smooth_gradient_image()
    shuffled, perm = shuffle_tiles(image, 6, 8, seed=0)
    placement, confidence = solver.solve_tiles_with_confidence(cut(shuffled, 6, 8), 6, 8)
    assert confidence >= solver.MOVED_BELOW
    assert torch.equal(perm[placement], torch.arange(48))
    monkeypatch.setattr(solver, "MOVED_BELOW", 1.01)  # every answer is moved now
    with pytest.raises(AssertionError, match="moved the segments"):
        solver.solve_tiles_with_confidence(cut(shuffled, 6, 8), 6, 8)
