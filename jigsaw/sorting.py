"""Learning to sort from the ordering alone: one loss per permutation estimator, all on the same scores.

A network gives each of ``n`` items one score; the supervision is only the items' true ranks ``(B, n)`` (0: the
smallest). Each estimator turns the scores into a loss its own way (:data:`ORDERING_LOSSES`); at test time every
estimator is decoded the same way, by the ranks of the scores (:func:`predicted_ranks`), so the table compares what
the training signal taught the network, nothing else.

- ``ste`` (this toolkit's): :func:`jigsaw.rank_match` places the values ``0 ... n-1`` by the ranks of the scores
  perturbed by Gaussian noise of scale ``noise`` (``samples`` draws) — each item's predicted rank, hard — and the
  loss is its squared distance to the true rank, averaged over the draws. The straight-through gradient moves an
  item's score by its rank error; the noise makes items whose scores are closer than about ``noise`` swap at
  random, so the loss keeps pushing neighbours apart after they are in order (a margin), where a noiseless rank
  error falls silent at the first correct order.
- ``neuralsort``, ``softsort``: cross-entropy between each row of the relaxed sorting matrix and the true
  permutation's row (Grover et al.'s loss).
- ``gumbel-sinkhorn``: the same cross-entropy on a Gumbel-Sinkhorn sample of ``log_alpha[i, j] = -(s_j - i)^2``,
  a matrix in which position ``i`` prefers the item whose score is nearest ``i`` (scores on the scale of ranks, as
  ``ste`` learns them).
- ``softrank`` (fast soft ranks, Blondel et al.; package ``torchsort``): squared distance between the soft ranks
  and the true ranks.
- ``diffsort`` (differentiable sorting networks, Petersen et al.; package ``diffsort``): binary cross-entropy
  between the odd-even network's relaxed permutation matrix and the true one (the package's own example's loss).

The last two need the optional extra ``pip install -e ".[compare]"``; :func:`available_losses` says which are
installed.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor

from jigsaw.errors import JigsawError
from jigsaw.permute import rank_match
from jigsaw.relaxed import gumbel_sinkhorn, neural_sort, permutation_matrix, soft_sort


@dataclass(frozen=True)
class OrderingSettings:
    """The estimators' settings, shared by every row of a comparison."""

    noise: float = 0.5  # ste: scale of the Gaussian noise on the scores (in rank units)
    samples: int = 8  # ste: noise samples per item and step (the network runs once; only the ranking repeats)
    temperature: float = 1.0  # neuralsort, softsort, gumbel-sinkhorn
    iterations: int = 20  # gumbel-sinkhorn
    regularization: float = 1.0  # softrank: torchsort's regularization_strength
    steepness: float = 10.0  # diffsort: the sorting network's steepness


def true_ranks(values: Tensor) -> Tensor:
    """The rank ``(..., n)`` of each of ``values (..., n)`` in its row, 0 for the smallest (ties by position)."""
    order = torch.sort(values, dim=-1, stable=True).indices
    return torch.argsort(order, dim=-1)


def predicted_ranks(scores: Tensor) -> Tensor:
    """The hard decode every estimator is measured by: the ranks of the scores."""
    return true_ranks(scores.detach())


def ste_loss(scores: Tensor, ranks: Tensor, settings: OrderingSettings, generator: torch.Generator | None) -> Tensor:
    n, shape = scores.shape[-1], (settings.samples, *scores.shape)
    noise = torch.randn(shape, generator=generator).to(scores.device) * settings.noise
    perturbed = (scores + noise).reshape(-1, n)
    positions = torch.arange(n, dtype=scores.dtype, device=scores.device).expand_as(perturbed)
    placed = rank_match(perturbed, positions, values_sorted=True).view(shape)  # each item's predicted rank
    return F.mse_loss(placed, ranks.to(scores.dtype).expand(shape))


def _cross_entropy(matrix: Tensor, ranks: Tensor) -> Tensor:
    """Mean over positions of ``-log P[i, item at i]``."""
    target = torch.argsort(ranks, dim=-1)  # position i holds item target[i]
    return F.nll_loss(matrix.clamp_min(1e-12).log().flatten(0, -2), target.flatten())


def neuralsort_loss(scores, ranks, settings, generator):
    return _cross_entropy(neural_sort(scores, settings.temperature), ranks)


def softsort_loss(scores, ranks, settings, generator):
    return _cross_entropy(soft_sort(scores, settings.temperature), ranks)


def gumbel_sinkhorn_loss(scores, ranks, settings, generator):
    n = scores.shape[-1]
    positions = torch.arange(n, dtype=scores.dtype, device=scores.device).unsqueeze(-1)  # (n, 1)
    log_alpha = -((scores.unsqueeze(-2) - positions) ** 2)  # (B, n, n): row i prefers a score near i
    matrix = gumbel_sinkhorn(log_alpha, settings.temperature, settings.iterations, generator=generator)
    return _cross_entropy(matrix, ranks)


def softrank_loss(scores, ranks, settings, generator):
    import torchsort

    soft = torchsort.soft_rank(scores.cpu().double(), regularization_strength=settings.regularization)
    return F.mse_loss(soft.to(scores), ranks.to(scores.dtype) + 1)  # torchsort's ranks start at 1


def diffsort_loss(scores, ranks, settings, generator):
    from diffsort import DiffSortNet

    n = scores.shape[-1]
    network = DiffSortNet("odd_even", n, device=str(scores.device), steepness=settings.steepness)
    _, item_by_position = network(scores)  # (B, item, position)
    truth = permutation_matrix(torch.argsort(ranks, dim=-1)).transpose(-1, -2).to(scores)
    return F.binary_cross_entropy(item_by_position.clamp(0, 1), truth)


OrderingLoss = Callable[[Tensor, Tensor, OrderingSettings, "torch.Generator | None"], Tensor]
ORDERING_LOSSES: dict[str, OrderingLoss] = {
    "ste": ste_loss,
    "neuralsort": neuralsort_loss,
    "softsort": softsort_loss,
    "gumbel-sinkhorn": gumbel_sinkhorn_loss,
    "softrank": softrank_loss,
    "diffsort": diffsort_loss,
}
"""``loss(scores (B, n), true ranks (B, n), settings, generator) -> scalar``, by estimator."""
PACKAGES = {"softrank": "torchsort", "diffsort": "diffsort"}


def available_losses() -> list[str]:
    """The estimators whose packages are installed (all but ``softrank`` and ``diffsort`` always are)."""
    return [name for name in ORDERING_LOSSES if importlib.util.find_spec(PACKAGES.get(name, "torch")) is not None]


def ordering_loss(name: str) -> OrderingLoss:
    """The loss of estimator ``name``, or one sentence saying how to get it."""
    if name not in ORDERING_LOSSES:
        raise JigsawError(f"unknown estimator {name!r}; choose one of {', '.join(ORDERING_LOSSES)}")
    if name not in available_losses():
        raise JigsawError(f'{name} needs the package {PACKAGES[name]}: pip install -e ".[compare]"')
    return ORDERING_LOSSES[name]
