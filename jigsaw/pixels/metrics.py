"""How good is a recovered image: pixel fidelity, recognisability, identity, realism.

All image arguments are batches ``(B, C, H, W)`` of floats in ``[0, 1]``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor

from jigsaw.models import LeNet5

PSNR_CAP_DB = 100.0  # identical images have infinite PSNR; a cap keeps means finite


def mse(recovered: Tensor, original: Tensor) -> Tensor:
    """Per-image mean squared error, ``(B,)``."""
    return (recovered - original).pow(2).flatten(1).mean(1)


def psnr(recovered: Tensor, original: Tensor, data_range: float = 1.0) -> Tensor:
    """Per-image PSNR in dB, ``(B,)``; identical images get :data:`PSNR_CAP_DB` instead of infinity."""
    error = mse(recovered, original).double()
    value = 10.0 * torch.log10(data_range**2 / error)
    return value.clamp(max=PSNR_CAP_DB).float()


def ssim(recovered: Tensor, original: Tensor, data_range: float = 1.0, win_size: int = 7) -> Tensor:
    """Per-image SSIM, ``(B,)``, batched; equal to ``skimage.metrics.structural_similarity`` with its defaults.

    skimage's defaults: a 7x7 uniform window, K1 = 0.01, K2 = 0.03, sample covariance, and the mean taken over the
    positions where the window fits inside the image (channels averaged).
    """
    x, y = recovered.double(), original.double()
    n = win_size * win_size
    pool = lambda t: F.avg_pool2d(t, win_size, stride=1)
    ux, uy = pool(x), pool(y)
    cov_norm = n / (n - 1)
    vx = cov_norm * (pool(x * x) - ux * ux)
    vy = cov_norm * (pool(y * y) - uy * uy)
    vxy = cov_norm * (pool(x * y) - ux * uy)
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    s = ((2 * ux * uy + c1) * (2 * vxy + c2)) / ((ux * ux + uy * uy + c1) * (vx + vy + c2))
    return s.flatten(1).mean(1).float()


@torch.no_grad()
def predict(classifier: LeNet5, images: Tensor, batch_size: int = 1000) -> tuple[Tensor, Tensor]:
    """``(predicted labels (B,), penultimate features (B, 84))`` of a LeNet5."""
    classifier.eval()
    device = next(classifier.parameters()).device
    labels, features = [], []
    for batch in images.split(batch_size):
        f = classifier.features(batch.to(device))
        features.append(f.cpu())
        labels.append(classifier.fc3(f).argmax(1).cpu())
    return torch.cat(labels), torch.cat(features)


def same_class_retrieval(recovered: Tensor, original: Tensor, labels: Tensor) -> Tensor:
    """Per-image hit ``(B,)``: is the original the nearest (L2) original of its class to the recovered image?

    It tells whether a solver recovered *this* image rather than *a* typical image of the class.
    """
    hits = torch.zeros(len(labels), dtype=torch.bool)
    r, o = recovered.flatten(1), original.flatten(1)
    for label in labels.unique():
        index = (labels == label).nonzero().squeeze(1)
        distances = torch.cdist(r[index].double(), o[index].double())
        hits[index] = distances.argmin(1) == torch.arange(len(index))
    return hits


def frechet_distance(features_a: Tensor, features_b: Tensor) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets ``(N, D)`` (the FID formula).

    ``tr(sqrt(Ca Cb))`` is computed as the sum of square roots of the eigenvalues of ``sqrt(Ca) Cb sqrt(Ca)``, which
    is symmetric, so only ``eigh`` is needed.
    """
    a, b = features_a.double(), features_b.double()
    mean_a, mean_b = a.mean(0), b.mean(0)
    cov_a, cov_b = torch.cov(a.T), torch.cov(b.T)
    eigenvalues, eigenvectors = torch.linalg.eigh(cov_a)
    sqrt_a = eigenvectors @ torch.diag(eigenvalues.clamp(min=0).sqrt()) @ eigenvectors.T
    middle = torch.linalg.eigvalsh(sqrt_a @ cov_b @ sqrt_a).clamp(min=0).sqrt().sum()
    value = (mean_a - mean_b).pow(2).sum() + cov_a.trace() + cov_b.trace() - 2 * middle
    return float(value.clamp(min=0))


def image_metrics(
    recovered: Tensor, original: Tensor, labels: Tensor, judge: LeNet5, reference_features: Tensor
) -> dict[str, float]:
    """The harness' summary of a solver's output, each a mean over images.

    ``judge`` is an independently trained classifier (never one of the solver's own networks);
    ``reference_features`` are its features of the real test set, the target of the Fréchet distance.
    """
    predicted, features = predict(judge, recovered)
    return {
        "mse": float(mse(recovered, original).mean()),
        "psnr": float(psnr(recovered, original).mean()),
        "ssim": float(ssim(recovered, original).mean()),
        "accuracy": float((predicted == labels).float().mean()),
        "retrieval@1": float(same_class_retrieval(recovered, original, labels).float().mean()),
        "frechet": frechet_distance(features, reference_features),
    }
