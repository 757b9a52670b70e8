import pytest
import torch

from jigsaw.permute import is_permutation_of
from jigsaw.pixels.evaluate import Puzzles, evaluate, make_puzzles, run_solver
from jigsaw.pixels.judges import load_judge


def test_make_puzzles_is_seeded(dataset_root):
    a = make_puzzles("mnist", 50, seed=1, root=dataset_root)
    b = make_puzzles("mnist", 50, seed=1, root=dataset_root)
    assert torch.equal(a.shuffled, b.shuffled) and is_permutation_of(a.shuffled, a.originals)
    assert not torch.equal(a.shuffled, make_puzzles("mnist", 50, seed=2, root=dataset_root).shuffled)


def test_a_solver_that_invents_pixels_is_refused(mnist_test):
    images, labels = mnist_test[0][:10], mnist_test[1][:10]
    puzzles = Puzzles(images, images.flip(-1), labels)
    with pytest.raises(RuntimeError, match="not permutations"):
        run_solver("cheat", lambda shuffled, labels: images.clamp(0.1, 0.9), puzzles)


def test_bundled_judge_recognises_originals_not_shuffles(dataset_root, mnist_test):
    puzzles = make_puzzles("mnist", 500, seed=0, root=dataset_root)
    results, outputs = evaluate(
        {"shuffled": lambda shuffled, labels: shuffled.clone()}, puzzles, load_judge("mnist"), mnist_test[0]
    )
    assert results["original"]["accuracy"] > 0.97 and results["shuffled"]["accuracy"] < 0.3
    assert results["original"]["frechet"] < 0.1 * results["shuffled"]["frechet"]
    assert torch.equal(outputs["shuffled"], puzzles.shuffled)


@pytest.mark.slow
def test_classifier_solver_runs_inside_the_harness(tmp_path, dataset_root, mnist_test):
    from jigsaw.pixels.classifier_solver import SolverConfig, train_solver_nets
    from jigsaw.pixels.solvers import classifier_solver

    train_solver_nets("mnist", tmp_path, epochs=1, member_epochs=1, data_root=dataset_root, limit=2000)
    puzzles = make_puzzles("mnist", 20, seed=0, root=dataset_root)
    results, outputs = evaluate(
        {"classifier": classifier_solver(tmp_path, SolverConfig(steps=10))}, puzzles, load_judge("mnist"), mnist_test[0]
    )
    # it ran under the harness' no_grad, moved pixels, and kept each image's pixels
    assert is_permutation_of(outputs["classifier"], puzzles.shuffled)
    assert not torch.equal(outputs["classifier"], puzzles.shuffled) and "classifier" in results
