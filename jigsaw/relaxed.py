"""The field's relaxed permutation estimators beside the straight-through one, in one shape convention.

Learning a permutation by gradient has a small family of estimators. :func:`jigsaw.rank_match` is this toolkit's:
the hard permutation forward, the identity backward. The others relax the permutation matrix itself, so that the
forward pass is soft during training and decoded hard for evaluation:

- :func:`sinkhorn` and :func:`gumbel_sinkhorn` (Mena et al., ICLR 2018): a square score matrix normalised in the
  log domain, rows then columns, ``iterations`` times, at a ``temperature``;
- :func:`neural_sort` (Grover et al., ICLR 2019) and :func:`soft_sort` (Prillo & Eisenschlos, ICML 2020): a
  unimodal row-stochastic matrix straight from ``n`` scores;
- :func:`hard_permutation`: the hard decode of any of them (row argmax; the Hungarian method where rows collide).

Convention, for every function here: scores are ``(..., n)``, score and permutation matrices ``(..., n, n)``, and
``P[i, j] = 1`` when item ``j`` goes to position ``i``. A sort is ascending, as :func:`jigsaw.rank_match` places the
k-th smallest value by the k-th smallest score: position 0 holds the smallest item. ``P @ x`` sorts ``x``.

Bad input — NaN or infinite scores, fewer than two items, a temperature or a number of iterations that is not
positive, a matrix that is not square — is a :class:`~jigsaw.errors.JigsawError` naming the argument.
"""

from __future__ import annotations

import math

import numpy as np
import torch
from torch import Tensor

from jigsaw.errors import JigsawError

__all__ = [
    "gumbel_sinkhorn",
    "hard_permutation",
    "neural_sort",
    "permutation_matrix",
    "sample_gumbel",
    "sinkhorn",
    "soft_sort",
    "sorting_permutation",
]


def sinkhorn(log_alpha: Tensor, iterations: int = 20, temperature: float = 1.0) -> Tensor:
    """The doubly-stochastic matrix ``(..., n, n)`` nearest ``exp(log_alpha / temperature)``: ``iterations``
    rounds of row and column normalisation, in the log domain (no overflow at small temperatures). As the
    temperature goes to 0 it tends to the permutation matrix that maximises ``sum_i log_alpha[i, P(i)]``."""
    _check_matrix(log_alpha, "log_alpha")
    _check_positive(temperature, "temperature")
    _check_iterations(iterations)
    log_p = log_alpha / temperature
    for _ in range(iterations):
        log_p = log_p - torch.logsumexp(log_p, dim=-1, keepdim=True)
        log_p = log_p - torch.logsumexp(log_p, dim=-2, keepdim=True)
    return log_p.exp()


def gumbel_sinkhorn(
    log_alpha: Tensor,
    temperature: float = 1.0,
    iterations: int = 20,
    noise: float = 1.0,
    generator: torch.Generator | None = None,
) -> Tensor:
    """:func:`sinkhorn` of ``log_alpha`` plus ``noise`` times standard Gumbel noise ``(..., n, n)``: a sample of
    Mena et al.'s Gumbel-Sinkhorn distribution (``noise = 0``: plain Sinkhorn). ``generator`` seeds the noise."""
    _check_matrix(log_alpha, "log_alpha")
    if not (math.isfinite(noise) and noise >= 0):
        raise JigsawError(f"noise must be a finite number at least 0, got {noise}")
    gumbel = sample_gumbel(log_alpha.shape, generator, log_alpha.dtype, log_alpha.device)
    return sinkhorn(log_alpha + noise * gumbel, iterations, temperature)


def sample_gumbel(
    shape: torch.Size | tuple[int, ...],
    generator: torch.Generator | None = None,
    dtype: torch.dtype = torch.float32,
    device: torch.device | str = "cpu",
) -> Tensor:
    """Standard Gumbel noise of ``shape``: drawn uniform on the CPU from ``generator`` (the same noise on any
    device), then moved to ``device``."""
    uniform = torch.rand(shape, generator=generator, dtype=dtype).to(device)
    return -torch.log(-torch.log(uniform.clamp(1e-20, 1.0)) + 1e-20)


def neural_sort(scores: Tensor, temperature: float = 1.0) -> Tensor:
    """NeuralSort's relaxed sorting matrix ``(..., n, n)`` of ``scores (..., n)``, ascending: row ``i`` is a
    softmax over the items that peaks at the ``i``-th smallest. Each row sums to 1 (columns need not); as the
    temperature goes to 0 it tends to the sorting permutation.

    Grover et al. sort descending: ``row_i = softmax(((n + 1 - 2i) s - A_s 1) / tau)`` with ``A_s = |s_j - s_k|``;
    ascending is the same formula on ``-s``."""
    _check_scores(scores)
    _check_positive(temperature, "temperature")
    s = -scores.unsqueeze(-1)  # (..., n, 1), negated: ascending
    n = s.shape[-2]
    pairwise = (s - s.transpose(-1, -2)).abs()  # (..., n, n)
    b = pairwise.sum(-1, keepdim=True).transpose(-1, -2)  # (..., 1, n): A_s 1, as a row
    scaling = (n + 1 - 2 * torch.arange(1, n + 1, dtype=scores.dtype, device=scores.device)).unsqueeze(-1)  # (n, 1)
    logits = scaling * s.transpose(-1, -2) - b  # (..., n, n)
    return torch.softmax(logits / temperature, dim=-1)


def soft_sort(scores: Tensor, temperature: float = 1.0) -> Tensor:
    """SoftSort's relaxed sorting matrix ``(..., n, n)`` of ``scores (..., n)``, ascending: row ``i`` is
    ``softmax(-|sort(s)_i - s_j| / tau)`` over the items ``j``. Rows sum to 1; as the temperature goes to 0 it
    tends to the sorting permutation (ties aside)."""
    _check_scores(scores)
    _check_positive(temperature, "temperature")
    ordered = scores.sort(dim=-1).values.unsqueeze(-1)  # (..., n, 1)
    return torch.softmax(-(ordered - scores.unsqueeze(-2)).abs() / temperature, dim=-1)


def sorting_permutation(scores: Tensor) -> Tensor:
    """The hard ascending sort of ``scores (..., n)`` as indices ``(..., n)``: position ``i`` holds item
    ``perm[i]`` (ties broken by position, as :func:`jigsaw.rank_match` breaks them)."""
    _check_scores(scores)
    return torch.sort(scores, dim=-1, stable=True).indices


def permutation_matrix(perm: Tensor) -> Tensor:
    """Indices ``(..., n)`` (position ``i`` holds item ``perm[i]``) as the matrix ``(..., n, n)`` with
    ``P[i, perm[i]] = 1``."""
    n = perm.shape[-1]
    return torch.nn.functional.one_hot(perm, n).to(torch.float32)


def hard_permutation(matrix: Tensor) -> Tensor:
    """The hard permutation ``(..., n)`` nearest a relaxed permutation matrix ``(..., n, n)``: each position ``i``
    takes the item of its largest entry; where two positions would take one item, the Hungarian method (SciPy's
    ``linear_sum_assignment``) finds the assignment of largest total instead. Always a permutation."""
    _check_matrix(matrix, "matrix")
    if not bool(torch.isfinite(matrix).all()):
        raise JigsawError("matrix holds NaN or infinite values")
    flat = matrix.detach().reshape(-1, *matrix.shape[-2:])
    chosen = flat.argmax(-1)  # (B, n)
    n = matrix.shape[-1]
    collided = (torch.zeros_like(chosen).scatter_(1, chosen, 1).sum(1) < n).nonzero().flatten().tolist()
    if collided:
        from scipy.optimize import linear_sum_assignment

        values = flat.cpu().double().numpy()
        for b in collided:
            rows, cols = linear_sum_assignment(values[b], maximize=True)
            chosen[b, torch.from_numpy(rows.astype(np.int64))] = torch.from_numpy(cols.astype(np.int64)).to(
                chosen.device
            )
    return chosen.reshape(matrix.shape[:-1])


def _check_scores(scores: Tensor) -> None:
    if scores.dim() < 1 or scores.shape[-1] < 2:
        raise JigsawError(f"scores must be (..., n) with n >= 2 items, got shape {tuple(scores.shape)}")
    if not scores.is_floating_point():
        raise JigsawError(f"scores must be floating point, got {scores.dtype}")
    if not bool(torch.isfinite(scores).all()):
        raise JigsawError("scores hold NaN or infinite values")


def _check_matrix(matrix: Tensor, name: str) -> None:
    if matrix.dim() < 2 or matrix.shape[-1] != matrix.shape[-2] or matrix.shape[-1] < 2:
        raise JigsawError(f"{name} must be square (..., n, n) with n >= 2, got shape {tuple(matrix.shape)}")
    if name == "log_alpha" and not bool(torch.isfinite(matrix).all()):
        raise JigsawError(f"{name} holds NaN or infinite values")


def _check_positive(value: float, name: str) -> None:
    if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
        raise JigsawError(f"{name} must be a positive finite number, got {value}")


def _check_iterations(iterations: int) -> None:
    if not (isinstance(iterations, int) and iterations >= 1):
        raise JigsawError(f"iterations must be a whole number at least 1, got {iterations}")
