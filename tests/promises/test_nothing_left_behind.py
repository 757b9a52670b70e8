"""Promise: a command that fails — refused input, a full disk, an unwritable folder, a kill — leaves nothing behind,
and every input is checked before the first output is written."""

import errno
import os
import resource
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from jigsaw.files import write_image
from tests.promises.helpers import error_after_work, one_line_error, photo, run


@pytest.fixture
def file_size_limit():
    """``ulimit -f``: writes past ``limit`` bytes fail with 'File too large' (Python ignores SIGXFSZ)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)

    def limit(size: int) -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (size, hard))

    yield limit
    resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))


def test_a_file_too_large_is_one_line_and_leaves_no_partial_file(tmp_path, file_size_limit):
    image = tmp_path / "photo.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (256, 256, 3), dtype=np.uint8)).save(image)
    file_size_limit(50 * 512)
    shuffled = run("shuffle", image, tmp_path / "e.png", "--mode", "tiles")
    solved = run("solve", image, "--out", tmp_path / "s.png", "--mode", "tiles", "--grid", "2x2")
    file_size_limit(resource.RLIM_INFINITY)
    one_line_error(shuffled, "file too large")
    error_after_work(solved, "file too large")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.png"]


def test_a_training_that_cannot_write_its_checkpoint_is_one_line_and_leaves_no_folder(
    tmp_path, dataset_root, file_size_limit
):
    from jigsaw.datasets import load_dataset

    load_dataset("mnist", train=True, root=dataset_root)  # unpacked before the limit
    out = tmp_path / "run"
    file_size_limit(50_000)
    result = run("train", "index-opt", "--out", out, "--epochs", 1, "--limit", 64, "--data-dir", dataset_root)
    file_size_limit(resource.RLIM_INFINITY)
    error_after_work(result, "file too large")
    assert not out.exists()


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EROFS, errno.EFBIG])
def test_every_write_failure_is_one_line(tmp_path, monkeypatch, code):
    image = photo(tmp_path / "photo.png")

    def refuse(self, target):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(Path, "replace", refuse)
    result = run("shuffle", image, tmp_path / "p.png")
    monkeypatch.undo()
    one_line_error(result, f"cannot write {tmp_path / 'p.png'}: {os.strerror(code).lower()}")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.png"]


def test_an_unwritable_folder_is_refused_before_any_work(tmp_path, monkeypatch, dataset_root):
    import jigsaw.files

    image = photo(tmp_path / "photo.png")
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = jigsaw.files.os.access
    writable = lambda path, mode: not (str(path) == str(locked) and mode & os.W_OK) and real_access(path, mode)
    monkeypatch.setattr(jigsaw.files.os, "access", writable)  # as a user without write permission (tests run as root)
    training = ["--epochs", 1, "--limit", 64, "--data-dir", dataset_root]
    for args in (
        ["shuffle", image, locked / "p.png"],
        ["solve", image, "--mode", "tiles", "--grid", "2x2", "--out", locked / "s.png"],
        ["evaluate", "--mode", "tiles", "--images", tmp_path, "--out", locked / "report"],
        ["evaluate", "--out", locked, "--data-dir", tmp_path / "nothing"],
        ["train", "index-opt", "--out", locked / "run", *training],
        ["train", "index-opt", "--out", locked, "--force", *training],
        ["train", "sortgan", "--out", locked / "run", *training],
        ["train", "solver-nets", "--out", locked / "nets", *training],
    ):
        one_line_error(run(*args), f"cannot write in folder {locked}: permission denied")
    assert list(locked.iterdir()) == [] and not (tmp_path / "nothing").exists()


@pytest.mark.parametrize("trainer", ["index-opt", "sortgan", "solver-nets"])
def test_a_file_as_a_run_folder_is_one_line(tmp_path, trainer):
    image = photo(tmp_path / "photo.png")
    before = image.read_bytes()
    one_line_error(run("train", trainer, "--out", image, "--force", "--limit", 64), "is a file")
    assert image.read_bytes() == before


def test_a_failed_download_leaves_no_folders_behind(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("evaluate", "--out", tmp_path / "report", "--data-dir", empty, "--method", "class-mean")
    one_line_error(result, "could not be downloaded")
    assert list(empty.iterdir()) == [] and not (tmp_path / "report").exists()


def folder_of_puzzles(tmp_path) -> Path:
    """A digit, a tile puzzle whose recorded grid does not divide it, and a good tile puzzle."""
    folder = tmp_path / "P"
    folder.mkdir()
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(folder / "a-digit.png")
    write_image(torch.rand(3, 256, 256), folder / "b-bad.png", metadata={"jigsaw-mode": "tiles", "jigsaw-grid": "3x3"})
    write_image(torch.rand(3, 64, 64), folder / "c-good.png", metadata={"jigsaw-mode": "tiles", "jigsaw-grid": "2x2"})
    return folder


def test_a_folder_solve_checks_every_file_before_writing_any(tmp_path):
    folder = folder_of_puzzles(tmp_path)
    one_line_error(run("solve", folder, "--out", tmp_path / "Pout"), "b-bad.png")
    assert not (tmp_path / "Pout").exists()
    (folder / "b-bad.png").unlink()
    Image.fromarray(np.full((1, 64), 7, np.uint8)).save(folder / "b-strip.png")  # no metadata, no seams to read
    result = run("solve", folder, "--out", tmp_path / "Pout")
    assert result.exit_code == 2 and "b-strip.png" in result.output and result.output.strip().count("\n") == 0
    assert not (tmp_path / "Pout").exists()


def test_a_run_killed_in_its_first_epoch_resumes_from_nothing(tmp_path, dataset_root):
    out = tmp_path / "run"
    out.mkdir()
    (out / ".checkpoint.pt.partial").write_bytes(b"\0" * 1000)  # what a kill during the first write leaves
    common = ["--epochs", 1, "--limit", 64, "--data-dir", dataset_root]
    result = run("train", "index-opt", "--out", out, "--resume", *common)
    assert result.exit_code == 0, result.output
    assert "starting the run afresh" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.pt", "log.jsonl"]
    one_line_error(run("train", "index-opt", "--out", tmp_path / "typo", "--resume", *common), "holds no run to resume")
    assert not (tmp_path / "typo").exists()


@pytest.mark.skipif(not hasattr(os, "O_TMPFILE"), reason="nameless files need Linux's O_TMPFILE")
def test_a_kill_during_a_write_leaves_no_partial_file(tmp_path):
    """The file being written has no name until it is whole, so a kill -9 anywhere in the write leaves nothing."""
    from jigsaw.files import atomic_write

    class Killed(BaseException):
        pass

    def write_then_die(handle):
        handle.write(b"\0" * 100_000)
        assert list(tmp_path.iterdir()) == []  # a kill -9 here would leave what this lists
        raise Killed

    with pytest.raises(Killed):
        atomic_write(tmp_path / "best.pt", write_then_die)
    assert list(tmp_path.iterdir()) == []
