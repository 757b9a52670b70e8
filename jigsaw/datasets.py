"""Datasets through torchvision's classes: MNIST, FashionMNIST, CIFAR-10, in torchvision's folder layout.

A split is loaded whole into memory as ``(images (N, C, H, W) float32 in [0, 1], labels (N,) int64)``.
"""

from __future__ import annotations

import gzip
import math
import os
import shutil
from pathlib import Path

import torch
from torch import Tensor

from jigsaw.errors import JigsawError
from jigsaw.files import remove_empty_folders

DATASETS = {"mnist": "MNIST", "fashion-mnist": "FashionMNIST", "cifar10": "CIFAR10"}
"""Our names of the datasets -> their torchvision classes (imported on use: torchvision takes seconds to import)."""
DEFAULT_DATA_DIR = "data"


def data_dir(path: str | os.PathLike | None = None) -> Path:
    """The dataset root: ``path`` if given, else ``$JIGSAW_DATA``, else ``./data``."""
    return Path(path or os.environ.get("JIGSAW_DATA") or DEFAULT_DATA_DIR)


def _unpack_offline_copies(raw_folder: Path) -> None:
    """Unpack ``*.gz`` files that a user copied into ``raw/`` so torchvision does not try to download them.

    torchvision only accepts its own compressed files (by md5); a re-compressed copy with the same content, such as
    Debian's FashionMNIST, would otherwise trigger a download.
    """
    for archive in sorted(raw_folder.glob("*.gz")):
        target = archive.with_suffix("")
        if target.exists():
            continue
        partial = target.with_name(f"{target.name}.{os.getpid()}.partial")  # torchrun's processes unpack at once
        try:
            with gzip.open(archive, "rb") as src, open(partial, "wb") as dst:
                shutil.copyfileobj(src, dst)
        except (OSError, EOFError) as error:
            partial.unlink(missing_ok=True)
            raise JigsawError(f"cannot unpack {archive}: {error}") from None
        partial.replace(target)


def load_dataset(
    name: str, train: bool, root: str | os.PathLike | None = None, download: bool = True
) -> tuple[Tensor, Tensor]:
    """Load a whole split into memory.

    Returns:
        ``(images (N, C, H, W) float32 in [0, 1], labels (N,) int64)``: ``(N, 1, 28, 28)`` for MNIST and
        FashionMNIST, ``(N, 3, 32, 32)`` for CIFAR-10.
    """
    if name not in DATASETS:
        raise JigsawError(f"unknown dataset {name!r}; choose one of {', '.join(DATASETS)}")
    from torchvision import datasets

    cls = getattr(datasets, DATASETS[name])
    root = data_dir(root)
    if name == "cifar10":
        folder, files = root, cls.filename
    else:
        folder, files = root / cls.__name__ / "raw", ", ".join(filename for filename, _ in cls.resources)
        if folder.is_dir():
            _unpack_offline_copies(folder)
    created = [f for f in (root, root / cls.__name__, root / cls.__name__ / "raw") if not f.exists()]
    try:
        dataset = cls(str(root), train=train, download=download)
    except (RuntimeError, OSError) as error:
        remove_empty_folders(created)  # what a failed download created
        reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise JigsawError(
            f"{name} is not in {folder} and could not be downloaded ({reason}); "
            f"put {files} there, or point --data-dir / JIGSAW_DATA at a folder that has them"
        ) from None
    pixels = torch.as_tensor(dataset.data)
    images = pixels.unsqueeze(1) if pixels.dim() == 3 else pixels.permute(0, 3, 1, 2)  # CIFAR: (N, H, W, 3)
    return images.float().div_(255.0).contiguous(), torch.as_tensor(dataset.targets).long()


def check_outside_data(out: str | os.PathLike, name: str, root: str | os.PathLike | None = None) -> None:
    """Refuse an output path inside the folder that holds dataset ``name``'s files (under ``root``): training
    data is an input, never overwritten, ``--force`` or not."""
    root = data_dir(root)
    folder = root if name not in DATASETS else root / ("cifar-10-batches-py" if name == "cifar10" else DATASETS[name])
    target, data = Path(out).resolve(), folder.resolve()
    if target == data or data in target.parents:
        raise JigsawError(f"{out} is inside the training data folder {folder}; write it somewhere else")


TRAIN_SIZES = {"mnist": 60_000, "fashion-mnist": 60_000, "cifar10": 50_000}


def steps_per_epoch(name: str, limit: int | None, batch_size: int, world_size: int = 1) -> int:
    """Mini-batches each process takes in one epoch over the first ``limit`` training images (all when ``None``),
    shared out among ``world_size`` processes."""
    size = min(limit or TRAIN_SIZES[name], TRAIN_SIZES[name])
    share = math.ceil(size / world_size)  # padded as jigsaw.devices.shard pads
    return math.ceil(share / batch_size)
