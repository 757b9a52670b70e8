"""Mending a learned placement by the pieces' seams: exact swap gains, an objective that only rises, seams that put
back what the scores cannot tell apart, and a bundled seam weight that is checked."""

import itertools
import math

import pytest
import torch
from typer.testing import CliRunner

from jigsaw.checkpoint import load_checkpoint, save_checkpoint
from jigsaw.cli import app
from jigsaw.errors import JigsawError
from jigsaw.files import read_image, write_image
from jigsaw.pieces.mending import MIN_GAIN, mend, objective, seam_costs, swap_gains
from jigsaw.pieces.model import assemble_pieces, cut_pieces
from jigsaw.pieces.run import (
    KIND,
    PieceSolverConfig,
    PieceSolverRun,
    choose_seam_weight,
    shuffled_pieces,
    solve_pieces,
)
from jigsaw.pieces.solve import load_piece_solver, solve_piece_puzzle

runner = CliRunner()


def puzzle(seed: int, batch: int = 3, grid: int = 3, side: int = 4):
    generator = torch.Generator().manual_seed(seed)
    pieces = grid * grid
    scores = torch.randn(batch, pieces, pieces, generator=generator, dtype=torch.float64)
    shuffled = torch.rand(batch, pieces, 1, side, side, generator=generator, dtype=torch.float64)
    placements = torch.stack([torch.randperm(pieces, generator=generator) for _ in range(batch)])
    return scores, shuffled, placements


def test_every_swap_gain_is_the_change_of_the_objective():
    scores, pieces, placements = puzzle(0)
    right, down = seam_costs(pieces)
    gains = swap_gains(scores, right, down, placements, 0.7)
    before = objective(scores, right, down, placements, 0.7)
    for i, k in itertools.permutations(range(placements.shape[1]), 2):  # neighbours and not
        swapped = placements.clone()
        swapped[:, [i, k]] = swapped[:, [k, i]]
        after = objective(scores, right, down, swapped, 0.7)
        assert torch.allclose(after - before, gains[:, i, k], atol=1e-10), (i, k)


def test_mending_only_raises_the_objective_and_stops_where_no_swap_gains():
    scores, pieces, placements = puzzle(1, batch=5)
    right, down = seam_costs(pieces)
    mended = mend(scores, pieces, placements, 1.0)
    assert all(sorted(row.tolist()) == list(range(9)) for row in mended)
    assert (objective(scores, right, down, mended, 1.0) > objective(scores, right, down, placements, 1.0)).all()
    assert swap_gains(scores, right, down, mended, 1.0).max() <= MIN_GAIN


def test_the_seams_put_back_pieces_the_scores_cannot_tell_apart():
    side, grid = 16, 4
    y, x = torch.meshgrid(torch.arange(side * 1.0), torch.arange(side * 1.0), indexing="ij")
    image = (0.5 + 0.25 * torch.sin(x / 3) + 0.2 * torch.cos(y / 4 + x / 7)).view(1, 1, side, side)
    pieces = cut_pieces(image, grid)
    scores = torch.zeros(1, grid * grid, grid * grid)  # no opinion: the frame's place is the seams' to find
    scores[0, 0, 0] = scores[0, -1, -1] = 1.0  # but for two corners, to fix the picture's place
    wrong = torch.arange(grid * grid)
    wrong[[5, 10]], wrong[[6, 9]] = wrong[[10, 5]], wrong[[9, 6]]
    assert torch.equal(mend(scores, pieces, wrong[None], 1.0)[0], torch.arange(grid * grid))
    assert torch.equal(mend(scores, pieces, wrong[None], 0.0)[0], wrong)  # without the seams, nothing moves


def test_the_seam_weight_is_chosen_only_up_to_seven_by_seven(mnist_test):
    model = PieceSolverConfig(grid=14).network()
    assert choose_seam_weight(model, mnist_test[0][:2], 14) == (0.0, {})
    weight, tried = choose_seam_weight(PieceSolverConfig(grid=4).network(), mnist_test[0][:50], 4)
    assert sorted(tried) == [0.0, 0.3, 1.0, 3.0] and tried[weight] == max(tried.values())


@pytest.mark.parametrize("weight", [-1.0, "1", math.inf, True])
def test_a_bad_seam_weight_in_a_model_is_one_sentence(tmp_path, weight):
    path = tmp_path / "model.pt"
    PieceSolverRun(PieceSolverConfig(grid=2)).save(path)
    payload = load_checkpoint(path, KIND)
    save_checkpoint(path, KIND, payload["config"], payload["state_dict"], {"seam_weight": weight})
    with pytest.raises(JigsawError, match="meta 'seam_weight' must be a number of at least 0"):
        load_piece_solver(path)
    save_checkpoint(path, KIND, payload["config"], payload["state_dict"], {"seam_weight": 3})
    assert load_piece_solver(path)[2] == 3.0


def test_solve_mends_with_the_weight_the_model_carries(tmp_path, mnist_test):
    path = tmp_path / "model.pt"
    PieceSolverRun(PieceSolverConfig(grid=4)).save(path)  # untrained: its scores alone place badly
    payload = load_checkpoint(path, KIND)
    save_checkpoint(path, KIND, payload["config"], payload["state_dict"], {"seam_weight": 3.0})
    image = mnist_test[0][:1]
    _, shuffled = shuffled_pieces(image, 4, torch.Generator().manual_seed(0))
    model, config, weight = load_piece_solver(path)
    expected = assemble_pieces(
        shuffled[:, solve_pieces(model, assemble_pieces(shuffled, 4), 4, seam_weight=weight)[0]], 4
    )
    unmended = assemble_pieces(shuffled[:, solve_pieces(model, assemble_pieces(shuffled, 4), 4)[0]], 4)
    assert not torch.equal(expected, unmended)
    assert torch.equal(solve_piece_puzzle(assemble_pieces(shuffled, 4)[0], 4, 4, path), expected[0])


def test_the_cli_mends_with_the_weight_it_is_given(tmp_path, mnist_test):
    path = tmp_path / "model.pt"
    PieceSolverRun(PieceSolverConfig(grid=4)).save(path)  # no weight of its own: not mended unless told
    _, shuffled = shuffled_pieces(mnist_test[0][:1], 4, torch.Generator().manual_seed(0))
    puzzle = tmp_path / "p.png"
    write_image(assemble_pieces(shuffled, 4)[0], puzzle, metadata={"jigsaw-mode": "tiles", "jigsaw-grid": "4x4"})
    shown = read_image(puzzle)
    solved = {}
    for weight in (None, "3"):
        out = tmp_path / f"s{weight}.png"
        extra = [] if weight is None else ["--seam-weight", weight]
        result = runner.invoke(
            app, ["solve", str(puzzle), "--method", "learned", "--model", str(path), "--out", str(out), *extra]
        )
        assert result.exit_code == 0, result.output
        solved[weight] = read_image(out)
    assert torch.equal(solved[None], solve_piece_puzzle(shown, 4, 4, path, seam_weight=0.0))
    assert torch.equal(solved["3"], solve_piece_puzzle(shown, 4, 4, path, seam_weight=3.0))
    assert not torch.equal(solved[None], solved["3"])


@pytest.mark.parametrize(
    "args,message",
    [
        (["--method", "seams", "--seam-weight", "1"], "--seam-weight is for one puzzle solved with --method learned"),
        (["--method", "learned", "--seam-weight", "inf"], "the seam weight must be a number of at least 0, not inf"),
        (["--method", "learned", "--seam-weight", "nan"], None),  # Typer's own refusal, as for -1
        (["--seam-weight", "-1"], None),
    ],
)
def test_a_seam_weight_where_nothing_is_mended_or_not_a_number_from_zero_is_refused(tmp_path, args, message):
    puzzle = tmp_path / "p.png"
    write_image(torch.rand(1, 28, 28), puzzle, metadata={"jigsaw-mode": "tiles", "jigsaw-grid": "4x4"})
    model = tmp_path / "model.pt"
    PieceSolverRun(PieceSolverConfig(grid=4)).save(model)
    result = runner.invoke(app, ["solve", str(puzzle), "--out", str(tmp_path / "s.png"), "--model", str(model), *args])
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    if message is None:
        assert "--seam-weight" in result.output, result.output
    else:
        assert message in result.output and result.output.strip().count("\n") == 0, result.output
    assert not (tmp_path / "s.png").exists()
