import numpy as np
import torch

from jigsaw.models import LeNet5
from jigsaw.weights.optim import IndexOptimizer, initialize
from jigsaw.weights.plots import histogram_counts, weight_histogram_figure, weight_layers


def train_a_little(optimizer_factory):
    torch.manual_seed(0)
    model = initialize(LeNet5(), "normal", seed=0)
    initial = {k: v.clone() for k, v in model.state_dict().items()}
    optimizer = optimizer_factory(model.parameters())
    for _ in range(20):
        optimizer.zero_grad()
        torch.nn.functional.cross_entropy(model(torch.randn(32, 1, 28, 28)), torch.randint(0, 10, (32,))).backward()
        optimizer.step()
    return initial, model.state_dict()


def test_index_optimised_histograms_are_identical_and_adam_ones_are_not():
    initial, final = train_a_little(lambda p: IndexOptimizer(p, lr=1e-2))
    for name in weight_layers(final):
        before, after, _ = histogram_counts(initial[name], final[name])
        assert np.array_equal(before, after)
    initial, final = train_a_little(lambda p: torch.optim.Adam(p, lr=1e-2))
    assert not all(np.array_equal(*histogram_counts(initial[n], final[n])[:2]) for n in weight_layers(final))


def test_figure_has_one_panel_per_weight():
    state = LeNet5().state_dict()
    figure = weight_histogram_figure(state, state)
    shown = [axis for axis in figure.axes if axis.get_visible()]
    assert len(shown) == len(weight_layers(state)) == 5  # 2 convolutions, 3 linear layers; the 6th panel hidden
    assert [axis.get_title() for axis in shown][0] == "conv1.weight (6, 1, 5, 5)"
