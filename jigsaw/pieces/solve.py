"""Solving a piece puzzle file with a trained piece solver: the checkpoint loaded and checked against the puzzle, the
bundled model of a grid found, the pieces placed."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import torch
from torch import Tensor

from jigsaw.checkpoint import config_from, load_checkpoint, load_state
from jigsaw.errors import JigsawError
from jigsaw.pieces.mending import check_weight
from jigsaw.pieces.model import PieceSolverNet, assemble_pieces, cut_pieces
from jigsaw.pieces.run import KIND, OLDER_DEFAULTS, SIDE, PieceSolverConfig, solve_pieces


def bundled_path(dataset: str, grid: int) -> Path:
    """Where the bundled model of ``dataset`` for ``grid x grid`` pieces lives (it may not exist)."""
    return Path(str(resources.files("jigsaw") / "assets" / f"pieces-{dataset}-{grid}x{grid}.pt"))


def fits_bundled(image: Tensor, rows: int, cols: int, dataset: str) -> bool:
    """Whether a tile puzzle ``(C, H, W)`` is one a bundled piece solver takes: a 28x28 grayscale digit-sized image
    cut into a square grid that has a bundled model."""
    return tuple(image.shape) == (1, SIDE, SIDE) and rows == cols and bundled_path(dataset, rows).exists()


def load_piece_solver(
    path: str | Path, device: torch.device | str = "cpu"
) -> tuple[PieceSolverNet, PieceSolverConfig, float]:
    """A trained piece solver in eval mode on ``device``, its config, and the seam weight its placements are mended
    with (the bundled models': chosen by ``benchmarks/bench_pieces.py --bundle``; 0, not mended, for a training run's
    checkpoint)."""
    payload = load_checkpoint(path, KIND)
    config = config_from(path, payload["config"], PieceSolverConfig, OLDER_DEFAULTS).validate(path)
    model = load_state(config.network(), payload["state_dict"], path)
    weight = check_weight(payload["meta"].get("seam_weight", 0.0), f"{path}: meta 'seam_weight'")
    return model.eval().requires_grad_(False).to(device), config, weight


def solve_piece_puzzle(
    image: Tensor,
    rows: int,
    cols: int,
    model_path: str | Path,
    device: torch.device | str = "cpu",
    seam_weight: float | None = None,
) -> Tensor:
    """Place the pieces of a shuffled ``(1, 28, 28)`` puzzle of ``rows x cols`` pieces with the model at
    ``model_path``, mended by the seams with ``seam_weight`` (``None``: the model's own; 0: not mended); returns the
    recovered image. A colour puzzle, a puzzle of another size or grid than the model's is refused in one sentence."""
    model, config, own_weight = load_piece_solver(model_path, device)
    seam_weight = own_weight if seam_weight is None else seam_weight
    if image.shape[0] != 1:
        raise JigsawError(f"{model_path} solves grayscale puzzles; this one has {image.shape[0]} channels")
    if tuple(image.shape[1:]) != (SIDE, SIDE):
        raise JigsawError(f"{model_path} solves {SIDE}x{SIDE} puzzles; this one is {image.shape[2]}x{image.shape[1]}")
    if (rows, cols) != (config.grid, config.grid):
        raise JigsawError(
            f"{model_path} was trained on {config.grid}x{config.grid} pieces ({config.dataset}); this puzzle is "
            f"{rows}x{cols}"
        )
    placement = solve_pieces(model, image.unsqueeze(0), config.grid, seam_weight=seam_weight)[0]
    pieces = cut_pieces(image.unsqueeze(0), config.grid)
    return assemble_pieces(pieces[:, placement], config.grid)[0]
