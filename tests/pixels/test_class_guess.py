import pytest
import torch

from jigsaw.datasets import load_dataset
from jigsaw.errors import JigsawError
from jigsaw.permute import shuffle_pixels
from jigsaw.pixels.class_guess import (
    bundled_guesser,
    load_class_guesser,
    save_class_guesser,
    train_class_guesser,
)
from jigsaw.pixels.judges import bundled_judge_path
from jigsaw.pixels.sortgan import bundled_solver_path, load_solver


def test_a_guess_does_not_depend_on_the_shuffle(mnist_test):
    images = mnist_test[0][:50]
    shuffled, _ = shuffle_pixels(images, seed=3)
    guesser = bundled_guesser("mnist")
    assert torch.equal(guesser(images), guesser(shuffled))


@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
def test_bundled_guessers_beat_chance_and_the_discriminator(dataset_root, dataset):
    images, labels = load_dataset(dataset, train=False, root=dataset_root)
    shuffled, _ = shuffle_pixels(images, seed=0)
    solver, _ = load_solver(bundled_solver_path(dataset))
    _, guessed = solver.solve(shuffled)
    assert torch.equal(guessed, bundled_guesser(dataset)(shuffled).argmax(1))  # solve without labels uses it
    solver.guess_classes = None  # the thesis' way: the class whose recovery the discriminator rates most real
    _, by_discriminator = solver.solve(shuffled)
    share = lambda guess: float((guess == labels).float().mean())
    assert share(guessed) > 0.2 and share(guessed) > share(by_discriminator) + 0.1


def test_a_trained_guesser_round_trips_and_other_checkpoints_are_refused(tmp_path, dataset_root):
    model, history = train_class_guesser("mnist", epochs=1, seed=0, data_root=dataset_root)
    assert len(history) == 1 and 0 <= history[0]["test_accuracy"] <= 1
    path = save_class_guesser(tmp_path / "guess.pt", model, "mnist", 0, history)
    loaded = load_class_guesser(path)
    for name, value in model.state_dict().items():
        assert torch.equal(loaded.state_dict()[name], value.half().float())  # stored in half precision
    with pytest.raises(JigsawError, match="expected 'class-guess'"):
        load_class_guesser(bundled_judge_path("mnist"))
