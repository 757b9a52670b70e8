"""What every promise test shares: the CLI runner, the one-line check, small files and damaged checkpoints."""

import subprocess
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from typer.testing import CliRunner

from jigsaw.checkpoint import load_checkpoint, save_checkpoint
from jigsaw.cli import app

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def run_installed(*args, cwd: Path, timeout: float = 120, **options) -> subprocess.CompletedProcess:
    """The command as a user runs it (``python -m jigsaw``), in its own process."""
    command = [sys.executable, "-m", "jigsaw", *map(str, args)]
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=timeout, **options)


def one_line_error(result, text):
    """Exit code 2, ``text`` in a single line of output, no traceback or warning."""
    assert result.exit_code == 2, result.output
    assert text in result.output, result.output
    assert result.output.strip().count("\n") == 0, result.output
    assert "Traceback" not in result.output and "Warning" not in result.output


def error_after_work(result, text):
    """Exit code 2 and ``text`` in the last line, below the progress bar of the work done before it failed."""
    assert result.exit_code == 2 and "Traceback" not in result.output, result.output
    last = result.output.strip().splitlines()[-1]
    assert last.startswith("error: ") and text in last, result.output


def photo(path: Path, size=(64, 64)) -> Path:
    """A small RGB picture with distinct pixels."""
    height, width = size
    Image.fromarray((np.arange(height * width * 3) % 251).astype(np.uint8).reshape(height, width, 3)).save(path)
    return path


def damaged(folder: Path, source: Path, change, kinds=("index-opt", "sortgan")) -> Path:
    """A copy of the checkpoint ``source`` as ``folder/checkpoint.pt`` after ``change(payload)``."""
    payload = load_checkpoint(source, kinds)
    change(payload)
    path = folder / "checkpoint.pt"
    path.parent.mkdir(parents=True, exist_ok=True)
    save_checkpoint(path, payload["kind"], payload["config"], payload["state_dict"], payload["meta"])
    return path
