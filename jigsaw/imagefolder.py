"""Image datasets too large for memory, streamed from torchvision's ``ImageFolder`` layout (ImageNet and the like).

The layout: ``ROOT/train/<class>/<image>`` and ``ROOT/val/<class>/<image>``, the same class folders in both.
Training images get the usual ImageNet augmentation (``RandomResizedCrop`` to ``image_size``, horizontal flip),
test images are resized to ``image_size * 8 / 7`` and centre-cropped. Both are standardised with ImageNet's mean and
std when ``normalize`` is on.

Every training image's augmentation is drawn from its own seed, which the epoch's generator deals out with the
order, so the batches are the same whatever the number of loader workers, and a run resumed at an epoch boundary
sees what an uninterrupted one sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from jigsaw.devices import SINGLE, Processes, shard
from jigsaw.errors import JigsawError

IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)
SPLITS = {True: "train", False: "val"}


def class_names(root: Path) -> list[str]:
    """The class folders of ``root/train``, sorted as ``ImageFolder`` sorts them; a one-line error when missing."""
    folder = root / SPLITS[True]
    if not folder.is_dir():
        raise JigsawError(
            f"{folder} is not a folder: an image folder dataset needs {root}/train/<class>/<image> and "
            f"{root}/val/<class>/<image> (torchvision's ImageFolder layout); point --data-dir at it"
        )
    names = sorted(entry.name for entry in folder.iterdir() if entry.is_dir())
    if not names:
        raise JigsawError(f"{folder} has no class folders (expected {folder}/<class>/<image>)")
    return names


class ImageFolderSplit:
    """One split (``train`` or ``val``) of an image folder, in batches of ``(images (B, 3, S, S), labels (B,))``."""

    def __init__(
        self, root: Path, train: bool, image_size: int, normalize: bool, workers: int = 0, limit: int | None = None
    ):
        from torchvision import transforms
        from torchvision.datasets import ImageFolder

        folder = root / SPLITS[train]
        try:
            dataset = ImageFolder(str(folder))
        except (FileNotFoundError, OSError) as error:
            raise JigsawError(f"cannot read the image folder {folder}: {str(error).splitlines()[0]}") from None
        if dataset.classes != class_names(root):
            raise JigsawError(f"{folder} has other class folders than {root / SPLITS[True]}")
        self.classes = dataset.classes
        self.samples = dataset.samples[:limit]
        self.loader, self.train, self.workers = dataset.loader, train, workers
        finish = [transforms.ToTensor()] + ([transforms.Normalize(IMAGENET_MEAN, IMAGENET_STD)] if normalize else [])
        if train:
            start = [transforms.RandomResizedCrop(image_size), transforms.RandomHorizontalFlip()]
        else:
            start = [transforms.Resize(round(image_size * 8 / 7)), transforms.CenterCrop(image_size)]
        self.transform = transforms.Compose(start + finish)

    def __len__(self) -> int:
        return len(self.samples)

    def __getitem__(self, key: int | tuple[int, int]) -> tuple[Tensor, int]:
        """Image and label of sample ``key`` (an index, or ``(index, seed)``: its augmentation drawn from ``seed``)."""
        index, seed = key if isinstance(key, tuple) else (key, None)
        path, label = self.samples[index]
        try:
            image = self.loader(path)
        except OSError as error:
            raise JigsawError(f"cannot read {path}: {error}") from None
        if seed is None:
            return self.transform(image), label
        with torch.random.fork_rng(devices=[]):  # torchvision's random transforms draw from the global generator
            torch.manual_seed(seed)
            return self.transform(image), label

    def train_batches(
        self, batch_size: int, generator: torch.Generator, processes: Processes = SINGLE, max_shift: int = 0
    ) -> Iterator[tuple[Tensor, Tensor]]:
        """This process's batches of one epoch: its shard of the epoch's order (drawn from ``generator``), each
        image augmented from its own seed. ``max_shift`` is for in-memory digits; here the crop moves the image."""
        order = torch.randperm(len(self), generator=generator)
        seeds = torch.randint(2**62, (len(self),), generator=generator)
        keys = [(int(i), int(seeds[i])) for i in shard(order, processes)]
        yield from self._batches(keys, batch_size)

    def test_batches(self, batch_size: int = 256) -> Iterator[tuple[Tensor, Tensor]]:
        """Every image of the split, in order."""
        yield from self._batches(list(range(len(self))), batch_size)

    def _batches(self, keys: list[Any], batch_size: int) -> Iterator[tuple[Tensor, Tensor]]:
        from torch.utils.data import DataLoader

        loader: DataLoader = DataLoader(self, batch_size=batch_size, sampler=keys, num_workers=self.workers)  # type: ignore[arg-type]
        yield from loader
