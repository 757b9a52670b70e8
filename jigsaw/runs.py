"""A training run's folder: ``checkpoint.pt``, ``best.pt`` and ``log.jsonl``, with resume, force and epoch seeds.

Every trainer (index optimizer, sortGAN) keeps its state in one object with ``config`` (a dataclass with ``epochs``),
``history`` (one record per finished epoch) and ``save(path)``. The checkpoint is the single source of truth: after
an epoch, ``best.pt`` is written first (when that epoch is the best so far), then ``checkpoint.pt``, and only then is
``log.jsonl`` rewritten from the checkpoint's history. A run killed anywhere therefore resumes from the last complete
checkpoint and ends in the state an uninterrupted run has.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol, TypeVar

from jigsaw.devices import SINGLE, Processes
from jigsaw.errors import JigsawError
from jigsaw.files import atomic_write


class Trainable(Protocol):
    """What :class:`RunFolder` needs of a trainer's state."""

    config: Any
    history: list[dict]
    world_size: int  # the processes that train it, recorded in its checkpoint

    def save(self, path: Path) -> None: ...


T = TypeVar("T", bound=Trainable)


def epoch_seed(seed: int, epoch: int) -> int:
    """The seed of epoch ``epoch``'s random choices (batch order, shifts, shuffles): a run resumed at an epoch
    boundary makes the same choices as one that never stopped."""
    return seed * 1_000_003 + epoch


def command_line() -> str:
    """The ``jigsaw`` command that started this process, recorded in what it writes."""
    return " ".join(["jigsaw", *sys.argv[1:]])


class RunFolder:
    """The files of one training run, in ``path``. Under ``torchrun`` every process holds one, and only the main
    process (rank 0) writes."""

    def __init__(self, path: str | Path, processes: Processes = SINGLE):
        self.path = Path(path)
        self.processes = processes
        self.checkpoint = self.path / "checkpoint.pt"
        self.best = self.path / "best.pt"
        self.log = self.path / "log.jsonl"

    @classmethod
    def of(cls, folder: RunFolder | str | Path) -> RunFolder:
        return folder if isinstance(folder, RunFolder) else cls(folder)

    def holds_run(self) -> bool:
        return self.checkpoint.exists() or self.log.exists()

    def start(self, resume: bool, force: bool, epochs: int, load: Callable[[Path], T], create: Callable[[], T]) -> T:
        """The run in this folder continued (``resume``, its epochs raised to ``epochs``), or a new one from
        ``create()``, which refuses to replace an existing run without ``force``."""
        if resume:
            run = load(self.checkpoint)
            if run.world_size != self.processes.world_size:
                raise JigsawError(
                    f"{self.path} was trained by {run.world_size} process(es) and this is {self.processes.world_size}: "
                    f"resume it with as many (torchrun --nproc_per_node {run.world_size}; 1: no torchrun), since "
                    "the processes share out each epoch's batches"
                )
            run.config.epochs = max(run.config.epochs, epochs)
            return run
        if self.holds_run() and not force:
            raise JigsawError(f"{self.path} already holds a run; pass --resume to continue it or --force to start over")
        run = create()
        run.world_size = self.processes.world_size
        if self.processes.is_main:
            self.log.unlink(missing_ok=True)
        return run

    def open(self, run: Trainable) -> None:
        """Make the folder ready for ``run``'s next epoch: create it, remove what an interrupted write left, and
        bring the log back to the checkpoint's history."""
        if not self.processes.is_main:
            return
        self.path.mkdir(parents=True, exist_ok=True)
        for partial in self.path.glob(".*.partial"):
            partial.unlink(missing_ok=True)
        if run.history or self.log.exists():
            self.write_log(run.history)

    def commit(self, run: Trainable, best: bool = False) -> None:
        """Record a finished epoch (already appended to ``run.history``) in the order that survives a kill."""
        if not self.processes.is_main:
            return
        if best:
            run.save(self.best)
        run.save(self.checkpoint)
        self.write_log(run.history)

    def write_log(self, history: list[dict]) -> None:
        atomic_write(self.log, lambda tmp: tmp.write_text("".join(json.dumps(record) + "\n" for record in history)))
