"""Training and solving with the piece solver: it learns, resumes exactly, and refuses puzzles it cannot take."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from PIL import Image
from typer.testing import CliRunner

from jigsaw.cli import app
from jigsaw.errors import JigsawError
from jigsaw.files import read_image, write_image
from jigsaw.pieces.metrics import score_placements
from jigsaw.pieces.model import assemble_pieces, place
from jigsaw.pieces.run import (
    PieceSolverConfig,
    PieceSolverRun,
    assignment_loss,
    piece_errors,
    piece_loss,
    placement_accuracy,
    shuffled_pieces,
    train,
)
from jigsaw.progress import Callbacks
from jigsaw.relaxed import permutation_matrix
from jigsaw.runs import RunFolder

runner = CliRunner()


@pytest.mark.parametrize(
    "estimator, options",
    [("ste", {}), ("blackbox", {}), ("blackbox", {"loss": "pieces", "strength": 1000.0}), ("assignment", {})],
)
def test_a_few_epochs_beat_chance(tmp_path, mnist_train, mnist_test, dataset_root, estimator, options):
    config = PieceSolverConfig(grid=2, estimator=estimator, epochs=2, limit=1000, batch_size=32, **options)
    run = PieceSolverRun(config)
    train(run, RunFolder(tmp_path / "run"), dataset_root)
    images = mnist_test[0][:300]
    learned = placement_accuracy(run.model, images, 2)
    pieces, shuffled = shuffled_pieces(images, 2, torch.Generator().manual_seed(0))
    identity = score_placements(pieces, shuffled, torch.arange(4).expand(len(images), 4))  # the shuffle kept
    assert learned["pieces_right"] > identity["pieces_right"] + 0.3 and learned["perfect"] > 0.3


def test_the_assignment_loss_takes_any_pixel_identical_piece_as_right():
    """Four pieces, two of them blank: scores that put the two blanks in each other's cells cost what the truth
    costs, and both cost less than scores that swap two different pieces."""
    pieces = torch.zeros(1, 4, 1, 2, 2)
    pieces[0, 0] += 1.0
    pieces[0, 1, 0, 0, 0] = 0.5  # pieces 2 and 3 are blank
    truth = 10 * torch.eye(4).unsqueeze(0)  # cell i scores piece i highest (no shuffle)
    blanks_swapped = truth[:, :, [0, 1, 3, 2]]
    others_swapped = truth[:, :, [1, 0, 2, 3]]
    loss = lambda scores: float(assignment_loss(scores, pieces, pieces))
    assert loss(truth) == pytest.approx(loss(blanks_swapped)) and loss(truth) < 1e-3
    assert loss(others_swapped) > 5


def test_the_pieces_loss_is_the_image_loss_on_a_hard_placement_and_linear_in_it():
    """``loss pieces`` writes the reconstruction's error as each placed piece's error at its cell: the same number as
    the image's mean squared error for every hard placement, and a gradient that is every piece's error at every
    cell, whichever placement it was taken at."""
    images = torch.rand(3, 1, 28, 28)
    pieces, shuffled = shuffled_pieces(images, 7, torch.Generator().manual_seed(0))
    errors = piece_errors(pieces, shuffled)
    gradients = []
    for seed in (1, 2):
        perms = torch.stack([torch.randperm(49, generator=torch.Generator().manual_seed(seed + k)) for k in range(3)])
        matrix = permutation_matrix(perms).float().requires_grad_()
        per_piece = piece_loss(matrix, errors)
        image = F.mse_loss(place(matrix, shuffled), pieces)
        assert per_piece.item() == pytest.approx(image.item(), rel=1e-5)
        per_piece.backward()
        gradients.append(matrix.grad)
    assert torch.equal(gradients[0], gradients[1]) and torch.allclose(gradients[0], errors / (3 * 49))
    assert PieceSolverConfig(estimator="blackbox", loss="pieces").method() == "blackbox (pieces loss)"
    with pytest.raises(JigsawError, match="unknown loss"):
        PieceSolverConfig(loss="pixels").validate()


def interrupt(record: dict) -> None:
    raise KeyboardInterrupt


@pytest.mark.parametrize(
    "estimator, network",
    [("ste", {}), ("blackbox", {}), ("gumbel-sinkhorn", {}), ("assignment", {"edges": True, "refine": 1})],
)
def test_a_resumed_run_ends_with_the_weights_of_an_uninterrupted_one(tmp_path, dataset_root, estimator, network):
    config = dict(grid=4, limit=96, batch_size=32, estimator=estimator, samples=2, **network)
    whole = PieceSolverRun(PieceSolverConfig(epochs=2, **config))
    train(whole, RunFolder(tmp_path / "whole"), dataset_root)
    stopped = PieceSolverRun(PieceSolverConfig(epochs=2, **config))
    with pytest.raises(KeyboardInterrupt):  # killed once its first epoch is committed
        train(stopped, RunFolder(tmp_path / "halves"), dataset_root, Callbacks(epoch=interrupt))
    resumed = PieceSolverRun.load(tmp_path / "halves" / "checkpoint.pt")
    assert len(resumed.history) == 1
    train(resumed, RunFolder(tmp_path / "halves"), dataset_root)
    for name, tensor in whole.model.state_dict().items():
        assert torch.equal(tensor, resumed.model.state_dict()[name]), name


@pytest.fixture(scope="module")
def model(tmp_path_factory, dataset_root):
    folder = tmp_path_factory.mktemp("pieces")
    result = runner.invoke(
        app,
        [
            "train",
            "piece-solver",
            "--grid",
            "4",
            "--epochs",
            "1",
            "--limit",
            "64",
            "--data-dir",
            str(dataset_root),
            "--out",
            str(folder / "run"),
            "--device",
            "cpu",
        ],
    )
    assert result.exit_code == 0, result.output
    return folder / "run" / "checkpoint.pt"


def puzzle(path, image, grid):
    write_image(image, path, metadata={"jigsaw-mode": "tiles", "jigsaw-grid": f"{grid}x{grid}"})
    return path


def test_solve_with_the_learned_method_writes_a_rearrangement(tmp_path, model, mnist_test):
    pieces, shuffled = shuffled_pieces(mnist_test[0][:1], 4, torch.Generator().manual_seed(3))
    path = puzzle(tmp_path / "p.png", assemble_pieces(shuffled, 4)[0], 4)
    out = tmp_path / "s.png"
    result = runner.invoke(app, ["solve", str(path), "--method", "learned", "--model", str(model), "--out", str(out)])
    assert result.exit_code == 0, result.output
    solved = read_image(out)
    assert torch.equal(solved.flatten().sort().values, read_image(path).flatten().sort().values)


@pytest.mark.parametrize(
    "image,grid,message",
    [
        (torch.rand(1, 28, 28), 7, "was trained on 4x4 pieces (mnist); this puzzle is 7x7"),
        (torch.rand(3, 28, 28), 4, "solves grayscale puzzles; this one has 3 channels"),
        (torch.rand(1, 56, 56), 4, "solves 28x28 puzzles; this one is 56x56"),
        (torch.rand(1, 30, 30), 4, "does not divide"),
    ],
)
def test_a_puzzle_the_model_cannot_take_is_one_line(tmp_path, model, image, grid, message):
    if image.shape[-1] == 30:
        Image.fromarray((image[0].numpy() * 255).astype(np.uint8)).save(tmp_path / "p.png")
        path = tmp_path / "p.png"
        args = ["--grid", "4x4"]
    else:
        path, args = puzzle(tmp_path / "p.png", image, grid), []
    out = tmp_path / "s.png"
    result = runner.invoke(
        app, ["solve", str(path), "--method", "learned", "--model", str(model), "--out", str(out), *args]
    )
    assert result.exit_code == 2 and message in result.output and result.output.strip().count("\n") == 0, result.output
    assert not out.exists()


def test_a_bad_grid_or_estimator_is_refused():
    with pytest.raises(JigsawError, match="--grid 5"):
        PieceSolverConfig(grid=5).validate()
    with pytest.raises(JigsawError, match="unknown estimator"):
        PieceSolverConfig(estimator="sinkhorn").validate()
    with pytest.raises(JigsawError, match="unknown learning-rate schedule"):
        PieceSolverConfig(schedule="linear").validate()
    with pytest.raises(JigsawError, match="--strength 0.0: must be a positive number"):
        PieceSolverConfig(estimator="blackbox", strength=0.0).validate()


def test_the_cosine_schedule_falls_from_the_learning_rate_to_zero_and_constant_stays():
    config = PieceSolverConfig(lr=1e-3)
    rates = [config.learning_rate(step, 100) for step in range(101)]
    assert rates[0] == 1e-3 and rates[50] == pytest.approx(5e-4) and rates[100] == pytest.approx(0.0, abs=1e-12)
    assert all(a >= b for a, b in zip(rates, rates[1:]))
    assert PieceSolverConfig(lr=1e-3, schedule="constant").learning_rate(70, 100) == 1e-3


def test_a_checkpoint_from_before_schedules_resumes_at_a_constant_rate(tmp_path):
    """Checkpoints written before the ``schedule`` field trained at a constant rate, and resume so."""
    from jigsaw.checkpoint import load_checkpoint, save_checkpoint

    path = tmp_path / "checkpoint.pt"
    PieceSolverRun(PieceSolverConfig(grid=2, width=8, layers=1)).save(path)
    payload = load_checkpoint(path, "piece-solver")
    del payload["config"]["schedule"]
    save_checkpoint(path, "piece-solver", payload["config"], payload["state_dict"], payload["meta"])
    assert PieceSolverRun.load(path).config.schedule == "constant"


def test_a_run_is_named_by_its_estimator_and_what_differs_from_the_defaults():
    assert PieceSolverConfig(estimator="blackbox").method() == "blackbox"
    assert PieceSolverConfig(estimator="blackbox", strength=20.0).method() == "blackbox (strength 20)"
    assert PieceSolverConfig(estimator="gumbel-sinkhorn", strength=20.0).method() == "gumbel-sinkhorn"  # not used
    named = PieceSolverConfig(estimator="assignment", edges=True, refine=1, width=128).method()
    assert named == "assignment (edges, refine 1, width 128)"
