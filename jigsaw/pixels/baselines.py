"""Non-learned solvers for shuffled-pixel images: the bars every learned solver must clear.

A fully shuffled image carries only its label and its multiset of pixel values. Each baseline builds *scores* for
the 784 positions from the training set and places the real pixels with :func:`~jigsaw.permute.rank_match`, so its
output is always an exact permutation of the input.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

from jigsaw.permute import rank_match, shuffle_pixels, stable_argsort
from jigsaw.pixels.metrics import psnr

KNN_K_CANDIDATES = (1, 2, 5, 10, 20, 50, 100, 200)
KNN_DEFAULT_K = 50  # best mean PSNR on held-out training images, both datasets: benchmarks/choose_knn_k.py


def place(scores: Tensor, shuffled: Tensor) -> Tensor:
    """Arrange each image's own pixels in the order of ``scores`` ``(B, H*W)``; images are ``(B, 1, H, W)``."""
    return rank_match(scores, shuffled.flatten(1)).view_as(shuffled)


@dataclass
class Reference:
    """Training images grouped by class, with each image's pixel values sorted (what a shuffled image reveals)."""

    images: dict[int, Tensor]  # label -> (n, H*W)
    sorted_values: dict[int, Tensor]  # label -> (n, H*W), each row ascending

    @classmethod
    def from_training_set(cls, images: Tensor, labels: Tensor) -> Reference:
        flat = images.flatten(1)
        by_class = {int(c): flat[labels == c] for c in labels.unique()}
        return cls(by_class, {c: x.gather(1, stable_argsort(x)) for c, x in by_class.items()})

    def class_means(self) -> dict[int, Tensor]:
        return {c: x.mean(0) for c, x in self.images.items()}


def solve_shuffled(shuffled: Tensor, labels: Tensor, reference: Reference | None = None) -> Tensor:
    """The floor: the shuffled input as it is."""
    return shuffled.clone()


def solve_class_mean(shuffled: Tensor, labels: Tensor, reference: Reference) -> Tensor:
    """Scores = the mean training image of the label: bright pixels go where the class is usually bright."""
    means = reference.class_means()
    scores = torch.stack([means[int(c)] for c in labels])
    return place(scores, shuffled)


def nearest_by_values(queries_sorted: Tensor, candidates_sorted: Tensor, k: int, chunk: int = 2048) -> Tensor:
    """Indices ``(n, k)`` of the ``k`` candidates whose sorted pixel values are closest (L2) to each query's."""
    k = min(k, len(candidates_sorted))
    cand = candidates_sorted.double()
    cand_sq = cand.pow(2).sum(1)
    out = []
    for q in queries_sorted.double().split(chunk):
        # ||q - c||^2 = ||q||^2 + ||c||^2 - 2 q.c ; ||q||^2 is constant per row and does not change the order
        distances = cand_sq.unsqueeze(0) - 2 * q @ cand.T
        out.append(distances.topk(k, dim=1, largest=False).indices)
    return torch.cat(out)


def solve_knn(shuffled: Tensor, labels: Tensor, reference: Reference, k: int) -> Tensor:
    """Scores = the mean of the ``k`` same-label training images whose pixel-value multisets are closest.

    ``k = 1`` picks one real, sharp digit; larger ``k`` approaches the best estimate from the information a shuffled
    image has (and blurs).
    """
    flat = shuffled.flatten(1)
    queries_sorted = flat.gather(1, stable_argsort(flat))
    scores = torch.empty_like(flat)
    for c in labels.unique().tolist():
        index = (labels == c).nonzero().squeeze(1)
        neighbours = nearest_by_values(queries_sorted[index], reference.sorted_values[c], k)
        scores[index] = reference.images[c][neighbours].mean(1)
    return place(scores, shuffled)


def choose_k(
    images: Tensor,
    labels: Tensor,
    validation: int = 5000,
    seed: int = 0,
    candidates: tuple[int, ...] = KNN_K_CANDIDATES,
) -> dict[int, float]:
    """Mean PSNR of ``knn`` for each ``k``: the last ``validation`` training images are shuffled and solved with the
    rest as the reference. Pick the ``k`` with the highest value."""
    reference = Reference.from_training_set(images[:-validation], labels[:-validation])
    originals, val_labels = images[-validation:], labels[-validation:]
    shuffled, _ = shuffle_pixels(originals, seed)
    return {k: float(psnr(solve_knn(shuffled, val_labels, reference, k), originals).mean()) for k in candidates}
