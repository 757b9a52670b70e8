"""A folder of puzzle files solved at once: the model loaded once, pixel puzzles solved in batches, every solution
written under its puzzle's file name in the output folder.

Which solver a file gets follows its recorded mode (``jigsaw-mode`` in the PNG), as ``jigsaw solve`` does for one
file. Class labels for the pixel puzzles may come from a CSV file with the header ``file,label`` and one row per
puzzle; without it sortGAN guesses each class.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import torch
from torch import Tensor

from jigsaw.errors import JigsawError
from jigsaw.files import check_folder_writable, whole_number, write_image
from jigsaw.pixels.solvers import (
    CLASSIFIERS_NEEDED,
    SolverSettings,
    check_single_image_method,
    classifier_solver,
    read_digit,
)
from jigsaw.progress import SILENT, Progress
from jigsaw.puzzles import puzzle_mode, read_tile_puzzle

BATCH = 500
"""Pixel puzzles solved per call of the model."""


@dataclass
class FolderSolution:
    pixels: int = 0  # pixel puzzles solved
    tiles: int = 0  # tile puzzles solved
    guessed: int = 0  # pixel puzzles whose class sortGAN guessed (no label given)
    low_confidence: list[str] = field(default_factory=list)  # tile puzzles whose seams do not trust the solution


def puzzle_files(folder: Path) -> list[Path]:
    """Every PNG in ``folder``, sorted by name (puzzles are PNGs: only they record their mode and grid)."""
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() == ".png" and p.is_file())
    if not files:
        raise JigsawError(f"{folder} has no PNG files to solve")
    return files


def read_labels(path: Path, names: list[str], required: list[str]) -> dict[str, int]:
    """``file -> label`` from a CSV with the header ``file,label``: rows may name any of ``names`` (the folder's
    puzzles) and must name each of ``required`` (its pixel puzzles)."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:  # -sig: Excel's "CSV UTF-8" starts with a BOM
            rows = list(csv.reader(handle))
    except (OSError, UnicodeDecodeError) as error:
        raise JigsawError(f"cannot read {path}: {error}") from None
    if not rows or [cell.strip() for cell in rows[0]] != ["file", "label"]:
        raise JigsawError(f"{path}: the first line must be the header file,label")
    labels: dict[str, int] = {}
    known = set(names)
    for number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        label = whole_number(row[1], digits=1) if len(row) == 2 else None
        if label is None:
            raise JigsawError(f"{path}, line {number}: expected a file name and a class from 0 to 9")
        name = row[0] if row[0] in known else row[0].strip()  # a name may start or end with a space
        if name not in known:
            raise JigsawError(f"{path}, line {number}: {name} is not a PNG in the puzzle folder")
        if name in labels:
            raise JigsawError(f"{path}, line {number}: {name} is labelled twice")
        labels[name] = label
    missing = [name for name in required if name not in labels]
    if missing:
        more = f" (and {len(missing) - 1} more)" if len(missing) > 1 else ""
        raise JigsawError(f"{path} gives no label for {missing[0]}{more}")
    return labels


def output_paths(files: list[Path], folder: Path, out: Path, force: bool) -> list[Path]:
    """Where each solution goes, refused before any work when ``out`` is the puzzle folder itself, cannot be
    written, is a file, or already holds a solution's name (unless ``force``)."""
    if out.exists() and not out.is_dir():
        raise JigsawError(f"{out} is a file; --out must be a folder when solving a folder")
    if out.exists() and os.path.samefile(out, folder):
        raise JigsawError(f"--out {out} is the puzzle folder: the solutions would overwrite the puzzles")
    check_folder_writable(out)
    paths = [out / f.name for f in files]
    taken = [p for p in paths if p.exists()]
    if taken and not force:
        more = f" (and {len(taken) - 1} more)" if len(taken) > 1 else ""
        raise JigsawError(f"{taken[0]} exists{more}; pass --force to overwrite")
    return paths


def solve_folder(
    folder: Path,
    out: Path,
    settings: SolverSettings,
    method: str = "sortgan",
    labels_csv: Path | None = None,
    mode: str | None = None,
    steps: int = 200,
    force: bool = False,
    progress: Progress = SILENT,
    turns: bool = False,
) -> FolderSolution:
    """Solve every PNG puzzle in ``folder`` into ``out`` (see the module's docstring); ``mode`` forces one mode,
    ``turns`` says that the tiles of every tile puzzle may be turned (else each puzzle's record says). Every file is
    read and checked before any is solved, so a bad one stops the work with nothing written."""
    check_single_image_method(method)
    files = puzzle_files(folder)
    targets = dict(zip(files, output_paths(files, folder, out, force)))
    modes = {f: mode or puzzle_mode(f, None, None) for f in files}
    pixel_files = [f for f in files if modes[f] == "pixels"]
    names = [f.name for f in files]
    labels = read_labels(labels_csv, names, [f.name for f in pixel_files]) if labels_csv else None
    if method == "classifier" and pixel_files and labels is None:
        raise JigsawError("the classifier method needs --labels, a CSV of file,label")
    if turns and mode == "pixels":
        raise JigsawError("--rotations only applies to tile puzzles")
    digits = [_named(f, read_digit) for f in pixel_files]  # every puzzle read (and refused) before any is solved
    tile_files = [f for f in files if modes[f] == "tiles"]
    for path in tile_files:  # read again when solved: a folder of photographs need not fit in memory at once
        _named(path, lambda p: read_tile_puzzle(p, None, None))
    progress.start(len(files), f"solving {len(files)} puzzles")
    out.mkdir(parents=True, exist_ok=True)
    result = FolderSolution()
    if pixel_files:
        solve = _digit_solver(method, settings, steps)
        given = None if labels is None else torch.tensor([labels[f.name] for f in pixel_files])
        for start in range(0, len(pixel_files), BATCH):
            chunk = slice(start, start + BATCH)
            recovered = solve(torch.stack(digits[chunk]), None if given is None else given[chunk])
            for path, image in zip(pixel_files[chunk], recovered):
                write_image(image, targets[path], force=force)
                progress.advance()
        result.pixels, result.guessed = len(pixel_files), 0 if labels else len(pixel_files)
    for path in tile_files:
        from jigsaw.tiles.solver import LOW_CONFIDENCE, solve_puzzle

        puzzle = read_tile_puzzle(path, None, None)
        turned = turns or puzzle.turned
        solution = solve_puzzle(puzzle.image, puzzle.rows, puzzle.cols, lossy=puzzle.lossy, turns=turned)
        write_image(solution.image, targets[path], force=force)
        result.tiles += 1
        if solution.confidence < LOW_CONFIDENCE:
            result.low_confidence.append(path.name)
        progress.advance()
    return result


R = TypeVar("R")


def _named(path: Path, work: Callable[[Path], R]) -> R:
    """``work(path)``, its refusal naming the file it was about."""
    try:
        return work(path)
    except JigsawError as error:
        raise JigsawError(str(error) if str(path) in str(error) else f"{path}: {error}") from None


def _digit_solver(method: str, settings: SolverSettings, steps: int) -> Callable[[Tensor, Tensor | None], Tensor]:
    """The model of ``method``, loaded once, as ``(shuffled (B, 1, 28, 28), labels (B,) or None) -> recovered``."""
    if method == "classifier":
        from jigsaw.pixels.classifier_solver import SolverConfig

        if settings.classifiers is None:
            raise JigsawError(CLASSIFIERS_NEEDED)
        solver = classifier_solver(settings.classifiers, SolverConfig(steps=steps), settings.device)

        def with_labels(shuffled: Tensor, labels: Tensor | None) -> Tensor:
            if labels is None:  # solve_folder refuses this before loading anything
                raise JigsawError("the classifier method needs --labels")
            return solver(shuffled, labels)

        return with_labels
    from jigsaw.pixels.sortgan import load_solver

    model = load_solver(settings.sortgan_path(), settings.device)[0]
    return lambda shuffled, labels: model.solve(shuffled, labels)[0]
