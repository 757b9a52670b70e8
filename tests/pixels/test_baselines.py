import pytest
import torch

from jigsaw.permute import is_permutation_of, shuffle_pixels
from jigsaw.pixels.baselines import Reference, choose_k, solve_class_mean, solve_knn, solve_shuffled
from jigsaw.pixels.metrics import psnr


@pytest.fixture(scope="module")
def small(dataset_root):
    from jigsaw.datasets import load_dataset

    images, labels = load_dataset("mnist", train=True, root=dataset_root)
    return images[:3000], labels[:3000]


@pytest.fixture(scope="module")
def reference(small):
    return Reference.from_training_set(*small)


@pytest.fixture(scope="module")
def puzzles(mnist_test):
    images, labels = mnist_test[0][:200], mnist_test[1][:200]
    shuffled, _ = shuffle_pixels(images, seed=0)
    return images, shuffled, labels


@pytest.mark.parametrize(
    "solver,kwargs", [(solve_shuffled, {}), (solve_class_mean, {}), (solve_knn, {"k": 1}), (solve_knn, {"k": 20})]
)
def test_baselines_return_exact_permutations_and_beat_the_floor(solver, kwargs, reference, puzzles):
    originals, shuffled, labels = puzzles
    recovered = solver(shuffled, labels, reference=reference, **kwargs)
    assert recovered.shape == shuffled.shape
    assert is_permutation_of(recovered, shuffled)
    floor = psnr(shuffled, originals).mean()
    if solver is not solve_shuffled:
        assert psnr(recovered, originals).mean() > floor + 2.0


def test_knn_1_on_a_training_image_returns_that_image(small, reference):
    images, labels = small
    shuffled, _ = shuffle_pixels(images[:50], seed=3)
    assert torch.equal(solve_knn(shuffled, labels[:50], reference, k=1), images[:50])


def test_choose_k_reports_each_candidate(small):
    images, labels = small
    scores = choose_k(images, labels, validation=300, candidates=(1, 10))
    assert set(scores) == {1, 10} and scores[10] > scores[1]
