import pytest
import torch

from jigsaw.models import LeNet5
from jigsaw.training import Split, accuracy, fit, random_shifts, stalled


@pytest.mark.slow
def test_fit_learns_a_small_subset_and_is_reproducible(mnist_train, mnist_test):
    train, test = Split(mnist_train[0][:2000], mnist_train[1][:2000]), Split(*mnist_test)

    def run():
        torch.manual_seed(0)
        model = LeNet5()
        history = fit(model, torch.optim.Adam(model.parameters(), lr=3e-3), train, test, epochs=3, seed=0)
        return model, history

    model, history = run()
    assert len(history) == 3 and history[-1]["test_accuracy"] > 0.7
    _, again = run()
    assert again == history


def test_stalled():
    records = [{"test_accuracy": a} for a in (0.5, 0.9, 0.8, 0.85, 0.9)]
    assert stalled(records, patience=3) and not stalled(records, patience=4)


def test_accuracy_of_a_constant_model():
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(4, 2))
    with torch.no_grad():
        model[1].weight.zero_()
        model[1].bias.copy_(torch.tensor([1.0, 0.0]))
    assert accuracy(model, Split(torch.rand(10, 1, 2, 2), torch.tensor([0] * 7 + [1] * 3))) == 0.7


def test_random_shifts_translate_each_image_within_the_limit():
    images = torch.zeros(64, 2, 10, 12)
    images[:, :, 4, 5] = torch.arange(1, 65, dtype=torch.float32)[:, None]  # one bright pixel per image
    shifted = random_shifts(images, 2, torch.Generator().manual_seed(0))
    assert shifted.shape == images.shape
    offsets = set()
    for i in range(64):
        where = (shifted[i, 0] == i + 1).nonzero()
        assert len(where) == 1 and torch.equal(shifted[i, 1], shifted[i, 0])  # channels move together
        dy, dx = int(where[0, 0]) - 4, int(where[0, 1]) - 5
        assert abs(dy) <= 2 and abs(dx) <= 2
        offsets.add((dy, dx))
    assert len(offsets) > 10  # each image gets its own offset
    same = random_shifts(images, 2, torch.Generator().manual_seed(0))
    assert torch.equal(same, shifted)
