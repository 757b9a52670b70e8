"""The evaluation harness for pixel-puzzle solvers: shuffle a test set, solve it, measure every solver alike.

A solver is any callable ``(shuffled (B, 1, H, W), labels (B,)) -> recovered (B, 1, H, W)`` whose output is a
permutation of each input's pixels (the registry ``jigsaw.pixels.solvers`` names them); the harness checks that
invariant.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import torch
from torch import Tensor

from jigsaw.datasets import load_dataset
from jigsaw.errors import JigsawError
from jigsaw.figures import write_labelled_grid
from jigsaw.files import write_json
from jigsaw.models import LeNet5
from jigsaw.permute import is_permutation_of, shuffle_pixels
from jigsaw.pixels.judges import load_judge
from jigsaw.pixels.metrics import image_metrics, predict
from jigsaw.pixels.solvers import Solver, SolverSettings, build_solvers
from jigsaw.progress import SILENT, Progress
from jigsaw.runs import command_line


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


def run_solver(name: str, solver: Solver, puzzles: Puzzles) -> tuple[Tensor, float]:
    """``(recovered, seconds)``; a solver that changes the pixel multiset is a bug, not a result."""
    start = time.perf_counter()
    with torch.no_grad():
        recovered = solver(puzzles.shuffled, puzzles.labels)
    seconds = time.perf_counter() - start
    if not is_permutation_of(recovered, puzzles.shuffled):
        raise RuntimeError(f"solver {name!r} returned images that are not permutations of their inputs")
    return recovered, seconds


def evaluate(
    solvers: dict[str, Solver], puzzles: Puzzles, judge: LeNet5, reference: Tensor, progress: Progress = SILENT
) -> tuple[dict[str, dict], dict[str, Tensor]]:
    """Metrics per solver, plus an ``original`` row (the ceiling: the unshuffled images themselves).

    ``reference`` is the whole real test split, the target of the Fréchet distance.
    """
    if len(puzzles.labels) < 2:
        raise JigsawError("evaluation needs at least 2 images")
    _, reference_features = predict(judge, reference)
    results, outputs = {}, {}
    for name, solver in {"original": lambda shuffled, labels: puzzles.originals, **solvers}.items():
        progress.advance(name)
        recovered, seconds = run_solver(name, solver, puzzles)
        metrics = image_metrics(recovered, puzzles.originals, puzzles.labels, judge, reference_features)
        metrics["images_per_second"] = len(recovered) / max(seconds, 1e-9)
        results[name], outputs[name] = metrics, recovered
    return results, outputs


def label_guess_accuracy(sortgan_path: Path, puzzles: Puzzles, device: str = "cpu") -> float:
    """Share of puzzles whose class sortGAN guesses right (:meth:`~jigsaw.pixels.sortgan.SortGAN.guess_labels`),
    as ``jigsaw solve`` does without ``--label``."""
    from jigsaw.pixels.sortgan import load_solver

    model, _ = load_solver(sortgan_path, device)
    _, guessed = model.solve(puzzles.shuffled)
    return float((guessed == puzzles.labels).float().mean())


def evaluate_test_set(
    methods: list[str],
    settings: SolverSettings,
    limit: int | None,
    seed: int,
    judge_path: Path | None,
    metrics_path: Path,
    grid_path: Path,
    progress: Progress = SILENT,
) -> dict:
    """``jigsaw evaluate``: solve the first ``limit`` test images with each method, write ``metrics.json`` (the
    returned report) and ``grid.png`` (original, shuffled and every method's recovery of the first ten)."""
    judge = load_judge(settings.dataset, judge_path).to(settings.device)
    reference, reference_labels = load_dataset(settings.dataset, train=False, root=settings.data_dir)
    puzzles = puzzles_from(reference, reference_labels, limit, seed)
    solvers = build_solvers(methods, settings)
    results, outputs = evaluate(solvers, puzzles, judge, reference, progress)
    metrics_path.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "dataset": settings.dataset,
        "images": len(puzzles.labels),
        "seed": seed,
        "knn_k": settings.knn_k,
        "judge": str(judge_path or "bundled"),
        "sortgan": str(settings.sortgan_path()) if "sortgan" in solvers else None,
        "command": command_line(),
        "results": results,
    }
    if "sortgan" in solvers:  # what `jigsaw solve` does without --label: how often is its guess right?
        report["sortgan_label_guess_accuracy"] = label_guess_accuracy(settings.sortgan_path(), puzzles, settings.device)
    write_json(metrics_path, report)
    first = slice(0, 10)
    shown = [m for m in solvers if m != "shuffled"]
    columns = [puzzles.originals[first], puzzles.shuffled[first], *(outputs[m][first] for m in shown)]
    write_labelled_grid(columns, ["original", "shuffled", *shown], grid_path, force=True)
    return report
