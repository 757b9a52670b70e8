"""Shared helpers for the benchmark scripts: a timer, a Rich table, a JSON report with the machine's facts."""

from __future__ import annotations

import json
import os
import platform
import statistics
import time
from pathlib import Path

import torch
from rich.console import Console
from rich.table import Table

from jigsaw.files import corner_windows, read_image_folder, resize_to_cover, skimage_photographs

RESULTS = Path(__file__).resolve().parent / "results"

ROWS_432, COLS_432, TILE_432 = 18, 24, 28
"""The tile benchmarks' puzzle of about 432 tiles (the tile issue's size): 18x24 tiles of 28 pixels."""


def scaled_for_432_tiles(photos: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Each photograph scaled (Lanczos, aspect kept) to cover 504x672 and centre-cropped to it, so that it cuts into
    :data:`ROWS_432` x :data:`COLS_432` tiles of :data:`TILE_432` pixels."""
    return {name: resize_to_cover(image, ROWS_432 * TILE_432, COLS_432 * TILE_432) for name, image in photos.items()}


def tile_set(
    folder: Path, size: str | None = None, only: list[str] | None = None, windows: str | None = None
) -> dict[str, torch.Tensor]:
    """The photographs of a tile benchmark set, in name order: a folder of images, or ``skimage`` for scikit-image's;
    only the names in ``only`` when given; each scaled (Lanczos, aspect kept) to cover ``size`` ("WxH") and
    centre-cropped to it when given; or, with ``windows`` ("WxH"), each photograph's four corner windows of that size
    at its own resolution (:func:`jigsaw.files.corner_windows`), named ``<photo>:<corner>``."""
    images = skimage_photographs() if str(folder) == "skimage" else read_image_folder(folder)
    if only:
        images = {name: image for name, image in images.items() if name in only}
    if size:
        width, height = parse_size(size)
        images = {name: resize_to_cover(image, height, width) for name, image in images.items()}
    if windows:
        width, height = parse_size(windows)
        images = {
            f"{name}:{corner}": window
            for name, image in images.items()
            for corner, window in corner_windows(image, height, width).items()
        }
    return images


def parse_size(size: str) -> tuple[int, int]:
    """``(width, height)`` of a "WxH" size."""
    width, height = (int(side) for side in size.lower().split("x"))
    return width, height


def time_ms(function, repeats: int = 30, warmup: int = 3) -> float:
    """Median wall time of ``function()`` in milliseconds."""
    for _ in range(warmup):
        function()
    samples = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples)


def machine() -> dict:
    return {
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
        "machine": platform.machine(),
    }


def report(name: str, title: str, rows: list[dict], columns: list[str], out: Path | None = None) -> Path:
    """Print ``rows`` as a table and write them (with the machine's facts) to ``results/<name>.json``."""
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="left" if column == columns[0] else "right")
    for row in rows:
        table.add_row(*(f"{row[c]:.3f}" if isinstance(row[c], float) else str(row[c]) for c in columns))
    Console(width=160).print(table)
    out = out or RESULTS / f"{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"benchmark": name, "machine": machine(), "rows": rows}, indent=2))
    print(f"wrote {out}")
    return out
