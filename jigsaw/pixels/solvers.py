"""Every pixel solver by name: what ``jigsaw solve --method`` and ``jigsaw evaluate --method`` accept.

A harness solver is a callable ``(shuffled (B, 1, H, W), labels (B,)) -> recovered (B, 1, H, W)``. A new solver is
added here, once, and both commands offer it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from torch import Tensor

from jigsaw.errors import JigsawError
from jigsaw.pixels import baselines
from jigsaw.progress import SILENT, Progress

Solver = Callable[[Tensor, Tensor], Tensor]

BASELINES = ("shuffled", "class-mean", "knn-1", "knn")
LEARNED = ("sortgan", "classifier")
METHODS = (*BASELINES, *LEARNED)
SINGLE_IMAGE = LEARNED
"""The methods ``jigsaw solve`` offers for one image (the baselines only make sense over a test set)."""

CLASSIFIERS_NEEDED = "the classifier method needs --classifiers DIR (from `jigsaw train solver-nets`)"


@dataclass
class SolverSettings:
    """What building a solver may need."""

    dataset: str = "mnist"
    data_dir: Path | None = None
    knn_k: int = baselines.KNN_DEFAULT_K
    model: Path | None = None  # sortGAN checkpoint; None: the bundled one for the dataset
    classifiers: Path | None = None  # folder of `jigsaw train solver-nets`
    device: str = "cpu"  # where the learned solvers run (a torch device name)

    def sortgan_path(self) -> Path:
        from jigsaw.pixels.sortgan import bundled_solver_path

        return self.model or bundled_solver_path(self.dataset)


def check_single_image_method(method: str) -> None:
    if method not in SINGLE_IMAGE:
        raise JigsawError(f"unknown method {method!r}; choose {' or '.join(SINGLE_IMAGE)}")


def chosen_methods(requested: list[str], settings: SolverSettings) -> list[str]:
    """The methods ``requested`` names (``all``: every baseline, plus sortGAN when its model exists and the
    classifier solver when its nets are given), refused with one sentence when unknown or not runnable."""
    available = [
        *BASELINES,
        *(["sortgan"] if settings.sortgan_path().exists() else []),
        *(["classifier"] if settings.classifiers else []),
    ]
    methods = available if "all" in requested else list(requested)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise JigsawError(f"unknown method {unknown[0]!r}; choose from all, {', '.join(METHODS)}")
    if "classifier" in methods and settings.classifiers is None:
        raise JigsawError(CLASSIFIERS_NEEDED)
    return methods


def build_solvers(methods: list[str], settings: SolverSettings) -> dict[str, Solver]:
    """The harness solvers of ``methods``, in the order of :data:`METHODS`; the baselines share one reference."""
    solvers: dict[str, Solver] = {}
    if any(m in BASELINES for m in methods):
        baselines = baseline_solvers(settings.dataset, settings.data_dir, k=settings.knn_k)
        solvers.update({name: solver for name, solver in baselines.items() if name in methods})
    if "sortgan" in methods:
        solvers["sortgan"] = sortgan_solver(settings.sortgan_path(), settings.device)
    if "classifier" in methods:
        assert settings.classifiers is not None  # chosen_methods refused it otherwise
        solvers["classifier"] = classifier_solver(settings.classifiers, device=settings.device)
    return solvers


def baseline_solvers(dataset: str, root=None, k: int = baselines.KNN_DEFAULT_K) -> dict[str, Solver]:
    """The non-learned solvers, sharing one reference built from the training split."""
    from jigsaw.datasets import load_dataset

    images, labels = load_dataset(dataset, train=True, root=root)
    reference = baselines.Reference.from_training_set(images, labels)
    return {
        "shuffled": baselines.solve_shuffled,
        "class-mean": partial(baselines.solve_class_mean, reference=reference),
        "knn-1": partial(baselines.solve_knn, reference=reference, k=1),
        "knn": partial(baselines.solve_knn, reference=reference, k=k),
    }


def sortgan_solver(path, device: str = "cpu") -> Solver:
    """A trained sortGAN as a harness solver (labels given)."""
    from jigsaw.pixels.sortgan import load_solver

    model, _ = load_solver(path, device)
    return lambda shuffled, labels: model.solve(shuffled, labels)[0]


def classifier_solver(folder, config=None, device: str = "cpu") -> Solver:
    """The frozen-classifier solver as a harness solver (default settings unless ``config`` is given)."""
    from jigsaw.pixels.classifier_solver import SolverConfig, load_solver_nets, solve

    nets = load_solver_nets(folder, device)
    return lambda shuffled, labels: solve(shuffled, labels, nets, config or SolverConfig())


def solve_digit(
    method: str,
    puzzle: Path,
    label: int | None,
    settings: SolverSettings,
    steps: int = 200,
    progress: Progress = SILENT,
) -> tuple[Tensor, int]:
    """Recover the shuffled 28x28 image in the file ``puzzle`` with ``method``; returns ``(recovered (1, 28, 28),
    label)``. sortGAN guesses the label when it is ``None`` (from the pixel values, see
    :mod:`jigsaw.pixels.class_guess`); the classifier solver needs it."""
    import torch

    if label is not None and not 0 <= label <= 9:
        raise JigsawError(f"--label must be a class from 0 to 9, got {label}")
    check_single_image_method(method)
    if method == "classifier":
        from jigsaw.pixels.classifier_solver import SolverConfig, load_solver_nets, solve

        if label is None:
            raise JigsawError("the classifier method needs --label, a class from 0 to 9")
        if settings.classifiers is None:
            raise JigsawError(CLASSIFIERS_NEEDED)
        shuffled = read_digit(puzzle)
        nets = load_solver_nets(settings.classifiers, settings.device)
        recovered = solve(shuffled.unsqueeze(0), torch.tensor([label]), nets, SolverConfig(steps=steps), progress)
        return recovered[0], label
    from jigsaw.pixels.sortgan import load_solver

    shuffled = read_digit(puzzle)
    solver, _ = load_solver(settings.sortgan_path(), settings.device)
    recovered, labels = solver.solve(shuffled.unsqueeze(0), None if label is None else torch.tensor([label]))
    return recovered[0], int(labels[0])


def read_digit(path: Path) -> Tensor:
    """An image file that the pixel solvers take: 28x28 grayscale, ``(1, 28, 28)``."""
    from jigsaw.files import read_image

    image = read_image(path)
    if tuple(image.shape) != (1, 28, 28):
        raise JigsawError(
            f"{path}: sortGAN solves 28x28 grayscale images, this one is "
            f"{image.shape[2]}x{image.shape[1]} with {image.shape[0]} channel(s)"
        )
    return image
