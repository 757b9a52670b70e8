"""The ``jigsaw`` command: parse options, call the library, report with Rich. No logic of its own."""

from __future__ import annotations

import functools
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from jigsaw import data, tiles
from jigsaw.errors import JigsawError
from jigsaw.permute import shuffle_pixels

app = typer.Typer(
    name="jigsaw",
    help="Learn and solve permutations with PyTorch: shuffle images, train solvers, solve puzzles.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
    add_completion=False,
)
console = Console(highlight=False, width=None if sys.stdout.isatty() else 160)
err_console = Console(stderr=True, soft_wrap=True, highlight=False)


train_app = typer.Typer(help="Train networks: classifiers, index-optimised nets, sortGAN.", no_args_is_help=True)
app.add_typer(train_app, name="train")
plot_app = typer.Typer(help="Figures from checkpoints.", no_args_is_help=True)
app.add_typer(plot_app, name="plot")


@app.callback()
def _root() -> None:
    """Learn and solve permutations with PyTorch: shuffle images, train solvers, solve puzzles."""


@train_app.callback()
def _train(threads: Annotated[Optional[int], typer.Option(
        min=1, help="CPU threads for torch (default: all cores). A seed gives bit-identical runs only at the same "
                    "thread count.")] = None) -> None:
    """Train networks: classifiers, index-optimised nets, sortGAN."""
    if threads is not None:
        import torch

        torch.set_num_threads(threads)


def progress_bar() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    TimeRemainingColumn(), console=err_console)


class Dataset(str, Enum):
    mnist = "mnist"
    fashion_mnist = "fashion-mnist"


DataDirOption = Annotated[Optional[Path], typer.Option(help="Dataset root in torchvision's layout (default: env "
                                                                "JIGSAW_DATA, else ./data).")]
ForceOption = Annotated[bool, typer.Option("--force", help="Overwrite existing outputs.")]
LimitOption = Annotated[Optional[int], typer.Option(min=1, help="Only the first N training images.")]
ResumeOption = Annotated[bool, typer.Option("--resume", help="Continue the run in OUT (its settings are kept).")]


def command(group: typer.Typer, *args, **kwargs):
    """Register a command whose :class:`JigsawError` becomes one line on stderr and exit code 2."""

    def decorator(function):
        @functools.wraps(function)
        def wrapper(*a, **k):
            try:
                return function(*a, **k)
            except JigsawError as error:
                err_console.print(f"error: {error}", markup=False)
                raise typer.Exit(code=2) from None

        return group.command(*args, **kwargs)(wrapper)

    return decorator


class Mode(str, Enum):
    pixels = "pixels"
    tiles = "tiles"


def _tile_grid(height: int, width: int, grid: Optional[str], tile: Optional[int]) -> tuple[int, int]:
    if grid is not None and tile is not None:
        raise JigsawError("give either --grid or --tile, not both")
    if tile is not None:
        return tiles.grid_for_tile_size(height, width, tile)
    rows, cols = tiles.parse_grid(grid or "4x4")
    tiles.check_grid(height, width, rows, cols)
    return rows, cols


@command(app)
def shuffle(
    image: Annotated[Path, typer.Argument(help="Image file to shuffle (PNG, JPEG, ...; grayscale or RGB).")],
    out: Annotated[Path, typer.Argument(help="Where to write the shuffled image (PNG keeps every pixel exact).")],
    mode: Annotated[Mode, typer.Option(help="Shuffle every pixel, or square tiles of a grid.")] = Mode.pixels,
    grid: Annotated[Optional[str], typer.Option(help="Tiles mode: ROWSxCOLS grid (4x4 when neither --grid nor --tile is given).")] = None,
    tile: Annotated[Optional[int], typer.Option(help="Tiles mode: tile side in pixels (instead of --grid).")] = None,
    crop: Annotated[bool, typer.Option("--crop", help="Tiles mode with --tile: centre-crop the image to a multiple "
                                                      "of the tile size instead of refusing it.")] = False,
    seed: Annotated[int, typer.Option(help="Seed of the random permutation.")] = 0,
    force: ForceOption = False,
) -> None:
    """Shuffle the pixels or the tiles of an image file. The output stores no solution, only the tile grid."""
    data.check_image_output(out, force)
    if mode is Mode.pixels and (grid is not None or tile is not None or crop):
        raise JigsawError("--grid, --tile and --crop only apply to --mode tiles")
    if crop and tile is None:
        raise JigsawError("--crop needs --tile")
    picture = data.read_image(image)
    if crop:
        picture = data.crop_to_multiple(picture, tile, tile)
    if mode is Mode.pixels:
        shuffled = shuffle_pixels(picture.unsqueeze(0), seed)[0][0]
        metadata = {"jigsaw-mode": "pixels"}
        what = f"{picture.shape[1] * picture.shape[2]} pixels"
    else:
        rows, cols = _tile_grid(picture.shape[1], picture.shape[2], grid, tile)
        shuffled, _ = tiles.shuffle_tiles(picture, rows, cols, seed)
        metadata = {"jigsaw-mode": "tiles", "jigsaw-grid": f"{rows}x{cols}"}
        what = f"{rows}x{cols} tiles"
    data.write_image(shuffled, out, force=force, metadata=metadata)
    console.print(f"shuffled {what} of {image} (seed {seed}) -> {out}", markup=False)


@command(train_app, "classifier")
def train_classifier(
    out: Annotated[Path, typer.Option(help="Checkpoint file to write.")],
    dataset: Annotated[Dataset, typer.Option(help="Training set.")] = Dataset.mnist,
    epochs: Annotated[int, typer.Option(min=1, help="Training epochs.")] = 10,
    seed: Annotated[int, typer.Option(help="Seed of the initial weights and the batch order.")] = 0,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 1e-3,
    limit: LimitOption = None,
    data_dir: DataDirOption = None,
    force: ForceOption = False,
) -> None:
    """Train a LeNet5 classifier with Adam (the judges of `jigsaw evaluate` are trained this way)."""
    from jigsaw.classifier import save_classifier, train_classifier as train

    data.check_writable(out, force)
    steps = -(-min(limit or 60_000, 60_000) // 128) * epochs
    with progress_bar() as progress:
        task = progress.add_task(f"LeNet5 on {dataset.value}", total=steps)
        log = lambda r: progress.console.print(f"epoch {r['epoch']}: loss {r['train_loss']:.4f}, "
                                               f"test accuracy {r['test_accuracy']:.4f}", markup=False)
        model, history = train(dataset.value, epochs, seed, lr=lr, data_root=data_dir, limit=limit,
                               on_step=lambda: progress.advance(task), on_epoch=log)
    save_classifier(out, model, dataset.value, seed, history)
    console.print(f"test accuracy {history[-1]['test_accuracy']:.4f} -> {out}", markup=False)


@command(train_app, "solver-nets")
def train_solver_nets(
    out: Annotated[Path, typer.Option(help="Folder for the bag of three LeNet5s and the prototype discriminator.")],
    dataset: Annotated[Dataset, typer.Option(help="Training set.")] = Dataset.mnist,
    epochs: Annotated[int, typer.Option(min=1, help="Epochs of the first LeNet5.")] = 5,
    member_epochs: Annotated[int, typer.Option(min=1, help="Epochs of each bag member and the discriminator.")] = 1,
    seed: Annotated[int, typer.Option(help="Seed of the first LeNet5 (members use seed+1, seed+2).")] = 0,
    limit: LimitOption = None,
    data_dir: DataDirOption = None,
    force: ForceOption = False,
) -> None:
    """Train the frozen nets of the classifier solver (thesis Appendix B): a LeNet5, two bag members that re-train
    only its input layer, and a prototype discriminator (original vs shuffled images)."""
    from jigsaw.classifier_solver import BAG_FILES, DISCRIMINATOR_FILE, train_solver_nets as train

    existing = [out / name for name in (*BAG_FILES, DISCRIMINATOR_FILE) if (out / name).exists()]
    if existing and not force:
        raise JigsawError(f"{existing[0]} already exists; pass --force to overwrite it")
    with progress_bar() as progress:
        task = progress.add_task("training", total=4)
        train(dataset.value, out, seed, epochs, member_epochs, data_dir, limit=limit,
              on_stage=lambda name: progress.update(task, advance=1, description=name))
    console.print(f"wrote {', '.join(BAG_FILES)} and {DISCRIMINATOR_FILE} to {out}", markup=False)


def _start_or_resume(out: Path, resume: bool, force: bool, epochs: int, load, create):
    """The run in ``out`` continued (``--resume``, its epochs raised to ``epochs``), or a new one from ``create()``
    that refuses to replace an existing run without ``--force``."""
    checkpoint = out / "checkpoint.pt"
    if resume:
        run = load(checkpoint)
        run.config.epochs = max(run.config.epochs, epochs)
        return run
    if (checkpoint.exists() or (out / "log.jsonl").exists()) and not force:
        raise JigsawError(f"{out} already holds a run; pass --resume to continue it or --force to start over")
    run = create()
    (out / "log.jsonl").unlink(missing_ok=True)
    return run


class Granularity(str, Enum):
    layer = "layer"
    out_channel = "out_channel"
    kernel = "kernel"


class Init(str, Enum):
    normal = "normal"
    uniform = "uniform"
    sparse = "sparse"


@command(train_app, "index-opt")
def train_index_opt(
    out: Annotated[Path, typer.Option(help="Run folder: checkpoint.pt and log.jsonl.")],
    model: Annotated[str, typer.Option(help="lenet5 (MNIST, FashionMNIST) or vgg (CIFAR-10).")] = "lenet5",
    dataset: Annotated[str, typer.Option(help="mnist, fashion-mnist or cifar10.")] = "mnist",
    init: Annotated[Init, typer.Option(help="Kaiming normal, Kaiming uniform, or sparse (90% zeros).")] = Init.normal,
    granularity: Annotated[Granularity, typer.Option(help="Groups whose values are permuted.")] = Granularity.layer,
    ste: Annotated[bool, typer.Option("--ste/--no-ste", help="Straight-through latent weights, or LaPerm sync.")] = True,
    sync_every: Annotated[int, typer.Option(min=1, help="Without STE: sync period k in steps.")] = 1,
    plain: Annotated[bool, typer.Option("--plain", help="Reference: train with the base optimizer alone.")] = False,
    normalize: Annotated[bool, typer.Option("--normalize/--no-normalize",
                                            help="Standardise inputs with the training set's mean and std.")] = True,
    shift: Annotated[int, typer.Option(min=0, help="Shift training images at random by up to N pixels.")] = 2,
    epochs: Annotated[int, typer.Option(min=1, help="Maximum epochs (early stopping after 20 without gain).")] = 10,
    lr: Annotated[float, typer.Option(help="Base learning rate, decayed by 1/1.01 per epoch.")] = 1e-3,
    seed: Annotated[int, typer.Option(help="Seed of the initial weights and the batch order.")] = 0,
    limit: LimitOption = None,
    resume: ResumeOption = False,
    data_dir: DataDirOption = None,
    force: ForceOption = False,
) -> None:
    """Train a network by permuting its initial weights only (thesis Alg. 1)."""
    from jigsaw.index_training import Run, RunConfig, train_run

    checkpoint = out / "checkpoint.pt"
    run = _start_or_resume(out, resume, force, epochs, Run.load, lambda: Run(RunConfig(
        model=model, dataset=dataset, init=init.value, granularity=granularity.value, ste=ste, sync_every=sync_every,
        plain=plain, normalize=normalize, shift=shift, lr=lr, epochs=epochs, seed=seed, limit=limit)))
    train_size = min(run.config.limit or 60_000, 60_000 if run.config.dataset != "cifar10" else 50_000)
    steps = -(-train_size // run.config.batch_size) * (run.config.epochs - len(run.history))
    with progress_bar() as progress:
        task = progress.add_task(run.config.describe(), total=steps)
        log = lambda r: progress.console.print(f"epoch {r['epoch']}: loss {r['train_loss']:.4f}, test accuracy "
                                               f"{r['test_accuracy']:.4f}, lr {r['lr']:.2e}", markup=False)
        history = train_run(run, out, data_dir, on_step=lambda: progress.advance(task), on_epoch=log)
    best = max(history, key=lambda r: r["test_accuracy"])
    console.print(f"best test accuracy {best['test_accuracy']:.4f} (epoch {best['epoch']}) -> {checkpoint}",
                  markup=False)


@command(plot_app, "weights")
def plot_weights(
    checkpoint: Annotated[Path, typer.Argument(help="checkpoint.pt of a `jigsaw train index-opt` run.")],
    out: Annotated[Path, typer.Option(help="PNG to write.")],
    force: ForceOption = False,
) -> None:
    """Per-layer weight histograms before and after training (thesis Fig. 1.1, A.1, A.2)."""
    from jigsaw.checkpoint import load_checkpoint
    from jigsaw.plots import weight_histogram_figure

    data.check_image_output(out, force)
    payload = load_checkpoint(checkpoint, "index-opt")
    figure = weight_histogram_figure(payload["meta"]["initial_state_dict"], payload["state_dict"])
    data.atomic_write(out, lambda tmp: figure.save(tmp, format="PNG"))
    console.print(f"wrote {out}", markup=False)


class GanInput(str, Enum):
    shuffled = "shuffled"
    sorted = "sorted"


@command(train_app, "sortgan")
def train_sortgan(
    out: Annotated[Path, typer.Option(help="Run folder: checkpoint.pt, log.jsonl, grid.png.")],
    dataset: Annotated[Dataset, typer.Option(help="Training set.")] = Dataset.mnist,
    epochs: Annotated[int, typer.Option(min=1, help="Epochs (the thesis trains 100).")] = 100,
    seed: Annotated[int, typer.Option(help="Seed of the weights, batches and shuffles.")] = 0,
    input: Annotated[GanInput, typer.Option(help="Generator input: shuffled pixels (thesis) or sorted.")] = GanInput.shuffled,
    mse_weight: Annotated[float, typer.Option(help="Weight of the MSE of the re-arranged image.")] = 1.0,
    score_weight: Annotated[float, typer.Option(help="Weight of the MSE of the raw generator output (0: thesis).")] = 0.0,
    adversarial_weight: Annotated[float, typer.Option(help="Weight of the generator's BCE term.")] = 1.0,
    lr: Annotated[float, typer.Option(help="Adam learning rate of both networks.")] = 2e-3,
    label_smoothing: Annotated[float, typer.Option(help="Discriminator's real target is 1 - this.")] = 0.0,
    grad_clip: Annotated[float, typer.Option(help="Clip the generator's gradient norm to this (0: off).")] = 0.0,
    limit: LimitOption = None,
    resume: ResumeOption = False,
    data_dir: DataDirOption = None,
    force: ForceOption = False,
) -> None:
    """Train sortGAN: recover images from shuffled pixels (thesis §4.3)."""
    from jigsaw import sortgan

    checkpoint = out / "checkpoint.pt"
    training = _start_or_resume(out, resume, force, epochs, sortgan.Training.load, lambda: sortgan.Training(
        sortgan.SortGANConfig(dataset=dataset.value, input=input.value, mse_weight=mse_weight,
                              score_weight=score_weight, adversarial_weight=adversarial_weight, lr=lr,
                              label_smoothing=label_smoothing, grad_clip=grad_clip, epochs=epochs, seed=seed,
                              limit=limit)))
    config = training.config
    steps = -(-min(config.limit or 60_000, 60_000) // config.batch_size) * (config.epochs - len(training.history))
    with progress_bar() as progress:
        task = progress.add_task(f"sortGAN on {config.dataset}", total=steps)
        log = lambda r: progress.console.print(
            f"epoch {r['epoch']}: D {r['d_loss']:.3f}, G {r['g_loss']:.3f}, validation MSE {r['val_mse']:.4f}, "
            f"PSNR {r['val_psnr']:.2f} dB", markup=False)
        sortgan.train(training, out, data_dir, on_step=lambda: progress.advance(task), on_epoch=log)
    puzzles_images, puzzles_labels = data.load_dataset(config.dataset, train=False, root=data_dir)
    originals, labels = puzzles_images[:10], puzzles_labels[:10]
    shuffled, _ = shuffle_pixels(originals, seed=0)
    recovered, _ = training.model.solve(shuffled, labels)
    data.write_grid([originals, shuffled, recovered], out / "grid.png", force=True)
    console.print(f"-> {checkpoint}, {out / 'log.jsonl'}, {out / 'grid.png'} (original | shuffled | recovered)",
                  markup=False)


def _digit_image(path: Path):
    image = data.read_image(path)
    if tuple(image.shape) != (1, 28, 28):
        raise JigsawError(f"{path}: sortGAN solves 28x28 grayscale images, this one is "
                          f"{image.shape[2]}x{image.shape[1]} with {image.shape[0]} channel(s)")
    return image


@command(app)
def solve(
    puzzle: Annotated[Path, typer.Argument(help="Shuffled image made by `jigsaw shuffle` (or any such image).")],
    out: Annotated[Path, typer.Option(help="Where to write the solved image.")],
    mode: Annotated[Mode, typer.Option(help="pixels: sortGAN on a 28x28 digit; tiles: tile jigsaw.")] = Mode.pixels,
    label: Annotated[Optional[int], typer.Option(help="Pixels: class 0-9; omitted: the discriminator "
                                                                       "picks the class whose recovery looks most real.")] = None,
    model: Annotated[Optional[Path], typer.Option(help="Pixels: sortGAN checkpoint (default: bundled for --dataset).")] = None,
    dataset: Annotated[Dataset, typer.Option(help="Pixels: which bundled model to use.")] = Dataset.mnist,
    method: Annotated[str, typer.Option(help="Pixels: sortgan, or classifier (frozen-classifier solver, needs "
                                             "--label and --classifiers).")] = "sortgan",
    classifiers: Annotated[Optional[Path], typer.Option(help="Pixels, classifier method: folder from "
                                                              "`jigsaw train solver-nets`.")] = None,
    steps: Annotated[int, typer.Option(min=1, help="Pixels, classifier method: optimisation steps.")] = 200,
    grid: Annotated[Optional[str], typer.Option(help="Tiles: ROWSxCOLS (default: from the PNG's metadata).")] = None,
    tile: Annotated[Optional[int], typer.Option(help="Tiles: tile side in pixels (instead of --grid).")] = None,
    force: ForceOption = False,
) -> None:
    """Solve a shuffled image: pixels with a trained sortGAN, tiles with the edge-compatibility solver.
    Both solvers are deterministic: the same puzzle always gives the same answer."""
    data.check_image_output(out, force)
    if mode is Mode.tiles:
        _solve_tiles(puzzle, out, grid, tile, force)
    else:
        if grid is not None or tile is not None:
            raise JigsawError("--grid and --tile only apply to --mode tiles")
        if label is not None and not 0 <= label <= 9:
            raise JigsawError(f"--label must be a class from 0 to 9, got {label}")
        if method == "classifier":
            _solve_with_classifiers(puzzle, out, label, classifiers, steps, force)
        elif method == "sortgan":
            _solve_pixels(puzzle, out, label, model, dataset, force)
        else:
            raise JigsawError(f"unknown method {method!r}; choose sortgan or classifier")


def _solve_tiles(puzzle: Path, out: Path, grid: Optional[str], tile: Optional[int], force: bool) -> None:
    from jigsaw.tile_solver import solve_image

    image = data.read_image(puzzle)
    if grid is None and tile is None:
        grid = data.read_metadata(puzzle).get("jigsaw-grid")
        if grid is None:
            raise JigsawError(f"{puzzle} does not record its grid; pass --grid ROWSxCOLS or --tile N")
    rows, cols = _tile_grid(image.shape[1], image.shape[2], grid, tile)
    with progress_bar() as progress:
        progress.add_task(f"solving {rows}x{cols} tiles", total=None)
        solved = solve_image(image, rows, cols)
    data.write_image(solved, out, force=force)
    console.print(f"solved {rows}x{cols} tiles of {puzzle} -> {out}", markup=False)


def _solve_with_classifiers(puzzle: Path, out: Path, label: Optional[int], classifiers: Optional[Path], steps: int,
                            force: bool) -> None:
    import torch

    from jigsaw.classifier_solver import SolverConfig, load_solver_nets, solve as solve_images

    if label is None:
        raise JigsawError("the classifier method needs --label, a class from 0 to 9")
    if classifiers is None:
        raise JigsawError("the classifier method needs --classifiers DIR (from `jigsaw train solver-nets`)")
    shuffled = _digit_image(puzzle)
    nets = load_solver_nets(classifiers)
    with progress_bar() as progress:
        task = progress.add_task("optimising pixel positions", total=steps)
        recovered = solve_images(shuffled.unsqueeze(0), torch.tensor([label]), nets, SolverConfig(steps=steps),
                                 on_step=lambda: progress.advance(task))
    data.write_image(recovered[0], out, force=force)
    console.print(f"recovered {puzzle} as class {label} with the frozen classifiers -> {out}", markup=False)


def _solve_pixels(puzzle: Path, out: Path, label: Optional[int], model: Optional[Path], dataset: Dataset,
                  force: bool) -> None:
    import torch

    from jigsaw.sortgan import bundled_solver_path, load_solver

    shuffled = _digit_image(puzzle)
    solver, _ = load_solver(model or bundled_solver_path(dataset.value))
    labels = None if label is None else torch.tensor([label])
    recovered, labels = solver.solve(shuffled.unsqueeze(0), labels)
    data.write_image(recovered[0], out, force=force)
    guessed = "" if label is not None else " (guessed)"
    console.print(f"recovered {puzzle} as class {int(labels[0])}{guessed} -> {out}", markup=False)


@command(app)
def demo(
    out: Annotated[Path, typer.Option(help="Side-by-side PNG: original | shuffled | recovered.")] = Path("demo.png"),
    dataset: Annotated[Dataset, typer.Option(help="Bundled test images and model to use.")] = Dataset.mnist,
    seed: Annotated[int, typer.Option(help="Seed of the shuffle.")] = 0,
    force: ForceOption = False,
) -> None:
    """Shuffle ten bundled test images (one per class), solve them with the bundled sortGAN, write a PNG.
    Needs no dataset and no training."""
    import torch

    from jigsaw.sortgan import bundled_samples, bundled_solver_path, load_solver

    data.check_image_output(out, force)
    originals = bundled_samples(dataset.value)
    labels = torch.arange(len(originals))
    shuffled, _ = shuffle_pixels(originals, seed)
    solver, _ = load_solver(bundled_solver_path(dataset.value))
    recovered, _ = solver.solve(shuffled, labels)
    data.write_grid([originals, shuffled, recovered], out, force=force)
    console.print(f"wrote {out}: rows original, shuffled (seed {seed}), recovered by sortGAN", markup=False)


METRIC_COLUMNS = {"mse": "MSE", "psnr": "PSNR dB", "ssim": "SSIM", "accuracy": "judge acc.",
                  "retrieval@1": "retrieval@1", "frechet": "Fréchet", "images_per_second": "images/s"}


def _check_report_dir(out: Path, force: bool) -> tuple[Path, Path]:
    metrics_path, grid_path = out / "metrics.json", out / "grid.png"
    if out.exists() and not out.is_dir():
        raise JigsawError(f"{out} exists and is not a folder")
    for path in (metrics_path, grid_path):
        if path.exists() and not force:
            raise JigsawError(f"{path} already exists; pass --force to overwrite it")
    return metrics_path, grid_path


@command(app)
def evaluate(
    out: Annotated[Path, typer.Option(help="Report folder: metrics.json (and grid.png for pixels).")],
    mode: Annotated[Mode, typer.Option(help="pixels: digit solvers on a test set; tiles: tile jigsaws.")] = Mode.pixels,
    images: Annotated[Optional[Path], typer.Option(help="Tiles: folder of images (default: scikit-image's photographs).")] = None,
    tile: Annotated[Optional[int], typer.Option(min=1, help="Tiles: tile side in pixels (28 when neither --tile nor --grid).")] = None,
    grid: Annotated[Optional[str], typer.Option(help="Tiles: ROWSxCOLS grid instead of --tile.")] = None,
    method: Annotated[list[str], typer.Option(help="Pixels: shuffled, class-mean, knn-1, knn, sortgan, or all "
                                                   "(sortgan when a model is available). Repeat for several.")] = ["all"],
    model: Annotated[Optional[Path], typer.Option(help="Pixels: sortGAN checkpoint (default: bundled).")] = None,
    classifiers: Annotated[Optional[Path], typer.Option(help="Pixels: folder of `jigsaw train solver-nets`; adds "
                                                              "the classifier method.")] = None,
    dataset: Annotated[Dataset, typer.Option(help="Test set to shuffle and solve.")] = Dataset.mnist,
    limit: Annotated[Optional[int], typer.Option(min=2, help="Only the first N test images.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the pixel shuffles.")] = 0,
    knn_k: Annotated[int, typer.Option(min=1, help="k of the knn baseline.")] = 50,
    judge: Annotated[Optional[Path], typer.Option(help="Independent classifier checkpoint (default: bundled).")] = None,
    data_dir: DataDirOption = None,
    force: ForceOption = False,
) -> None:
    """Pixels: shuffle the test set's pixels, solve with each method, and measure MSE, PSNR, SSIM, judge accuracy,
    same-class retrieval@1 and Fréchet distance. Tiles: shuffle each image's tiles, solve, and measure direct and
    neighbour accuracy and time."""
    if mode is Mode.tiles:
        _evaluate_tiles(out, images, tile, grid, seed, force)
        return
    from jigsaw.classifier import load_judge
    from jigsaw.evaluation import (BASELINES, baseline_solvers, classifier_solver, evaluate as run, puzzles_from,
                                   sortgan_solver)
    from jigsaw.sortgan import bundled_solver_path

    sortgan_path = model or bundled_solver_path(dataset.value)
    available = [*BASELINES, *(["sortgan"] if sortgan_path.exists() else []), *(["classifier"] if classifiers else [])]
    methods = available if "all" in method else method
    unknown = [m for m in methods if m not in (*BASELINES, "sortgan", "classifier")]
    if unknown:
        raise JigsawError(f"unknown method {unknown[0]!r}; choose from all, {', '.join(BASELINES)}, sortgan, "
                          "classifier")
    if "classifier" in methods and classifiers is None:
        raise JigsawError("the classifier method needs --classifiers DIR (from `jigsaw train solver-nets`)")
    metrics_path, grid_path = _check_report_dir(out, force)
    judge_model = load_judge(dataset.value, judge)
    reference, reference_labels = data.load_dataset(dataset.value, train=False, root=data_dir)
    puzzles = puzzles_from(reference, reference_labels, limit, seed)
    solvers = {name: solver for name, solver in baseline_solvers(dataset.value, data_dir, k=knn_k).items()
               if name in methods}
    if "sortgan" in methods:
        solvers["sortgan"] = sortgan_solver(sortgan_path)
    if "classifier" in methods:
        solvers["classifier"] = classifier_solver(classifiers)
    with progress_bar() as progress:
        task = progress.add_task(f"solving {len(puzzles.labels)} {dataset.value} images", total=len(solvers) + 1)
        results, outputs = run(solvers, puzzles, judge_model, reference,
                               on_solver=lambda name: progress.update(task, advance=1, description=name))

    table = Table(title=f"{dataset.value}, {len(puzzles.labels)} test images, shuffle seed {seed}")
    table.add_column("method")
    for title in METRIC_COLUMNS.values():
        table.add_column(title, justify="right")
    for name, metrics in results.items():
        speed = "—" if name == "original" else f"{metrics['images_per_second']:,.0f}"
        table.add_row(name, *(f"{metrics[key]:.4f}" for key in METRIC_COLUMNS if key != "images_per_second"), speed)
    console.print(table)

    out.mkdir(parents=True, exist_ok=True)
    report = {"dataset": dataset.value, "images": len(puzzles.labels), "seed": seed, "knn_k": knn_k,
              "judge": str(judge or "bundled"), "sortgan": str(sortgan_path) if "sortgan" in solvers else None,
              "command": " ".join(["jigsaw", *sys.argv[1:]]), "results": results}
    _write_json(metrics_path, report)
    first = slice(0, 10)
    shown = [m for m in solvers if m != "shuffled"]
    rows = [puzzles.originals[first], puzzles.shuffled[first], *(outputs[m][first] for m in shown)]
    data.write_grid(rows, grid_path, force=True)
    console.print(f"wrote {metrics_path} and {grid_path} (rows: original, shuffled, {', '.join(shown)})",
                  markup=False)


def _write_json(path: Path, payload: dict) -> None:
    import json

    data.atomic_write(path, lambda tmp: tmp.write_text(json.dumps(payload, indent=2)))


def _evaluate_tiles(out: Path, images: Optional[Path], tile: Optional[int], grid: Optional[str], seed: int,
                    force: bool) -> None:
    from jigsaw.evaluation import evaluate_tiles

    metrics_path, _ = _check_report_dir(out, force)
    if tile is not None and grid is not None:
        raise JigsawError("give either --grid or --tile, not both")
    pictures = data.read_image_folder(images) if images is not None else data.skimage_photographs()
    with progress_bar() as progress:
        task = progress.add_task("solving", total=len(pictures))
        rows = evaluate_tiles(pictures, seed, tile=None if grid else (tile or 28),
                              grid=tiles.parse_grid(grid) if grid else None,
                              on_image=lambda name: progress.update(task, advance=1, description=name))
    table = Table(title=f"tile puzzles, shuffle seed {seed}")
    for column in ("image", "grid", "tiles", "direct", "neighbour", "seconds"):
        table.add_column(column, justify="left" if column == "image" else "right")
    for row in rows:
        table.add_row(row["image"], row["grid"], str(row["tiles"]), f"{row['direct']:.3f}",
                      f"{row['neighbour']:.3f}", f"{row['seconds']:.2f}")
    mean = lambda key: sum(r[key] for r in rows) / len(rows)
    table.add_row("mean", "", "", f"{mean('direct'):.3f}", f"{mean('neighbour'):.3f}", f"{mean('seconds'):.2f}")
    console.print(table)
    out.mkdir(parents=True, exist_ok=True)
    _write_json(metrics_path, {"mode": "tiles", "seed": seed, "images": str(images or "scikit-image photographs"),
                               "command": " ".join(["jigsaw", *sys.argv[1:]]), "results": rows})
    console.print(f"wrote {metrics_path}", markup=False)


def main() -> None:
    """Console-script entry point: usage errors (unknown option, bad value) become one line too."""
    try:
        code = app(standalone_mode=False)
    except typer.Abort:
        code = 1
    except Exception as error:  # Click's (or Typer's vendored Click's) usage errors carry a message and an exit code
        if not (hasattr(error, "format_message") and hasattr(error, "exit_code")):
            raise
        message = error.format_message()
        if message:  # empty when the help text was shown instead (a group called without a command)
            err_console.print(f"error: {message}", markup=False)
        code = 2
    sys.exit(code if isinstance(code, int) else 0)
