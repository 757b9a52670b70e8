"""The run folder survives a kill anywhere: resumed, it ends exactly where an uninterrupted run ends."""

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from jigsaw.checkpoint import load_checkpoint
from jigsaw.errors import JigsawError
from jigsaw.pixels.sortgan import SortGANConfig, SortGANRun
from jigsaw.pixels.sortgan import train as train_sortgan
from jigsaw.runs import RunFolder, epoch_seed
from jigsaw.weights.run import IndexOptConfig, IndexOptRun, train_run


class Killed(BaseException):
    """Stands for kill -9: nothing after it runs (a BaseException, so no handler of the library catches it)."""


def same(a, b) -> bool:
    """Deep equality of checkpoint contents, tensors bit for bit."""
    if isinstance(a, torch.Tensor):
        return isinstance(b, torch.Tensor) and a.dtype == b.dtype and torch.equal(a, b)
    if isinstance(a, dict):
        return isinstance(b, dict) and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def folder_state(folder: Path, kind: str) -> dict:
    """What a run folder holds: the log's text and each checkpoint's contents (the recorded command aside)."""
    state = {"log": (folder / "log.jsonl").read_text(), "files": sorted(p.name for p in folder.iterdir())}
    for name in ("checkpoint.pt", "best.pt"):
        if (folder / name).exists():
            payload = load_checkpoint(folder / name, kind)
            payload["meta"].pop("command", None)
            state[name] = payload
    return state


SETTINGS = {
    "sortgan": (
        lambda: SortGANRun(SortGANConfig(epochs=3, limit=64, validation=50, input="sorted", score_weight=1.0)),
        SortGANRun.load,
        train_sortgan,
    ),
    "index-opt": (lambda: IndexOptRun(IndexOptConfig(epochs=3, limit=128)), IndexOptRun.load, train_run),
}


def train_until_killed(kind, folder: Path, data, kill_at: int | None, monkeypatch) -> bool:
    """Start or resume the run in ``folder``; with ``kill_at``, die at that file rename. True when it finished."""
    create, load, train = SETTINGS[kind]
    run_folder = RunFolder(folder)
    run = run_folder.start(folder.exists(), False, 3, load, create)  # as `--resume` once the folder exists
    renames = {"count": 0}
    real_replace = Path.replace

    def replace(self, target):
        renames["count"] += 1
        if renames["count"] == kill_at:
            raise Killed
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", replace)
    try:
        train(run, run_folder, data)
        return True
    except Killed:
        (folder / ".checkpoint.pt.partial").write_bytes(b"")  # what a kill during a write leaves behind
        return False
    finally:
        monkeypatch.undo()


@pytest.mark.parametrize("kind", SETTINGS)
def test_a_kill_at_every_write_resumes_to_the_uninterrupted_run(kind, tmp_path, dataset_root, monkeypatch):
    reference = tmp_path / "reference"
    assert train_until_killed(kind, reference, dataset_root, None, monkeypatch)
    expected = folder_state(reference, kind)
    writes = 3 * (2 if kind == "index-opt" else 3)  # per epoch: checkpoint and log (sortGAN: best.pt too, at most)
    for kill_at in range(1, writes + 1):
        folder = tmp_path / f"killed-at-{kill_at}"
        finished = train_until_killed(kind, folder, dataset_root, kill_at, monkeypatch)
        while not finished:
            finished = train_until_killed(kind, folder, dataset_root, None, monkeypatch)
        assert same(folder_state(folder, kind), expected), kill_at


@pytest.mark.slow
def test_kill_minus_9_at_random_moments(tmp_path, dataset_root):
    """The real thing: a sortGAN training killed with SIGKILL at random moments, resumed until it finishes."""
    common = ["--epochs", "6", "--limit", "640", "--input", "sorted", "--data-dir", str(dataset_root)]
    command = [sys.executable, "-m", "jigsaw", "train", "--threads", "1", "sortgan", *common]
    started = time.perf_counter()
    subprocess.run([*command, "--out", str(tmp_path / "reference")], check=True, capture_output=True)
    duration = time.perf_counter() - started
    expected = folder_state(tmp_path / "reference", "sortgan")
    folder, kills, chance = tmp_path / "killed", 0, random.Random(0)
    for _ in range(30):
        resume = ["--resume"] if (folder / "checkpoint.pt").exists() else ["--force"]
        process = subprocess.Popen(
            [*command, "--out", str(folder), *resume], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(chance.uniform(0.4, 0.85) * duration)  # most of a run is start-up: kills land late
        if process.poll() is not None:
            assert process.returncode == 0
            break
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
        kills += 1
    assert kills >= 1
    assert same(folder_state(folder, "sortgan"), expected)


def test_start_refuses_to_replace_a_run_without_force(tmp_path):
    folder = RunFolder(tmp_path)
    (tmp_path / "log.jsonl").write_text("")
    with pytest.raises(JigsawError, match="already holds a run"):
        folder.start(False, False, 1, IndexOptRun.load, lambda: IndexOptRun(IndexOptConfig()))


def test_epoch_seeds_differ_by_seed_and_epoch():
    assert len({epoch_seed(s, e) for s in range(5) for e in range(100)}) == 500


def test_the_cli_knows_the_seed_range_without_importing_torch():
    from jigsaw.cli.common import MAX_SEED as cli_max_seed
    from jigsaw.runs import MAX_SEED

    assert cli_max_seed == MAX_SEED
