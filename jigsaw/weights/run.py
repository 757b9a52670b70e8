"""A resumable training run of the index optimizer (or of its plain base optimizer, for reference).

The run's files live in a :class:`~jigsaw.runs.RunFolder`: ``checkpoint.pt`` (model, optimizer, scheduler, history,
initial weights) and ``log.jsonl``, one record per epoch.

Thesis settings: Adam for LeNet5, SGD with momentum 0.9 for the VGG; lr 1e-3 decayed exponentially; batch 128;
early stopping when test accuracy has not improved for 20 epochs. "Exponential decay with factor 1.01" is read as
``lr_epoch = lr / 1.01 ** epoch`` (``ExponentialLR(gamma=1/1.01)``), stepped once per epoch.

Two choices the thesis does not state, on by default (``--no-normalize``, ``--shift 0`` turn them off; their
measured effect is in ``docs/research-log.md``): inputs standardised per channel with the training split's mean and
std, and training images shifted at random by up to 2 pixels. A network trained this way expects standardised
inputs. Checkpoints written before these options existed load with ``normalize=False, shift=0``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import torch

from jigsaw.checkpoint import (
    check_history,
    check_like,
    config_from,
    load_checkpoint,
    load_state,
    require,
    restore,
    save_checkpoint,
)
from jigsaw.datasets import data_dir, load_dataset, steps_per_epoch
from jigsaw.devices import wrap
from jigsaw.errors import JigsawError
from jigsaw.models import build_model
from jigsaw.permute import GRANULARITIES
from jigsaw.progress import SILENT, Progress
from jigsaw.runs import RunFolder, check_run_settings
from jigsaw.training import Data, Split, fit
from jigsaw.weights.optim import BASE_OPTIMIZERS, INITS, IndexOptimizer, initialize

KIND = "index-opt"
LEGACY_DEFAULTS = {"normalize": False, "shift": 0}
"""Checkpoints written before these options existed trained on raw, unshifted pixels."""
DIGITS = ("mnist", "fashion-mnist")
MODEL_DATASETS = {
    "lenet5": DIGITS,
    "lenet5-caffe": DIGITS,
    "conv7": DIGITS,
    "vgg": ("cifar10",),
    "resnet34": ("imagefolder",),
}
STREAMED = "imagefolder"
"""The dataset streamed from files (:mod:`jigsaw.imagefolder`) rather than held in memory."""


@dataclass
class IndexOptConfig:
    model: str = "lenet5"
    dataset: str = "mnist"
    init: str = "normal"
    granularity: str = "layer"
    ste: bool = True
    sync_every: int = 1
    plain: bool = False  # train with the base optimizer alone (the reference the thesis compares with)
    base: str | None = None  # None: adam for lenet5, sgd (momentum 0.9) for vgg
    lr: float = 1e-3
    lr_decay: float = 1.01
    batch_size: int = 128
    epochs: int = 10
    patience: int = 20
    seed: int = 0
    normalize: bool = True  # standardise inputs with the training split's per-channel mean and std
    shift: int = 2  # random translation of training images by up to this many pixels (0: none)
    limit: int | None = None  # first N training images only (tests, quick looks)
    amp: bool = False  # bfloat16 autocast in the forward pass (jigsaw.training.train_epoch)
    image_size: int = 224  # imagefolder: the side of the square crops the network sees
    classes: int | None = None  # imagefolder: class folders (counted by with_folder_classes); others have 10

    def validate(self, path: object = None) -> IndexOptConfig:
        """``self``, or one sentence on the first setting no run can use (``path``: the checkpoint it came from)."""
        check_run_settings(path, lr=self.lr, seed=self.seed, epochs=self.epochs, limit=self.limit)
        checks = [
            (self.model in MODEL_DATASETS, f"unknown model {self.model!r}; choose one of {', '.join(MODEL_DATASETS)}"),
            (
                self.dataset in MODEL_DATASETS.get(self.model, ()),
                f"model {self.model} trains on {' or '.join(MODEL_DATASETS.get(self.model, ()))}, not {self.dataset}",
            ),
            (self.init in INITS, f"unknown init {self.init!r}; choose one of {', '.join(INITS)}"),
            (
                self.granularity in GRANULARITIES,
                f"unknown granularity {self.granularity!r}; choose one of {', '.join(GRANULARITIES)}",
            ),
            (self.base is None or self.base in BASE_OPTIMIZERS, f"unknown base optimizer {self.base!r}"),
            (self.sync_every >= 1, "--sync-every must be at least 1"),
            (self.shift >= 0, "--shift must be at least 0"),
            (self.ste or not self.plain, "--plain and --no-ste do not combine"),
            (self.batch_size >= 1, "--batch-size must be at least 1"),
            (self.lr_decay >= 1.0, "--lr-decay must be at least 1 (the learning rate never grows)"),
            (self.image_size >= 16, "--image-size must be at least 16"),
            (self.patience >= 1, "the patience must be at least 1 epoch"),
        ]
        for ok, message in checks:
            if not ok:
                raise JigsawError(message)
        return self

    @property
    def base_optimizer(self) -> str:
        return self.base or ("sgd" if self.model == "vgg" else "adam")

    def network(self) -> torch.nn.Module:
        """The untrained network this config trains."""
        return build_model(self.model, **({"num_classes": self.classes or 1000} if self.model == "resnet34" else {}))

    def steps_left(self, epochs_done: int, world_size: int = 1) -> int | None:
        """Optimizer steps still to run (for a progress bar); ``None`` for a streamed dataset, whose size is only
        known once its folder is read."""
        if self.dataset == STREAMED:
            return None
        return steps_per_epoch(self.dataset, self.limit, self.batch_size, world_size) * (self.epochs - epochs_done)

    def describe(self) -> str:
        if self.plain:
            return f"{self.model}, plain {self.base_optimizer}, {self.init} init"
        mode = "STE" if self.ste else f"LaPerm k={self.sync_every}"
        return f"{self.model}, {self.init} init, {self.granularity}, {mode}"


class IndexOptRun:
    """Model, optimizer and scheduler of a run, built from a config (and restored from a checkpoint)."""

    def __init__(self, config: IndexOptConfig, device: torch.device | str = "cpu"):
        self.config = config.validate()
        torch.manual_seed(config.seed)
        model = initialize(config.network(), config.init, config.seed)  # on the CPU: the same on any device
        self.initial_state = {k: v.clone() for k, v in model.state_dict().items()}
        self.model = model.to(device)
        self.world_size = 1  # processes that train it (set by RunFolder.start)
        extra: dict[str, Any] = {"momentum": 0.9} if config.base_optimizer == "sgd" else {}
        if config.plain:
            self.optimizer = BASE_OPTIMIZERS[config.base_optimizer](self.model.parameters(), lr=config.lr, **extra)
        else:
            self.optimizer = IndexOptimizer(
                self.model.parameters(),
                base=config.base_optimizer,
                lr=config.lr,
                granularity=config.granularity,
                ste=config.ste,
                sync_every=config.sync_every,
                **extra,
            )
        self.scheduler = torch.optim.lr_scheduler.ExponentialLR(self.optimizer, gamma=1.0 / config.lr_decay)
        self.history: list[dict] = []

    def save(self, path: Path) -> None:
        meta = {
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict(),
            "history": self.history,
            "initial_state_dict": self.initial_state,
            "world_size": self.world_size,
        }
        save_checkpoint(path, KIND, asdict(self.config), self.model.state_dict(), meta)

    @classmethod
    def load(cls, path: Path, device: torch.device | str = "cpu") -> IndexOptRun:
        payload = load_checkpoint(path, KIND)
        meta = payload["meta"]
        config = config_from(path, payload["config"], IndexOptConfig, defaults=LEGACY_DEFAULTS).validate(path)
        require(path, meta, optimizer=dict, scheduler=dict, history=list, initial_state_dict=dict)
        run = cls(config, device)
        check_like(path, "the scheduler state", meta["scheduler"], run.scheduler.state_dict())
        run.world_size = meta.get("world_size", 1)
        load_state(run.model, payload["state_dict"], path)
        load_state(config.network(), meta["initial_state_dict"], path, what="initial weights")
        restore(path, "the optimizer state", lambda: run.optimizer.load_state_dict(meta["optimizer"]))
        restore(path, "the scheduler state", lambda: run.scheduler.load_state_dict(meta["scheduler"]))
        run.history = check_history(path, meta["history"])
        run.initial_state = meta["initial_state_dict"]
        if isinstance(run.optimizer, IndexOptimizer) and not run.optimizer.holds_permutations():
            raise JigsawError(f"{path}: the weights are not permutations of the initial weights the optimizer kept")
        return run


def with_folder_classes(config: IndexOptConfig, data_root=None) -> IndexOptConfig:
    """``config`` with the number of classes of its image folder filled in (other datasets have theirs)."""
    if config.dataset != STREAMED or config.classes is not None:
        return config
    from dataclasses import replace

    from jigsaw.imagefolder import class_names

    return replace(config, classes=len(class_names(data_dir(data_root))))


def load_splits(config: IndexOptConfig, data_root=None, workers: int = 0) -> tuple[Data, Data]:
    """The training and test splits of ``config``'s dataset: held in memory (standardised with the training split's
    own statistics), or streamed from an image folder with ``workers`` loader processes."""
    if config.dataset == STREAMED:
        return _folder_splits(config, data_dir(data_root), workers)
    train = Split(*load_dataset(config.dataset, train=True, root=data_root))
    test = Split(*load_dataset(config.dataset, train=False, root=data_root))
    if config.limit is not None:
        train = Split(train.images[: config.limit], train.labels[: config.limit])
    if config.normalize:
        mean = train.images.mean((0, 2, 3), keepdim=True)
        std = train.images.std((0, 2, 3), keepdim=True)
        train, test = (Split((split.images - mean) / std, split.labels) for split in (train, test))
    return train, test


def _folder_splits(config: IndexOptConfig, root: Path, workers: int) -> tuple[Data, Data]:
    from jigsaw.imagefolder import ImageFolderSplit

    splits = [
        ImageFolderSplit(root, train, config.image_size, config.normalize, workers, config.limit if train else None)
        for train in (True, False)
    ]
    if len(splits[0].classes) != config.classes:
        raise JigsawError(f"{root} has {len(splits[0].classes)} classes; the run was made for {config.classes}")
    return splits[0], splits[1]


def train_run(
    run: IndexOptRun, folder: RunFolder | Path, data_root=None, progress: Progress = SILENT, workers: int = 0
) -> list[dict]:
    """Train (or continue) ``run`` until its epochs are done or early stopping triggers; commit every epoch.

    Under ``torchrun`` (``folder.processes``) the model is DDP-wrapped: the all-reduced gradients give every process
    the same latent weights, so the same permutation, after every step; only the main process writes."""
    folder = RunFolder.of(folder)
    device = next(run.model.parameters()).device
    train, test = load_splits(run.config, data_root, workers)
    folder.open(run)

    def end_of_epoch(record: dict) -> None:
        run.history.append(record)
        folder.commit(run)

    sync = getattr(run.optimizer, "sync", None)
    fit(
        wrap(run.model, device, folder.processes),
        run.optimizer,
        train,
        test,
        run.config.epochs,
        run.config.seed,
        batch_size=run.config.batch_size,
        scheduler=run.scheduler,
        patience=run.config.patience,
        start_epoch=len(run.history),
        history=run.history,
        progress=progress,
        on_epoch=end_of_epoch,
        before_eval=sync,
        max_shift=run.config.shift,
        processes=folder.processes,
        amp=run.config.amp,
    )
    return run.history
