"""The learned piece solver's network and its ways of turning scores into a placement.

A puzzle is a square image cut into ``G x G`` square pieces and shuffled. The network embeds every piece with one
shared CNN, relates the pieces to each other with a small transformer over the set (no positions: the input order is
the shuffle, which carries nothing), and scores every cell for every piece: ``log_alpha (B, P, P)`` with
``log_alpha[b, i, j]`` the score of piece ``j`` in cell ``i`` — the convention of :mod:`jigsaw.relaxed`.

Placements, from those scores:

- :func:`straight_through_placement` (this toolkit's estimator): the Hungarian method's best placement in the forward
  pass, its gradient handed to the scores unchanged, as :func:`jigsaw.rank_match` hands its own on, or through the
  Sinkhorn relaxation of the same scores;
- :func:`solver_difference_placement` (Vlastelica et al., ICLR 2020, "Differentiation of Blackbox Combinatorial
  Solvers"): the same hard placement forward; backward, the Hungarian method once more, on the scores moved against
  the loss's gradient, and the difference of the two placements as the gradient — hard in both passes;
- :func:`gumbel_sinkhorn_placement` (Mena et al.'s): doubly-stochastic Gumbel-Sinkhorn samples in training.

Either way the pieces are placed by the matrix (``cells = P @ pieces``) and, at test time, by the hard placement.
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from jigsaw.pieces.mending import seam_costs
from jigsaw.relaxed import gumbel_sinkhorn, hard_permutation, permutation_matrix, sinkhorn


def cut_pieces(images: Tensor, grid: int) -> Tensor:
    """``(B, C, H, W)`` -> ``(B, G*G, C, H/G, W/G)`` pieces in row-major order."""
    b, c, h, w = images.shape
    ph, pw = h // grid, w // grid
    return images.reshape(b, c, grid, ph, grid, pw).permute(0, 2, 4, 1, 3, 5).reshape(b, grid * grid, c, ph, pw)


def assemble_pieces(pieces: Tensor, grid: int) -> Tensor:
    """Inverse of :func:`cut_pieces`: ``(B, G*G, C, ph, pw)`` -> ``(B, C, G*ph, G*pw)``."""
    b, _, c, ph, pw = pieces.shape
    return pieces.reshape(b, grid, grid, c, ph, pw).permute(0, 3, 1, 4, 2, 5).reshape(b, c, grid * ph, grid * pw)


def place(matrix: Tensor, pieces: Tensor) -> Tensor:
    """Cells ``(B, P, C, ph, pw)`` filled by ``matrix (B, P, P)`` (cell ``i`` gets ``sum_j matrix[i, j] piece_j``)."""
    return (matrix @ pieces.flatten(2)).view_as(pieces)


EDGE_COST_FLOOR = 1e-2
"""Added to a row's mean seam cost before dividing by it: a row of nearly identical pieces (a blank margin) has a
mean near 0, and its costs would otherwise be blown up into huge biases and gradients."""
EDGE_COST_CAP = 10.0
"""Seam costs past this many times their row's mean bias no more: such a piece is no candidate either way."""


class PieceSolverNet(nn.Module):
    """Scores ``(B, P, P)`` (cell by piece) for pieces ``(B, P, C, s, s)`` of a ``grid x grid`` puzzle.

    With ``edges``, each of the transformer's four heads looks one way — right, left, down, up: its attention from
    piece ``x`` to piece ``y`` is biased by how badly ``y`` continues ``x`` that way (the seam costs of
    :func:`jigsaw.pieces.mending.seam_costs`, each divided by the mean of its row, times a learned weight per head).
    Without it the network sees what each piece shows but never which two pieces' edges meet; with it every layer
    can gather from a piece's likely neighbours, and the layers compose those steps into longer runs of pieces.

    With ``refine = R`` the network looks again ``R`` times: each piece's features, plus an embedding of the cell the
    previous pass placed it in (the Hungarian placement of its scores, not differentiated), go through a further
    transformer and cell layer of their own. The first pass must guess each piece's cell from the set alone; a later
    one sees the picture the guess makes — a stroke broken off, two pieces fighting for one corner — and scores
    again. ``forward`` returns the last pass's scores, or with ``every_pass`` the list of all (the loss trains each)."""

    def __init__(
        self,
        grid: int,
        piece: int,
        channels: int = 1,
        width: int = 64,
        layers: int = 2,
        heads: int = 4,
        edges: bool = False,
        refine: int = 0,
    ):
        super().__init__()
        if edges and heads != 4:
            raise ValueError(f"edges need one head per direction, 4, not {heads}")
        self.grid = grid
        self.embed = nn.Sequential(
            nn.Conv2d(channels, 16, 3, padding=1),
            nn.ReLU(),
            nn.Conv2d(16, 16, 3, padding=1),
            nn.ReLU(),
            nn.Flatten(),
            nn.Linear(16 * piece * piece, width),
        )
        layer = nn.TransformerEncoderLayer(width, heads, 2 * width, dropout=0.0, batch_first=True)
        self.relate = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.cells = nn.Linear(width, grid * grid)
        # one weight per direction: how strongly a head prefers the pieces that continue its piece its way
        self.edge_weight = nn.Parameter(torch.ones(4)) if edges else None
        # the later passes: where the previous pass put each piece, then a transformer and cell scores of their own
        self.placed = nn.ModuleList(nn.Embedding(grid * grid, width) for _ in range(refine))
        self.rerelate = nn.ModuleList(
            nn.TransformerEncoder(layer, layers, enable_nested_tensor=False) for _ in range(refine)
        )
        self.recells = nn.ModuleList(nn.Linear(width, grid * grid) for _ in range(refine))

    def forward(self, pieces: Tensor, every_pass: bool = False) -> Tensor | list[Tensor]:
        b, p = pieces.shape[:2]
        features = self.embed(pieces.flatten(0, 1)).view(b, p, -1)  # (B, P, width)
        mask = None if self.edge_weight is None else self.edge_bias(pieces).flatten(0, 1)
        related = self._relate(self.relate, features, mask)
        scores = [self.cells(related).transpose(1, 2)]  # (B, cell, piece)
        for placed, relate, cells in zip(self.placed, self.rerelate, self.recells):
            cell_of_piece = hard_placement(scores[-1]).argsort(-1).to(pieces.device)  # (B, P): piece -> its cell
            related = self._relate(relate, related + placed(cell_of_piece), mask)
            scores.append(cells(related).transpose(1, 2))
        return scores if every_pass else scores[-1]

    @staticmethod
    def _relate(encoder: nn.Module, features: Tensor, mask: Tensor | None) -> Tensor:
        return encoder(features) if mask is None else _without_fused_attention(encoder, features, mask)

    def edge_bias(self, pieces: Tensor) -> Tensor:
        """Attention biases ``(B, heads, P, P)`` from the seam costs: head ``h`` (right, left, down, up) from piece
        ``x`` to ``y`` is ``-weight[h] * cost / (mean cost of x's row + EDGE_COST_FLOOR)``, the quotient capped at
        :data:`EDGE_COST_CAP`; a piece with itself costs its row's mean."""
        if self.edge_weight is None:
            raise ValueError("this network was built without edges")
        right, down = seam_costs(pieces)
        costs = torch.stack([right, right.transpose(1, 2), down, down.transpose(1, 2)], 1)  # (B, 4, P, P)
        eye = torch.eye(costs.shape[-1], dtype=torch.bool, device=costs.device)
        costs = costs.masked_fill(eye, 0.0)
        mean = costs.sum(-1, keepdim=True) / max(costs.shape[-1] - 1, 1)
        costs = (torch.where(eye, mean, costs) / (mean + EDGE_COST_FLOOR)).clamp_max(EDGE_COST_CAP)
        return -self.edge_weight.view(1, 4, 1, 1) * costs


def _without_fused_attention(encoder: nn.Module, features: Tensor, mask: Tensor) -> Tensor:
    """``encoder(features, mask=mask)`` with a float mask per head ``(B * heads, P, P)``, on PyTorch's plain path:
    its fused inference path (taken in eval mode without gradients) returns NaN for such masks (torch 2.14;
    ``tests/pieces/test_model.py`` checks both modes agree). The switch is process-wide, so it is put back at once."""
    enabled = torch.backends.mha.get_fastpath_enabled()
    torch.backends.mha.set_fastpath_enabled(False)
    try:
        return encoder(features, mask=mask)
    finally:
        torch.backends.mha.set_fastpath_enabled(enabled)


def hard_placement(log_alpha: Tensor) -> Tensor:
    """The best placement ``(B, P)``: cell ``i`` gets piece ``perm[i]`` (the Hungarian method on the scores)."""
    return hard_permutation(log_alpha.detach())


def straight_through_placement(
    log_alpha: Tensor, noise: Tensor | None = None, through: tuple[float, int] | None = None
) -> Tensor:
    """The hard placement matrix ``(B, P, P)`` of ``log_alpha + noise`` forward (perturb, then place: noise of
    Gumbel's distribution makes the placement a sample). Backward, the gradient reaches ``log_alpha`` unchanged, as
    :func:`jigsaw.rank_match` hands on its own; with ``through = (temperature, iterations)``, through the Sinkhorn
    relaxation of the same perturbed scores instead."""
    perturbed = log_alpha if noise is None else log_alpha + noise
    hard = permutation_matrix(hard_placement(perturbed)).to(log_alpha)
    relaxed = log_alpha if through is None else sinkhorn(perturbed, through[1], through[0])
    return hard + relaxed - relaxed.detach()


class _SolverDifference(torch.autograd.Function):
    """The Hungarian placement ``(B, P, P)`` of scores ``(B, P, P)`` forward; backward, the difference between it and
    the placement of the scores moved against the incoming gradient (Vlastelica et al., ICLR 2020): the solver itself
    is asked which placement the loss would rather have, and the scores are pushed from the current one toward it.

    Their method moves the scores by ``strength`` times the raw gradient, whose size depends on the loss's reduction
    and the batch; here each puzzle's gradient is first divided by its largest entry, so that ``strength`` is in
    units of the scores, and the difference is multiplied back, so each puzzle still weighs as much as its gradient.
    A puzzle whose placement the loss cannot improve (every piece right) gets no gradient."""

    @staticmethod
    def forward(ctx, perturbed: Tensor, strength: float) -> Tensor:
        hard = permutation_matrix(hard_placement(perturbed)).to(perturbed)
        ctx.save_for_backward(perturbed, hard)
        ctx.strength = strength
        return hard

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[Tensor, None]:
        perturbed, hard = ctx.saved_tensors
        # per puzzle, the gradient scaled so that its largest entry moves a score by ``strength``
        scale = grad.abs().amax(dim=(-2, -1), keepdim=True).clamp_min(1e-30)
        wanted = permutation_matrix(hard_placement(perturbed - ctx.strength * grad / scale)).to(hard)
        return (hard - wanted) * scale / ctx.strength, None


def solver_difference_placement(log_alpha: Tensor, noise: Tensor, strength: float) -> Tensor:
    """The hard placement matrix ``(B, P, P)`` of ``log_alpha + noise`` forward; backward, the difference of two
    Hungarian placements (see :class:`_SolverDifference`), ``strength`` in units of the scores."""
    return _SolverDifference.apply(log_alpha + noise, strength)


def gumbel_sinkhorn_placement(
    log_alpha: Tensor, temperature: float, iterations: int, generator: torch.Generator | None = None
) -> Tensor:
    """One Gumbel-Sinkhorn sample ``(B, P, P)`` of the placement, as Mena et al. train their jigsaw network."""
    return gumbel_sinkhorn(log_alpha, temperature, iterations, generator=generator)
