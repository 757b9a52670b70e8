"""Differentiable permutations: straight-through rank matching, grouping views, seeded shuffles.

This is the only module of the package that sorts. Everything that turns scores into a permutation — the index
optimizer, sortGAN, the frozen-classifier solver, the baselines — calls :func:`rank_match` or :func:`stable_argsort`.

Rank matching: given real-valued ``scores`` and a fixed multiset ``values`` of the same size, place the k-th smallest
value where the k-th smallest score is. The classic slip is ``sorted_values[argsort(scores)]``; the correct placement
is ``out[argsort(scores)] = sorted_values``, which is what :func:`rank_match` does with one scatter.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import torch
from torch import Tensor

Granularity = Literal["layer", "out_channel", "kernel"]
GRANULARITIES: tuple[str, ...] = ("layer", "out_channel", "kernel")
_LITTLE_ENDIAN = np.little_endian


# --------------------------------------------------------------------------------------------------------------------
# Sorting
# --------------------------------------------------------------------------------------------------------------------
def _numpy_stable_argsort(x: Tensor) -> Tensor:
    """Stable argsort of float32 CPU data along the last dimension, via numpy.

    Each float is mapped to an int32 with the same order (-0.0 folded onto 0.0) and packed with its position into
    one unique int64, so numpy's fast vectorised (unstable) integer sort returns exactly the order a stable sort
    would. On 2 CPU cores this is about 4x faster than ``torch.sort`` (see ``benchmarks/bench_permute.py``).
    """
    bits = (x.detach().contiguous().numpy() + np.float32(0.0)).view(np.int32)
    ordered = bits ^ ((bits >> 31) & np.int32(0x7FFFFFFF))
    keys = ordered.astype(np.int64) << 32
    keys |= np.arange(x.shape[-1], dtype=np.int64)
    keys.sort(axis=-1)
    return torch.from_numpy(keys.view(np.int32)[..., 0::2].astype(np.int64))  # low half = position (little-endian)


def stable_argsort(x: Tensor) -> Tensor:
    """Indices that sort ``x`` ascending along its last dimension; ties keep their original order.

    Picks the fastest correct implementation for the tensor's device and dtype; the result is identical either way.
    """
    if x.device.type == "cpu" and x.dtype == torch.float32 and x.numel() > 0 and _LITTLE_ENDIAN:
        return _numpy_stable_argsort(x)
    return torch.sort(x, dim=-1, stable=True).indices


class _RankMatch(torch.autograd.Function):
    """Forward: re-order ``values`` by the ranks of ``scores``. Backward: straight-through to the scores."""

    @staticmethod
    def forward(ctx, scores: Tensor, values: Tensor, values_sorted: bool) -> Tensor:
        score_order = stable_argsort(scores).to(scores.device)
        if values_sorted:
            sorted_values, value_order = values, None
        else:
            value_order = stable_argsort(values).to(values.device)
            sorted_values = values.gather(-1, value_order)
        out = torch.empty_like(sorted_values).scatter_(-1, score_order, sorted_values)
        ctx.save_for_backward(score_order, value_order)
        ctx.scores_dtype = scores.dtype
        return out

    @staticmethod
    def backward(ctx, grad_out: Tensor):
        score_order, value_order = ctx.saved_tensors
        grad_scores = grad_out.to(ctx.scores_dtype) if ctx.needs_input_grad[0] else None
        grad_values = None
        if ctx.needs_input_grad[1]:
            # The re-ordering is a fixed permutation of `values`, so their gradient is exact: route it back.
            grad_sorted = grad_out.gather(-1, score_order)
            if value_order is None:
                grad_values = grad_sorted
            else:
                grad_values = torch.empty_like(grad_sorted).scatter_(-1, value_order, grad_sorted)
        return grad_scores, grad_values, None


def rank_match(scores: Tensor, values: Tensor, *, values_sorted: bool = False) -> Tensor:
    """Re-order ``values`` so the k-th smallest score receives the k-th smallest value, along the last dimension.

    Args:
        scores: ``(..., N)`` real-valued scores; only their order matters in the forward pass.
        values: ``(..., N)`` the multiset to place, same shape as ``scores``.
        values_sorted: pass ``True`` when ``values`` is already sorted ascending along the last dimension (the index
            optimizer keeps its initial weights sorted), which skips one sort.

    Returns:
        ``(..., N)`` tensor with the dtype of ``values``: a permutation of each row of ``values`` whose ranks equal
        the ranks of ``scores`` (ties in ``scores`` broken by position, so the result is deterministic).

    Gradients: the straight-through estimator — ``d out / d scores`` is taken as the identity, so ``scores.grad`` is
    exactly the upstream gradient. ``values`` receive their true gradient (the upstream gradient routed back through
    the permutation) only if they require grad; usually they are data or frozen initial weights and receive none.
    """
    if scores.shape != values.shape:
        raise ValueError(f"scores {tuple(scores.shape)} and values {tuple(values.shape)} must have the same shape")
    if scores.dim() == 0:
        raise ValueError("rank_match needs at least one dimension")
    return _RankMatch.apply(scores, values, values_sorted)


# --------------------------------------------------------------------------------------------------------------------
# Grouping views (granularity)
# --------------------------------------------------------------------------------------------------------------------
def group_shape(shape: torch.Size | tuple[int, ...], granularity: str) -> tuple[int, int]:
    """``(groups, group_size)`` of a weight tensor of ``shape`` for a granularity.

    - ``layer``: the whole tensor is one group.
    - ``out_channel``: each ``W[o]`` is a group (a conv filter, or a linear layer's row: one output neuron's inputs).
    - ``kernel``: each ``W[o, i]`` (one kh×kw kernel) is a group; for a 2-D linear weight it falls back to rows.
    - A 1-D tensor (bias, BatchNorm) is always one group: groups of size 1 could never change.
    """
    if granularity not in GRANULARITIES:
        raise ValueError(f"unknown granularity {granularity!r}; choose one of {', '.join(GRANULARITIES)}")
    shape = tuple(shape)
    numel = int(np.prod(shape)) if shape else 1
    if len(shape) <= 1 or granularity == "layer":
        return 1, numel
    if granularity == "out_channel" or len(shape) == 2:
        return shape[0], numel // shape[0]
    return shape[0] * shape[1], numel // (shape[0] * shape[1])


def to_groups(tensor: Tensor, granularity: str) -> Tensor:
    """View ``tensor`` as ``(groups, group_size)`` for ``granularity`` (see :func:`group_shape`)."""
    return tensor.reshape(group_shape(tensor.shape, granularity))


def from_groups(grouped: Tensor, shape: torch.Size | tuple[int, ...]) -> Tensor:
    """Inverse of :func:`to_groups`: back to the original weight shape."""
    return grouped.reshape(shape)


# --------------------------------------------------------------------------------------------------------------------
# Seeded shuffles
# --------------------------------------------------------------------------------------------------------------------
def random_permutations(batch: int, n: int, seed: int | torch.Generator) -> Tensor:
    """``(batch, n)`` independent uniformly random permutations of ``range(n)``, reproducible from ``seed``."""
    generator = seed if isinstance(seed, torch.Generator) else torch.Generator().manual_seed(int(seed))
    return stable_argsort(torch.rand(batch, n, generator=generator))


def inverse_permutation(perm: Tensor) -> Tensor:
    """``inv`` with ``apply_permutation(apply_permutation(x, perm), inv) == x``, batched over leading dims."""
    positions = torch.arange(perm.shape[-1], device=perm.device).expand_as(perm)
    return torch.empty_like(perm).scatter_(-1, perm, positions)


def apply_permutation(x: Tensor, perm: Tensor) -> Tensor:
    """``out[..., i] = x[..., perm[..., i]]``; ``perm`` is ``(B, N)`` and ``x`` is ``(B, N)`` or ``(B, C, N)``."""
    if x.dim() == perm.dim() + 1:
        perm = perm.unsqueeze(-2).expand(*x.shape[:-1], perm.shape[-1])
    return x.gather(-1, perm)


def shuffle_pixels(images: Tensor, seed: int | torch.Generator) -> tuple[Tensor, Tensor]:
    """Shuffle the pixel positions of each image independently; channels of a pixel move together.

    Args:
        images: ``(B, C, H, W)``.
    Returns:
        ``(shuffled (B, C, H, W), perm (B, H*W))``; :func:`unshuffle_pixels` with ``perm`` restores the images.
    """
    b, c, h, w = images.shape
    perm = random_permutations(b, h * w, seed).to(images.device)
    return apply_permutation(images.reshape(b, c, h * w), perm).reshape(b, c, h, w), perm


def unshuffle_pixels(shuffled: Tensor, perm: Tensor) -> Tensor:
    """Exact inverse of :func:`shuffle_pixels` given its permutation."""
    b, c, h, w = shuffled.shape
    return apply_permutation(shuffled.reshape(b, c, h * w), inverse_permutation(perm)).reshape(b, c, h, w)


def is_permutation_of(candidate: Tensor, source: Tensor) -> bool:
    """True when every image of ``candidate`` ``(B, ...)`` holds exactly the pixel values of the same image of
    ``source``: the invariant of every pixel-puzzle solver."""
    a, b = candidate.flatten(1), source.flatten(1)
    return a.shape == b.shape and torch.equal(a.gather(1, stable_argsort(a)), b.gather(1, stable_argsort(b)))
