"""Guessing a shuffled image's class from what a shuffle keeps: the multiset of its pixel values.

sortGAN needs the class. A shuffle destroys where the pixels are but not which values occur (how much ink, how
bright), and a small network on the sorted values alone names the class far more often than trying every class and
keeping the recovery the discriminator rates most real (figures in ``docs/sortgan.md``, from ``jigsaw evaluate``). The
bundled guessers are made by ``scripts/train_class_guessers.py``.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from torch import Tensor, nn

from jigsaw.checkpoint import load_checkpoint, load_state, require, save_checkpoint
from jigsaw.models import mlp
from jigsaw.pixels.judges import train_classifier
from jigsaw.progress import SILENT, Progress
from jigsaw.runs import command_line

KIND = "class-guess"
PIXELS, CLASSES, HIDDEN = 28 * 28, 10, 256


class MultisetClassifier(nn.Module):
    """Class logits ``(B, 10)`` of images ``(B, 1, 28, 28)`` (or ``(B, 784)``) from their sorted pixel values: the
    same for any shuffle of an image, by construction."""

    def __init__(self) -> None:
        super().__init__()
        self.net = mlp([PIXELS, HIDDEN, CLASSES])

    def forward(self, images: Tensor) -> Tensor:
        return self.net(images.flatten(1).sort(1).values)


def train_class_guesser(
    dataset: str, epochs: int, seed: int, data_root=None, progress: Progress = SILENT
) -> tuple[MultisetClassifier, list[dict]]:
    """Train with Adam on a dataset's training split (test accuracy logged per epoch), as the judges are trained."""
    return train_classifier(MultisetClassifier, dataset, epochs, seed, data_root=data_root, progress=progress)


def save_class_guesser(path, model: MultisetClassifier, dataset: str, seed: int, history: list[dict]) -> Path:
    meta = {"dataset": dataset, "seed": seed, "history": history, "command": command_line()}
    state = {name: value.half() for name, value in model.state_dict().items()}  # 0.4 MB, not 0.8
    return save_checkpoint(path, KIND, {"model": "multiset-mlp"}, state, meta)


def load_class_guesser(path) -> MultisetClassifier:
    """A frozen guesser in eval mode, from a checkpoint of :func:`save_class_guesser`."""
    payload = load_checkpoint(path, KIND)
    require(path, payload["meta"], dataset=str)
    return load_state(MultisetClassifier(), payload["state_dict"], path).eval().requires_grad_(False)


def bundled_guesser_path(dataset: str) -> Path:
    return Path(str(resources.files("jigsaw") / "assets" / f"class-guess-{dataset}.pt"))


def bundled_guesser(dataset: str) -> MultisetClassifier | None:
    """The bundled guesser of ``dataset``, ``None`` for a dataset that has none."""
    path = bundled_guesser_path(dataset)
    return load_class_guesser(path) if path.exists() else None
