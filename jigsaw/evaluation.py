"""The evaluation harness for pixel-puzzle solvers: shuffle a test set, solve it, measure every solver alike.

A solver is any callable ``(shuffled (B, 1, H, W), labels (B,)) -> recovered (B, 1, H, W)`` whose output is a
permutation of each input's pixels; the harness checks that invariant.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import torch
from torch import Tensor

from jigsaw import baselines
from jigsaw.data import load_dataset
from jigsaw.errors import JigsawError
from jigsaw.metrics import image_metrics, predict
from jigsaw.models import LeNet5
from jigsaw.permute import is_permutation_of, shuffle_pixels

Solver = Callable[[Tensor, Tensor], Tensor]


@dataclass
class Puzzles:
    originals: Tensor  # (B, 1, H, W)
    shuffled: Tensor  # (B, 1, H, W), a fresh permutation per image
    labels: Tensor  # (B,)


def make_puzzles(dataset: str, limit: int | None, seed: int, root=None) -> Puzzles:
    """The first ``limit`` test images (all when ``None``), each shuffled with its own permutation from ``seed``."""
    return puzzles_from(*load_dataset(dataset, train=False, root=root), limit, seed)


def puzzles_from(images: Tensor, labels: Tensor, limit: int | None, seed: int) -> Puzzles:
    """:func:`make_puzzles` for a split already in memory."""
    images, labels = images[:limit], labels[:limit]
    shuffled, _ = shuffle_pixels(images, seed)
    return Puzzles(images, shuffled, labels)


BASELINES = ("shuffled", "class-mean", "knn-1", "knn")


def baseline_solvers(dataset: str, root=None, k: int = baselines.KNN_DEFAULT_K) -> dict[str, Solver]:
    """The non-learned solvers, sharing one reference built from the training split."""
    images, labels = load_dataset(dataset, train=True, root=root)
    reference = baselines.Reference.from_training_set(images, labels)
    return {
        "shuffled": baselines.solve_shuffled,
        "class-mean": partial(baselines.solve_class_mean, reference=reference),
        "knn-1": partial(baselines.solve_knn, reference=reference, k=1),
        "knn": partial(baselines.solve_knn, reference=reference, k=k),
    }


def sortgan_solver(path) -> Solver:
    """A trained sortGAN as a harness solver (labels given)."""
    from jigsaw.sortgan import load_solver

    model, _ = load_solver(path)
    return lambda shuffled, labels: model.solve(shuffled, labels)[0]


def classifier_solver(folder, config=None) -> Solver:
    """The frozen-classifier solver as a harness solver (default settings unless ``config`` is given)."""
    from jigsaw.classifier_solver import SolverConfig, load_solver_nets, solve

    nets = load_solver_nets(folder)
    return lambda shuffled, labels: solve(shuffled, labels, nets, config or SolverConfig())


def run_solver(name: str, solver: Solver, puzzles: Puzzles) -> tuple[Tensor, float]:
    """``(recovered, seconds)``; a solver that changes the pixel multiset is a bug, not a result."""
    start = time.perf_counter()
    with torch.no_grad():
        recovered = solver(puzzles.shuffled, puzzles.labels)
    seconds = time.perf_counter() - start
    if not is_permutation_of(recovered, puzzles.shuffled):
        raise RuntimeError(f"solver {name!r} returned images that are not permutations of their inputs")
    return recovered, seconds


def evaluate(solvers: dict[str, Solver], puzzles: Puzzles, judge: LeNet5, reference: Tensor,
             on_solver: Callable[[str], None] | None = None) -> tuple[dict[str, dict], dict[str, Tensor]]:
    """Metrics per solver, plus an ``original`` row (the ceiling: the unshuffled images themselves).

    ``reference`` is the whole real test split, the target of the Fréchet distance.
    """
    if len(puzzles.labels) < 2:
        raise JigsawError("evaluation needs at least 2 images")
    _, reference_features = predict(judge, reference)
    results, outputs = {}, {}
    for name, solver in {"original": lambda shuffled, labels: puzzles.originals, **solvers}.items():
        if on_solver is not None:
            on_solver(name)
        recovered, seconds = run_solver(name, solver, puzzles)
        metrics = image_metrics(recovered, puzzles.originals, puzzles.labels, judge, reference_features)
        metrics["images_per_second"] = len(recovered) / max(seconds, 1e-9)
        results[name], outputs[name] = metrics, recovered
    return results, outputs


# --------------------------------------------------------------------------------------------------------------------
# Tile puzzles
# --------------------------------------------------------------------------------------------------------------------
def evaluate_tiles(images: dict[str, Tensor], seed: int, tile: int | None = None,
                   grid: tuple[int, int] | None = None, on_image: Callable[[str], None] | None = None) -> list[dict]:
    """Cut each image into square ``tile``-pixel tiles (centre-cropped to fit) or into a ``grid``, shuffle with
    ``seed``, solve, and measure direct and neighbour accuracy and the solving time. ``arrangement`` lists the
    original tile each cell of the solution shows (row-major), pixel-identical tiles counted as interchangeable."""
    from jigsaw.data import crop_to_multiple
    from jigsaw.metrics import direct_accuracy, neighbour_accuracy, without_duplicate_swaps
    from jigsaw.tile_solver import solve_tiles
    from jigsaw.tiles import cut, shuffle_tiles

    if (tile is None) == (grid is None):
        raise JigsawError("give either a tile size or a grid")
    results = []
    for name, image in images.items():
        if on_image is not None:
            on_image(name)
        if tile is not None:
            image = crop_to_multiple(image, tile, tile)
            rows, cols = image.shape[1] // tile, image.shape[2] // tile
        else:
            rows, cols = grid
            image = crop_to_multiple(image, image.shape[1] // rows or 1, image.shape[2] // cols or 1)
        shuffled, perm = shuffle_tiles(image, rows, cols, seed)
        start = time.perf_counter()
        placement = solve_tiles(cut(shuffled, rows, cols), rows, cols)
        seconds = time.perf_counter() - start
        arrangement = without_duplicate_swaps(perm[placement], cut(image, rows, cols))  # original tile in each cell
        results.append({"image": name, "grid": f"{rows}x{cols}", "tiles": rows * cols,
                        "direct": direct_accuracy(arrangement), "neighbour": neighbour_accuracy(arrangement, rows, cols),
                        "seconds": seconds, "arrangement": arrangement.tolist()})
    return results
