"""How right a placement of pieces is: pieces placed right (pixel-identical pieces interchangeable, as the tile
metrics count them), puzzles perfect, and the PSNR of the reconstruction."""

from __future__ import annotations

import torch
from torch import Tensor


def score_placements(originals: Tensor, shuffled: Tensor, placements: Tensor) -> dict[str, float]:
    """``originals`` and ``shuffled`` pieces ``(B, P, C, s, s)``, ``placements (B, P)`` (cell ``i`` of puzzle ``b``
    gets ``shuffled[b, placements[b, i]]``) -> ``pieces_right``, ``perfect``, ``psnr`` (dB, mean over puzzles)."""
    rows = torch.arange(len(placements)).unsqueeze(1)
    return score_pieces(originals, shuffled[rows, placements])


def score_pieces(originals: Tensor, placed: Tensor) -> dict[str, float]:
    """The scores of :func:`score_placements` for pieces already placed, ``placed`` shaped like ``originals``
    ``(B, P, ...)``; a pixel solver's images ``(B, 1, H, W)`` reshaped to ``(B, H*W)`` score each pixel as a piece."""
    right = (placed == originals).reshape(*originals.shape[:2], -1).all(-1)  # (B, P): each piece exactly its own
    mse = (placed - originals).pow(2).flatten(1).mean(1).clamp_min(1e-10)
    return {
        "pieces_right": float(right.float().mean()),
        "perfect": float(right.all(-1).float().mean()),
        "psnr": float((10 * torch.log10(1.0 / mse)).mean()),
    }
