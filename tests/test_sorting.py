"""Learning to sort from the ordering alone: every estimator's loss reaches the scores, and the straight-through
one learns a tiny sorting task above chance."""

import pytest
import torch

from jigsaw.errors import JigsawError
from jigsaw.sorting import (
    ORDERING_LOSSES,
    OrderingSettings,
    available_losses,
    ordering_loss,
    predicted_ranks,
    true_ranks,
)


def test_true_ranks():
    assert true_ranks(torch.tensor([[30, 10, 20]])).tolist() == [[2, 0, 1]]


@pytest.mark.parametrize("name", available_losses())
def test_every_loss_is_finite_and_reaches_the_scores(name):
    scores = torch.randn(4, 5, requires_grad=True)
    ranks = true_ranks(torch.randn(4, 5))
    loss = ordering_loss(name)(scores, ranks, OrderingSettings(), torch.Generator().manual_seed(0))
    loss.backward()
    assert torch.isfinite(loss) and scores.grad is not None and scores.grad.abs().sum() > 0


def test_the_straight_through_gradient_is_the_rank_error():
    scores = torch.tensor([[0.0, 1.0, 2.0]], requires_grad=True)  # predicted ranks 0, 1, 2
    ranks = torch.tensor([[2, 1, 0]])
    ordering_loss("ste")(scores, ranks, OrderingSettings(noise=0.0), None).backward()
    assert torch.allclose(scores.grad, torch.tensor([[-4.0, 0.0, 4.0]]) / 3)  # d/dy mean((y - r)^2)


@pytest.mark.parametrize("name", ["ste", "neuralsort"])
def test_a_tiny_sorting_run_learns_above_chance(name):
    """Items are random 8-d vectors ordered by a hidden direction; a linear scorer sees only the true ranks."""
    generator = torch.Generator().manual_seed(0)
    hidden = torch.randn(8, generator=generator)
    model = torch.nn.Linear(8, 1)
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    loss_of = ordering_loss(name)
    for _ in range(300):
        items = torch.randn(32, 3, 8, generator=generator)
        loss = loss_of(model(items).squeeze(-1), true_ranks(items @ hidden), OrderingSettings(), generator)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    items = torch.randn(1000, 3, 8, generator=generator)
    exact = (predicted_ranks(model(items).squeeze(-1)) == true_ranks(items @ hidden)).all(-1).float().mean()
    assert exact > 0.8  # chance: 1/6


def test_an_unknown_estimator_is_one_sentence():
    with pytest.raises(JigsawError, match="choose one of ste"):
        ordering_loss("quicksort")
    assert set(available_losses()) <= set(ORDERING_LOSSES)
