"""The piece solver's network and placements: cutting, permutations, and the straight-through gradient."""

import torch
import torch.nn.functional as F

from jigsaw.pieces.model import (
    PieceSolverNet,
    assemble_pieces,
    cut_pieces,
    gumbel_sinkhorn_placement,
    hard_placement,
    place,
    solver_difference_placement,
    straight_through_placement,
)
from jigsaw.relaxed import permutation_matrix


def test_cut_and_assemble_are_inverse():
    images = torch.rand(3, 1, 28, 28)
    for grid in (2, 4, 7, 14):
        pieces = cut_pieces(images, grid)
        assert pieces.shape == (3, grid * grid, 1, 28 // grid, 28 // grid)
        assert torch.equal(assemble_pieces(pieces, grid), images)
    assert torch.equal(cut_pieces(images, 2)[:, 1], images[:, :, :14, 14:])  # row-major: the top right piece second


def test_the_hard_placement_is_always_a_permutation():
    for log_alpha in (torch.randn(50, 16, 16), torch.zeros(4, 9, 9), torch.ones(2, 49, 49)):
        placement = hard_placement(log_alpha)
        assert torch.equal(placement.sort(-1).values, torch.arange(log_alpha.shape[-1]).expand_as(placement))


def test_the_network_scores_every_cell_for_every_piece():
    net = PieceSolverNet(grid=4, piece=7)
    assert net(torch.rand(5, 16, 1, 7, 7)).shape == (5, 16, 16)


def test_with_edges_the_scores_follow_the_pieces_whatever_their_order():
    """No positions: shuffling the pieces shuffles the score columns the same way, edge biases included; and the
    scores at test time (eval mode, no gradients: PyTorch's fused path) are those of training."""
    torch.manual_seed(0)
    net = PieceSolverNet(grid=4, piece=7, edges=True)
    pieces, order = torch.rand(2, 16, 1, 7, 7), torch.randperm(16)
    training = net(pieces).detach()
    with torch.no_grad():
        net.eval()
        assert torch.allclose(net(pieces), training, atol=1e-5)
        assert torch.allclose(net(pieces)[:, :, order], net(pieces[:, order]), atol=1e-5)


def test_each_edge_head_prefers_the_piece_that_continues_its_piece_that_way():
    """On a smooth picture the cheapest seam is the true neighbour's: head 0 of the piece at cell 5 (row 1, column 1
    of 4) favours cell 6's piece, head 1 cell 4's, head 2 cell 9's, head 3 cell 1's."""
    y, x = torch.meshgrid(torch.linspace(0, 1, 28), torch.linspace(0, 1, 28), indexing="ij")
    picture = (torch.sin(7 * x + 3 * y**2) * torch.cos(5 * y - 2 * x) + 1) / 2
    pieces = cut_pieces(picture.view(1, 1, 28, 28), 4)
    bias = PieceSolverNet(grid=4, piece=7, edges=True).edge_bias(pieces)
    assert bias.shape == (1, 4, 16, 16)
    assert [int(bias[0, head, 5].argmax()) for head in range(4)] == [6, 4, 9, 1]


def test_edge_biases_stay_finite_and_bounded_on_blank_pieces():
    """Blank margins: every seam costs 0, and a stray grey level must not blow the biases up."""
    pieces = torch.zeros(1, 16, 1, 7, 7)
    pieces[0, 3, 0, 3, 3] = 1e-4
    bias = PieceSolverNet(grid=4, piece=7, edges=True).edge_bias(pieces)
    assert torch.isfinite(bias).all() and bias.abs().max() <= 10.0


def test_the_straight_through_gradient_is_the_gradient_with_the_placement_held_fixed():
    generator = torch.Generator().manual_seed(0)
    log_alpha = torch.randn(3, 9, 9, generator=generator, requires_grad=True)
    pieces, target = torch.rand(3, 9, 1, 4, 4, generator=generator), torch.rand(3, 9, 1, 4, 4, generator=generator)
    F.mse_loss(place(straight_through_placement(log_alpha), pieces), target).backward()
    fixed = permutation_matrix(hard_placement(log_alpha)).requires_grad_(True)
    F.mse_loss(place(fixed, pieces), target).backward()
    assert torch.allclose(log_alpha.grad, fixed.grad)
    forward = place(straight_through_placement(log_alpha.detach()), pieces)
    assert torch.allclose(forward, pieces[torch.arange(3).unsqueeze(1), hard_placement(log_alpha)])  # hard forward


def test_gumbel_sinkhorn_placements_are_seeded_and_doubly_stochastic():
    log_alpha = torch.randn(2, 4, 4)
    first = gumbel_sinkhorn_placement(log_alpha, 1.0, 50, torch.Generator().manual_seed(1))
    assert torch.equal(first, gumbel_sinkhorn_placement(log_alpha, 1.0, 50, torch.Generator().manual_seed(1)))
    assert torch.allclose(first.sum(-2), torch.ones(2, 4), atol=1e-4)


def test_straight_through_sinkhorn_is_hard_forward_and_sinkhorn_backward():
    from jigsaw.relaxed import sinkhorn

    generator = torch.Generator().manual_seed(2)
    log_alpha = torch.randn(2, 4, 4, generator=generator, requires_grad=True)
    pieces, target = torch.rand(2, 4, 1, 3, 3, generator=generator), torch.rand(2, 4, 1, 3, 3, generator=generator)
    matrix = straight_through_placement(log_alpha, through=(1.0, 20))
    assert torch.allclose(matrix, permutation_matrix(hard_placement(log_alpha)))
    F.mse_loss(place(matrix, pieces), target).backward()
    through, log_alpha.grad = log_alpha.grad.clone(), None
    upstream = permutation_matrix(hard_placement(log_alpha)).requires_grad_(True)
    F.mse_loss(place(upstream, pieces), target).backward()
    (sinkhorn(log_alpha, 20, 1.0) * upstream.grad).sum().backward()
    assert torch.allclose(through, log_alpha.grad, atol=1e-6)


def test_the_solver_difference_pushes_the_scores_toward_a_placement_the_loss_prefers():
    """Backward, the gradient is the current placement minus the one of the scores moved against the loss's gradient
    (scaled): descending it raises the scores of the wanted (cell, piece) pairs, lowers those of the placed ones,
    leaves every other score alone, and the wanted placement's loss is lower; a right placement gets no gradient."""
    generator = torch.Generator().manual_seed(0)
    pieces = torch.rand(1, 9, 1, 3, 3, generator=generator) - 0.5
    truth = torch.randperm(9, generator=generator)
    target = pieces[:, truth]  # cell i wants piece truth[i]
    loss = lambda matrix: F.mse_loss(place(matrix, pieces), target, reduction="sum")
    log_alpha = torch.randn(1, 9, 9, generator=generator, requires_grad=True)
    matrix = solver_difference_placement(log_alpha, torch.zeros_like(log_alpha), strength=5.0)
    assert torch.equal(matrix, permutation_matrix(hard_placement(log_alpha)))
    loss(matrix).backward()
    assert log_alpha.grad is not None
    step = log_alpha.grad.abs().max()
    assert step > 0 and set(log_alpha.grad.unique().tolist()) <= {-step.item(), 0.0, step.item()}
    wanted = matrix.detach() - log_alpha.grad / step
    assert torch.equal(wanted, permutation_matrix(hard_placement(wanted)))
    assert loss(wanted) < loss(matrix.detach())
    right = torch.full((1, 9, 9), -10.0)
    right[0, torch.arange(9), truth] = 10.0
    right.requires_grad_(True)
    loss(solver_difference_placement(right, torch.zeros_like(right), strength=5.0)).backward()
    assert right.grad is not None and not right.grad.any()
