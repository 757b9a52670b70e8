"""The field's relaxed permutation estimators: shapes, the convention P[i, j] = 1 when item j goes to position i,
limits as the temperature goes to 0, gradients, and bad input."""

import pytest
import torch

from jigsaw import rank_match
from jigsaw.errors import JigsawError
from jigsaw.relaxed import (
    gumbel_sinkhorn,
    hard_permutation,
    neural_sort,
    permutation_matrix,
    sinkhorn,
    soft_sort,
    sorting_permutation,
)

RELAXED_SORTS = {"neural_sort": neural_sort, "soft_sort": soft_sort}


def is_permutation(perm: torch.Tensor) -> bool:
    return bool((perm.sort(-1).values == torch.arange(perm.shape[-1])).all())


def test_the_convention_sorts_ascending_as_rank_match_places():
    scores = torch.tensor([0.3, -1.0, 2.0, 0.5])
    perm = sorting_permutation(scores)
    assert perm.tolist() == [1, 0, 3, 2]  # position 0 holds item 1, the smallest
    assert torch.equal(permutation_matrix(perm) @ scores, scores.sort().values)
    values = torch.tensor([10.0, 20.0, 30.0, 40.0])
    placed = rank_match(scores, values)  # item j gets the value of its rank
    assert torch.equal(permutation_matrix(perm) @ placed, values)


@pytest.mark.parametrize("name", RELAXED_SORTS)
def test_relaxed_sorts_tend_to_the_sorting_permutation_as_the_temperature_falls(name):
    scores = torch.randn(8, 7, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    truth = permutation_matrix(sorting_permutation(scores)).double()
    errors = [(RELAXED_SORTS[name](scores, t) - truth).abs().max().item() for t in (1.0, 0.1, 0.001)]
    assert errors[0] > errors[1] > errors[2] and errors[2] < 1e-6
    matrix = RELAXED_SORTS[name](scores, 1.0)
    assert matrix.shape == (8, 7, 7) and torch.allclose(matrix.sum(-1), torch.ones(8, 7, dtype=torch.float64))


def test_sinkhorn_is_doubly_stochastic_and_tends_to_the_best_assignment():
    log_alpha = torch.randn(4, 6, 6, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    matrix = sinkhorn(log_alpha, iterations=200, temperature=1.0)
    assert torch.allclose(matrix.sum(-1), torch.ones(4, 6, dtype=torch.float64), atol=1e-6)
    assert torch.allclose(matrix.sum(-2), torch.ones(4, 6, dtype=torch.float64), atol=1e-6)
    from scipy.optimize import linear_sum_assignment

    cold = sinkhorn(log_alpha, iterations=500, temperature=0.01)
    for b in range(4):
        rows, cols = linear_sum_assignment(log_alpha[b].numpy(), maximize=True)
        assert hard_permutation(cold[b]).tolist() == cols[rows.argsort()].tolist()


def test_gumbel_sinkhorn_is_seeded_and_doubly_stochastic():
    log_alpha = torch.randn(2, 5, 5, dtype=torch.float64)
    first = gumbel_sinkhorn(log_alpha, 0.5, 100, generator=torch.Generator().manual_seed(3))
    again = gumbel_sinkhorn(log_alpha, 0.5, 100, generator=torch.Generator().manual_seed(3))
    assert torch.equal(first, again)
    assert torch.allclose(first.sum(-2), torch.ones(2, 5, dtype=torch.float64), atol=1e-6)
    assert torch.equal(gumbel_sinkhorn(log_alpha, 0.5, 10, noise=0.0), sinkhorn(log_alpha, 10, 0.5))


def test_every_hard_decode_is_a_permutation_even_where_rows_collide():
    colliding = torch.tensor([[0.9, 0.1, 0.0], [0.8, 0.2, 0.0], [0.1, 0.1, 0.8]])  # rows 0 and 1 both want item 0
    decoded = hard_permutation(colliding)
    assert is_permutation(decoded) and decoded.tolist() == [0, 1, 2]
    for matrix in (
        neural_sort(torch.randn(16, 9), 5.0),
        soft_sort(torch.randn(16, 9), 5.0),
        sinkhorn(torch.randn(16, 9, 9), 3, 2.0),
        torch.rand(3, 4, 9, 9),
    ):
        assert is_permutation(hard_permutation(matrix))


@pytest.mark.parametrize("name", RELAXED_SORTS)
def test_gradients_reach_the_scores(name):
    scores = torch.randn(2, 5, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda s: RELAXED_SORTS[name](s, 0.7), (scores,))


def test_sinkhorn_gradients_reach_the_scores():
    log_alpha = torch.randn(2, 4, 4, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda a: sinkhorn(a, 5, 0.8), (log_alpha,))


@pytest.mark.parametrize(
    "call,argument",
    [
        (lambda: neural_sort(torch.tensor([1.0, float("nan")])), "scores"),
        (lambda: soft_sort(torch.tensor([1.0, float("inf")])), "scores"),
        (lambda: neural_sort(torch.tensor([1.0])), "scores"),
        (lambda: soft_sort(torch.randn(3), 0.0), "temperature"),
        (lambda: neural_sort(torch.randn(3), -1.0), "temperature"),
        (lambda: sinkhorn(torch.randn(3, 4)), "log_alpha"),
        (lambda: sinkhorn(torch.randn(3, 3), iterations=0), "iterations"),
        (lambda: sinkhorn(torch.randn(3, 3), temperature=float("nan")), "temperature"),
        (lambda: gumbel_sinkhorn(torch.full((3, 3), float("nan"))), "log_alpha"),
        (lambda: hard_permutation(torch.randn(2, 3)), "matrix"),
        (lambda: sorting_permutation(torch.tensor([3, 1, 2])), "scores"),
    ],
)
def test_bad_input_names_the_argument(call, argument):
    with pytest.raises(JigsawError, match=argument):
        call()
