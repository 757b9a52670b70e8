"""Trained LeNet5 classifiers: training, checkpoints, and the bundled independent *judges*.

A judge is a LeNet5 trained with its own seed on a training set and used only to *measure* solvers (accuracy on
recovered images, Fréchet features). It is never one of a solver's own networks.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import TypeVar

import torch
from torch import nn

from jigsaw.checkpoint import load_checkpoint, load_state, save_checkpoint
from jigsaw.datasets import load_dataset
from jigsaw.devices import SINGLE, Processes, wrap
from jigsaw.models import LeNet5
from jigsaw.progress import SILENT, Progress
from jigsaw.runs import command_line
from jigsaw.training import Split, fit

KIND = "classifier"
JUDGE_SEED = 1234


M = TypeVar("M", bound=nn.Module)


def train_classifier(
    network: Callable[[], M],
    dataset: str,
    epochs: int,
    seed: int,
    lr: float = 1e-3,
    batch_size: int = 128,
    data_root=None,
    limit: int | None = None,
    progress: Progress = SILENT,
    device: torch.device | str = "cpu",
    processes: Processes = SINGLE,
) -> tuple[M, list]:
    """Train the classifier ``network()`` builds (after seeding; LeNet5 for the judges) with Adam on a dataset's
    training split; test accuracy is logged per epoch. Under ``torchrun`` (``processes``) the model is DDP-wrapped
    and each process trains its shard of every epoch."""
    train_images, train_labels = load_dataset(dataset, train=True, root=data_root)
    test_images, test_labels = load_dataset(dataset, train=False, root=data_root)
    if limit is not None:
        train_images, train_labels = train_images[:limit], train_labels[:limit]
    torch.manual_seed(seed)
    model = network().to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    history = fit(
        wrap(model, torch.device(device), processes),
        optimizer,
        Split(train_images, train_labels),
        Split(test_images, test_labels),
        epochs,
        seed,
        batch_size=batch_size,
        progress=progress,
        processes=processes,
    )
    return model, history


def save_classifier(
    path, model: LeNet5, dataset: str, seed: int, history: list[dict], extra: dict | None = None
) -> Path:
    """A LeNet5 checkpoint; ``extra`` joins its meta (the training a solver's net belongs to)."""
    meta = {"dataset": dataset, "seed": seed, "history": history, "command": command_line(), **(extra or {})}
    return save_checkpoint(path, KIND, {"model": "lenet5"}, model.state_dict(), meta)


def load_classifier(path) -> tuple[LeNet5, dict]:
    """A frozen LeNet5 in eval mode and its checkpoint's meta."""
    payload = load_checkpoint(path, KIND)
    model = load_state(LeNet5(), payload["state_dict"], path)
    model.eval().requires_grad_(False)
    return model, payload["meta"]


def bundled_judge_path(dataset: str) -> Path:
    return Path(str(resources.files("jigsaw") / "assets" / f"judge-{dataset}.pt"))


def load_judge(dataset: str, path=None) -> LeNet5:
    """The independent classifier that scores recovered images: ``path`` if given, else the bundled one."""
    model, meta = load_classifier(path or bundled_judge_path(dataset))
    if path is None and meta.get("dataset") != dataset:
        raise RuntimeError(f"bundled judge for {dataset} was trained on {meta.get('dataset')}")
    return model
