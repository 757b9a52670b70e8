"""``jigsaw evaluate``: every pixel solver on a shuffled test set, or the tile solver on a folder of images."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Optional

import typer

from jigsaw.cli.common import (
    MAX_SEED,
    Bar,
    DataDirOption,
    Dataset,
    DeviceOption,
    ForceOption,
    Mode,
    app,
    command,
    examples,
    print_table,
    say,
)

PIXEL_COLUMNS = {
    "method": ("method", ""),
    "MSE": ("mse", ".4f"),
    "PSNR dB": ("psnr", ".4f"),
    "SSIM": ("ssim", ".4f"),
    "judge acc.": ("accuracy", ".4f"),
    "retrieval@1": ("retrieval@1", ".4f"),
    "Fréchet": ("frechet", ".4f"),
    "images/s": ("images_per_second", ",.0f"),
}
TILE_COLUMNS = {
    "image": ("image", ""),
    "grid": ("grid", ""),
    "tiles": ("tiles", ""),
    "direct": ("direct", ".3f"),
    "neighbour": ("neighbour", ".3f"),
    "confidence": ("confidence", ".2f"),
    "seconds": ("seconds", ".2f"),
}


@command(
    app,
    epilog=examples(
        "jigsaw evaluate --dataset mnist --limit 1000 --out reports/quick",
        "jigsaw evaluate --method knn --method sortgan --knn-k 20 --out reports/knn20",
        "jigsaw evaluate --mode tiles --images photos/ --tile 28 --out reports/tiles",
    ),
)
def evaluate(
    out: Annotated[Path, typer.Option(help="Report folder: metrics.json (and grid.png for pixels).")],
    mode: Annotated[Mode, typer.Option(help="pixels: digit solvers on a test set; tiles: tile jigsaws.")] = Mode.pixels,
    images: Annotated[
        Optional[Path], typer.Option(help="Tiles: folder of images (default: scikit-image's photographs).")
    ] = None,
    tile: Annotated[
        Optional[int], typer.Option(min=1, help="Tiles: tile side in pixels (28 when neither --tile nor --grid).")
    ] = None,
    grid: Annotated[Optional[str], typer.Option(help="Tiles: ROWSxCOLS grid instead of --tile.")] = None,
    rotations: Annotated[
        bool,
        typer.Option(
            "--rotations",
            metavar="",
            help="Tiles: also turn every tile at random and solve with turns; accuracies at the best whole turn.",
        ),
    ] = False,
    method: Annotated[
        list[str],
        typer.Option(
            help="Pixels: shuffled, class-mean, knn-1, knn, sortgan, or all "
            "(sortgan when a model is available). Repeat for several."
        ),
    ] = ["all"],  # noqa: B006 - Typer reads the default, nothing mutates it
    model: Annotated[Optional[Path], typer.Option(help="Pixels: sortGAN checkpoint (default: bundled).")] = None,
    classifiers: Annotated[
        Optional[Path], typer.Option(help="Pixels: folder of `jigsaw train solver-nets`; adds the classifier method.")
    ] = None,
    dataset: Annotated[Dataset, typer.Option(help="Test set to shuffle and solve.")] = Dataset.mnist,
    limit: Annotated[Optional[int], typer.Option(min=2, help="Only the first N test images.")] = None,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Seed of the pixel shuffles.")] = 0,
    knn_k: Annotated[int, typer.Option(min=1, help="k of the knn baseline.")] = 50,
    judge: Annotated[Optional[Path], typer.Option(help="Independent classifier checkpoint (default: bundled).")] = None,
    data_dir: DataDirOption = None,
    device: DeviceOption = "auto",
    force: ForceOption = False,
) -> None:
    """Pixels: shuffle the test set's pixels, solve with each method, and measure MSE, PSNR, SSIM, judge accuracy,
    same-class retrieval@1 and Fréchet distance. Tiles: shuffle each image's tiles, solve, and measure direct and
    neighbour accuracy and time."""
    if mode is Mode.tiles:
        _evaluate_tiles(out, images, tile, grid, seed, rotations, force)
    elif rotations:
        from jigsaw.errors import JigsawError

        raise JigsawError("--rotations only applies to --mode tiles")
    else:
        _evaluate_pixels(
            out, method, model, classifiers, dataset.value, limit, seed, knn_k, judge, data_dir, device, force
        )


def _evaluate_pixels(
    out: Path,
    method: list[str],
    model: Optional[Path],
    classifiers: Optional[Path],
    dataset: str,
    limit: Optional[int],
    seed: int,
    knn_k: int,
    judge: Optional[Path],
    data_dir: Optional[Path],
    device: str,
    force: bool,
) -> None:
    from jigsaw.devices import resolve_device
    from jigsaw.files import check_report_folder
    from jigsaw.pixels.evaluate import evaluate_test_set
    from jigsaw.pixels.solvers import SolverSettings, chosen_methods

    where = str(resolve_device(device))
    settings = SolverSettings(dataset, data_dir, knn_k, model, classifiers, where)
    methods = chosen_methods(method, settings)
    metrics_path, grid_path = check_report_folder(out, force, "metrics.json", "grid.png")
    with Bar(f"solving {dataset} images", total=len(methods) + 1) as bar:
        report = evaluate_test_set(methods, settings, limit, seed, judge, metrics_path, grid_path, bar)
    rows = [{"method": name, **metrics} for name, metrics in report["results"].items()]
    rows[0]["images_per_second"] = None  # the originals are not solved
    print_table(f"{dataset}, {report['images']} test images, shuffle seed {seed}", rows, PIXEL_COLUMNS)
    if "sortgan_label_guess_accuracy" in report:
        say(f"sortGAN's guess of the class (solve without --label): {report['sortgan_label_guess_accuracy']:.1%} right")
    shown = [m for m in report["results"] if m not in ("original", "shuffled")]
    say(f"wrote {metrics_path} and {grid_path} (columns: original, shuffled, {', '.join(shown)})")


def _evaluate_tiles(
    out: Path, images: Optional[Path], tile: Optional[int], grid: Optional[str], seed: int, turns: bool, force: bool
) -> None:
    from jigsaw.errors import JigsawError
    from jigsaw.files import check_report_folder, same_file
    from jigsaw.tiles.evaluate import evaluate_tiles, picture_path, read_images, tile_setting, write_report

    if images is not None and same_file(out, images):
        raise JigsawError(f"--out {out} is the image folder: the report would mix with the images; use another folder")
    metrics_path, _ = check_report_folder(out, force, "metrics.json", "grid.png")
    tile_size, grid_shape = tile_setting(tile, grid)
    pictures = read_images(images)
    inputs = tuple(images / name for name in pictures) if images is not None else ()
    check_report_folder(out, force, *(picture_path(out, n, list(pictures)).name for n in pictures), inputs=inputs)
    with Bar("solving", total=len(pictures)) as bar:
        rows = evaluate_tiles(
            pictures, seed, tile=tile_size, grid=grid_shape, progress=bar, picture_folder=out, turns=turns
        )
    write_report(metrics_path, seed, images, rows)
    mean = lambda key: sum(r[key] for r in rows) / len(rows)
    means = {
        "image": "mean",
        "grid": "",
        "tiles": "",
        **{k: mean(k) for k in ("direct", "neighbour", "confidence", "seconds")},
    }
    print_table(f"tile puzzles, shuffle seed {seed}", [*rows, means], TILE_COLUMNS)
    say(f"wrote {metrics_path} and a picture of each solution, misplaced tiles outlined in red (*-solution.png)")
