"""One supervised training loop for classifiers, whatever the optimizer (Adam, SGD, IndexOptimizer).

Mini-batch order is derived from ``(seed, epoch)``, so a run resumed at an epoch boundary sees the same batches as
one that never stopped.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from jigsaw.devices import SINGLE, Processes, mean_over_processes, shard
from jigsaw.errors import JigsawError
from jigsaw.progress import SILENT, Progress
from jigsaw.runs import epoch_seed


def epoch_generator(seed: int, epoch: int) -> torch.Generator:
    return torch.Generator().manual_seed(epoch_seed(seed, epoch))


class Data(Protocol):
    """A split a classifier trains or is measured on: in memory (:class:`Split`) or streamed from files
    (:class:`jigsaw.imagefolder.ImageFolderSplit`)."""

    def __len__(self) -> int: ...

    def train_batches(
        self, batch_size: int, generator: torch.Generator, processes: Processes = SINGLE, max_shift: int = 0
    ) -> Iterator[tuple[Tensor, Tensor]]: ...

    def test_batches(self, batch_size: int = 2000) -> Iterator[tuple[Tensor, Tensor]]: ...


@torch.no_grad()
def accuracy(model: nn.Module, data: Data) -> float:
    """Share of ``data``'s images that ``model`` classifies right."""
    model.eval()
    device = next(model.parameters()).device
    correct = sum(int((model(x.to(device)).argmax(1).cpu() == y).sum()) for x, y in data.test_batches())
    return correct / len(data)


def random_shifts(images: Tensor, max_shift: int, generator: torch.Generator) -> Tensor:
    """Each image of ``(B, C, H, W)`` moved by its own random offset of up to ``max_shift`` pixels along each axis;
    uncovered pixels get the batch's minimum, the background of digit images."""
    b, _, h, w = images.shape
    padded = F.pad(images, (max_shift,) * 4, value=float(images.min()))
    dy, dx = (torch.randint(0, 2 * max_shift + 1, (b, 1), generator=generator) for _ in range(2))
    rows, cols = dy + torch.arange(h), dx + torch.arange(w)  # (B, H), (B, W)
    return padded[
        torch.arange(b)[:, None, None, None],
        torch.arange(images.shape[1])[None, :, None, None],
        rows[:, None, :, None],
        cols[:, None, None, :],
    ]


@dataclass
class Split:
    """A split held in memory: ``images (N, C, H, W)``, ``labels (N,)``."""

    images: Tensor
    labels: Tensor

    def __len__(self) -> int:
        return len(self.labels)

    def train_batches(
        self, batch_size: int, generator: torch.Generator, processes: Processes = SINGLE, max_shift: int = 0
    ) -> Iterator[tuple[Tensor, Tensor]]:
        """This process's batches of one epoch: its shard of the order drawn from ``generator``, each batch randomly
        shifted (:func:`random_shifts`) when ``max_shift`` > 0."""
        for index in shard(torch.randperm(len(self.labels), generator=generator), processes).split(batch_size):
            images = self.images[index]
            if max_shift:
                images = random_shifts(images, max_shift, generator)
            yield images, self.labels[index]

    def test_batches(self, batch_size: int = 2000) -> Iterator[tuple[Tensor, Tensor]]:
        yield from zip(self.images.split(batch_size), self.labels.split(batch_size))


def train_epoch(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    train: Data,
    batch_size: int,
    generator: torch.Generator,
    progress: Progress = SILENT,
    max_shift: int = 0,
    processes: Processes = SINGLE,
    amp: bool = False,
) -> float:
    """One pass over ``train`` (each batch randomly shifted when ``max_shift`` > 0); returns the mean training loss
    over every process. Batches go to the model's device; under ``torchrun`` each process takes its shard of the
    epoch's order and ``batch_size`` images per step (the global batch is ``world_size`` times larger). With
    ``amp`` the forward pass runs under bfloat16 autocast (weights, gradients and optimizer stay float32; bfloat16
    keeps float32's range, so no loss scaling is needed)."""
    model.train()
    device = next(model.parameters()).device
    total, count = 0.0, 0
    for images, labels in train.train_batches(batch_size, generator, processes, max_shift):
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):
            loss = F.cross_entropy(model(images.to(device)), labels.to(device))
        loss.backward()
        optimizer.step()
        total += loss.item() * len(labels)
        count += len(labels)
        progress.advance()
    return mean_over_processes(total, count, device, processes)


def fit(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    train: Data,
    test: Data,
    epochs: int,
    seed: int,
    batch_size: int = 128,
    scheduler=None,
    patience: int | None = None,
    start_epoch: int = 0,
    history: list[dict] | None = None,
    progress: Progress = SILENT,
    on_epoch: Callable[[dict], None] | None = None,
    before_eval: Callable[[], None] | None = None,
    max_shift: int = 0,
    processes: Processes = SINGLE,
    amp: bool = False,
) -> list[dict]:
    """Train for ``epochs`` epochs (counting from ``start_epoch``), stopping early when test accuracy has not
    improved for ``patience`` epochs. Returns one record per epoch: epoch, train loss, test accuracy, lr (and
    ``world_size`` under ``torchrun``).

    ``model`` may be DDP-wrapped (:func:`jigsaw.devices.wrap`); every process measures the whole test split, so
    they agree on early stopping. ``on_epoch`` sees each record before ``progress`` reports it (a trainer commits
    its checkpoint there). ``max_shift`` > 0 trains on randomly shifted images (:func:`random_shifts`); ``amp``
    trains under bfloat16 autocast (:func:`train_epoch`).
    ``before_eval`` runs after each epoch's last step (the LaPerm ablation syncs its weights there, so the network
    that is measured is a permutation of its initial weights)."""
    history = list(history or [])
    network = getattr(model, "module", model)  # the model itself, for measuring
    for epoch in range(start_epoch, epochs):
        loss = train_epoch(
            model, optimizer, train, batch_size, epoch_generator(seed, epoch), progress, max_shift, processes, amp
        )
        check_finite_loss(loss, epoch)
        if before_eval is not None:
            before_eval()
        record = {
            "epoch": epoch + 1,
            "train_loss": loss,
            "test_accuracy": accuracy(network, test),
            "lr": optimizer.param_groups[0]["lr"],
        }
        if processes.distributed:
            record["world_size"] = processes.world_size
        if scheduler is not None:
            scheduler.step()
        history.append(record)
        if on_epoch is not None:
            on_epoch(record)
        progress.epoch(record)
        if patience is not None and stalled(history, patience):
            break
    return history


def check_finite_loss(loss: float, epoch: int, what: str = "training loss") -> None:
    """Stop a run whose epoch ``epoch`` (counted from 0) ended with a loss that is not finite, before it is saved:
    the checkpoint keeps the last finite epoch."""
    if not math.isfinite(loss):
        kept = f"epoch {epoch}" if epoch else "nothing"
        raise JigsawError(
            f"epoch {epoch + 1}'s {what} is {loss}: the run stopped and its checkpoint keeps {kept}; "
            "start again with a lower --lr"
        )


def stalled(history: list[dict], patience: int) -> bool:
    """True when the best test accuracy is more than ``patience`` epochs old."""
    best_epoch = max(range(len(history)), key=lambda i: (history[i]["test_accuracy"], -i))
    return len(history) - 1 - best_epoch >= patience
