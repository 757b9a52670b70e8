"""A training run's folder: ``checkpoint.pt``, ``best.pt`` and ``log.jsonl``, with resume, force and epoch seeds.

Every trainer (index optimizer, sortGAN) keeps its state in one object with ``config`` (a dataclass with ``epochs``),
``history`` (one record per finished epoch) and ``save(path)``. The checkpoint is the single source of truth: after
an epoch, ``best.pt`` is written first (when that epoch is the best so far), then ``checkpoint.pt``, and only then is
``log.jsonl`` rewritten from the checkpoint's history. A run killed anywhere therefore resumes from the last complete
checkpoint and ends in the state an uninterrupted run has.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, Protocol, TypeVar

from jigsaw.devices import SINGLE, Processes, from_main
from jigsaw.errors import JigsawError
from jigsaw.files import atomic_write, check_folder_writable, remove_empty_folders


class Trainable(Protocol):
    """What :class:`RunFolder` needs of a trainer's state."""

    config: Any
    history: list[dict]
    world_size: int  # the processes that train it, recorded in its checkpoint

    def save(self, path: Path) -> None: ...


T = TypeVar("T", bound=Trainable)


MAX_SEED = 2**32 - 1
"""Seeds run from 0 to this: what every generator the toolkit seeds (torch's, numpy's) takes as it is."""


def check_run_settings(path: object = None, **settings: float | int | None) -> None:
    """Refuse, in one sentence, settings no run can train with: a learning rate ``lr`` that is not a positive finite
    number, a ``seed`` outside ``0 ... MAX_SEED``, a number of ``epochs`` or a ``limit`` (first N training images;
    ``None``: all) below 1. ``path`` names the checkpoint the settings were read from; without it they are options."""
    for name, value in settings.items():
        if name == "lr":
            ok, rule = (
                isinstance(value, (int, float)) and math.isfinite(value) and value > 0,
                "a positive finite number",
            )
        elif name == "seed":
            ok, rule = isinstance(value, int) and 0 <= value <= MAX_SEED, f"a whole number from 0 to {MAX_SEED:,}"
        else:
            ok, rule = (value is None and name == "limit") or (isinstance(value, int) and value >= 1), "at least 1"
        if not ok:
            what = f"{path}: config {name} = {value!r}" if path is not None else f"--{name.replace('_', '-')} {value!r}"
            raise JigsawError(f"{what}: it must be {rule}")


def epoch_seed(seed: int, epoch: int) -> int:
    """The seed of epoch ``epoch``'s random choices (batch order, shifts, shuffles): a run resumed at an epoch
    boundary makes the same choices as one that never stopped."""
    return seed * 1_000_003 + epoch


def command_line() -> str:
    """The ``jigsaw`` command that started this process, recorded in what it writes."""
    return " ".join(["jigsaw", *sys.argv[1:]])


class RunFolder:
    """The files of one training run, in ``path``. Under ``torchrun`` every process holds one, and only the main
    process (rank 0) writes. ``outputs`` names the other files the trainer writes there (a preview picture)."""

    def __init__(self, path: str | Path, processes: Processes = SINGLE, outputs: tuple[str, ...] = ()):
        self.path = Path(path)
        self.processes = processes
        self.checkpoint = self.path / "checkpoint.pt"
        self.best = self.path / "best.pt"
        self.log = self.path / "log.jsonl"
        self.outputs = [self.path / name for name in outputs]
        self.existed = self.path.is_dir()  # before this run claimed it
        self.started_afresh = False  # --resume found no checkpoint in an existing folder and started the run

    @classmethod
    def of(cls, folder: RunFolder | str | Path) -> RunFolder:
        return folder if isinstance(folder, RunFolder) else cls(folder)

    def files(self) -> list[Path]:
        """Every file a run writes here."""
        return [self.checkpoint, self.best, self.log, *self.outputs]

    def holds_run(self) -> bool:
        return any(path.exists() for path in self.files())

    def claimed(self) -> AbstractContextManager[None]:
        """The folder held for one run's life (:func:`claimed_folder`); other processes of a torchrun job share
        the main process's claim."""
        return claimed_folder(self.path) if self.processes.is_main else nullcontext()

    def start(
        self,
        resume: bool,
        force: bool,
        epochs: int,
        load: Callable[[Path], T],
        create: Callable[[], T],
        requested: dict[str, Any] | None = None,
    ) -> T:
        """The run in this folder continued (``resume``, its epochs raised to ``epochs``), or a new one from
        ``create()``, which refuses to replace an existing run without ``force``. A resumed run keeps its recorded
        settings: ``requested`` (settings the user asked for by name) must agree with them. ``resume`` on an
        existing folder that holds no checkpoint yet (a run killed in its first epoch) starts the run afresh."""
        afresh = resume and not self.checkpoint.exists() and self.existed and not self.log.exists()
        if from_main(afresh, self.processes):  # the main process saw the folder before it claimed it
            resume, force, self.started_afresh = False, True, True
        if resume:
            if not self.checkpoint.exists():
                raise JigsawError(f"{self.path} holds no run to resume (no checkpoint.pt); start it without --resume")
            run = load(self.checkpoint)
            _check_unchanged(self.checkpoint, run.config, requested or {})
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
            for path in self.files():  # --force: nothing of the old run may mix with the new one
                path.unlink(missing_ok=True)
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
        atomic_write(self.log, lambda f: f.write("".join(json.dumps(record) + "\n" for record in history).encode()))


def _check_unchanged(path: Path, config: Any, requested: dict[str, Any]) -> None:
    """Refuse settings asked for by name that differ from those a resumed run recorded (its epochs aside)."""
    for name, value in requested.items():
        recorded = getattr(config, name, value)
        if name != "epochs" and recorded != value:
            flag = "--" + name.replace("_", "-")
            raise JigsawError(
                f"{flag} {value} differs from the run's recorded {recorded!r} ({path}); a resumed run keeps its "
                f"settings: drop {flag}, or start a new run in another folder"
            )


LOCK = ".lock"
"""The file in a run folder that a training holds locked for its life."""


@contextmanager
def claimed_folder(path: Path) -> Iterator[None]:
    """Hold the folder ``path`` for one training: refuse, before any work, a path that is a file, a folder this
    process may not write in, or a folder another training holds (an exclusive ``flock`` on ``.lock``, released by
    the system however the holder ends). A folder this call created is removed again when the training fails
    before writing anything into it."""
    if path.exists() and not path.is_dir():
        raise JigsawError(f"{path} is a file; --out takes a run folder")
    check_folder_writable(path)
    created = [folder for folder in (path, *path.parents) if not folder.exists()]
    try:
        path.mkdir(parents=True, exist_ok=True)
        handle = _lock(path / LOCK)
    except OSError as error:
        remove_empty_folders(created)
        raise JigsawError(f"cannot write in folder {path}: {error.strerror or error}") from None
    try:
        yield
    finally:
        (path / LOCK).unlink(missing_ok=True)
        handle.close()
        remove_empty_folders(created)


def _lock(path: Path) -> Any:
    """``path`` opened and exclusively locked, or one sentence naming the process that holds it."""
    import fcntl

    while True:
        handle = open(path, "a+")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise JigsawError(
                f"{path.parent} is in use by another training ({holder}); wait for it to end or choose another --out"
            ) from None
        try:
            if os.stat(path).st_ino == os.fstat(handle.fileno()).st_ino:
                break  # not a file its last holder removed while this process was opening it
        except FileNotFoundError:
            pass
        handle.close()
    handle.truncate(0)
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    return handle
