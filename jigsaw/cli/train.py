"""``jigsaw train …``: classifiers, the frozen-classifier solver's nets, index-optimised networks, sortGAN."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from jigsaw.cli.common import (
    MAX_SEED,
    Bar,
    DataDirOption,
    Dataset,
    DeviceOption,
    ForceOption,
    LimitOption,
    ResumeOption,
    command,
    config_from_options,
    examples,
    given_options,
    note,
    processes_on,
    say,
    train_app,
)


@train_app.callback()
def _train(
    threads: Annotated[
        Optional[int],
        typer.Option(
            min=1,
            help="CPU threads for torch (default: all cores). A seed gives bit-identical runs only at the same "
            "thread count.",
        ),
    ] = None,
) -> None:
    """Train networks: classifiers, index-optimised nets, sortGAN."""
    if threads is not None:
        import torch

        torch.set_num_threads(threads)


@command(
    train_app,
    "classifier",
    epilog=examples(
        "jigsaw train classifier --out judge.pt --seed 1234", "jigsaw train --threads 1 classifier --out c.pt"
    ),
)
def train_classifier(
    out: Annotated[Path, typer.Option(help="Checkpoint file to write.")],
    dataset: Annotated[Dataset, typer.Option(help="Training set.")] = Dataset.mnist,
    epochs: Annotated[int, typer.Option(min=1, help="Training epochs.")] = 10,
    seed: Annotated[
        int, typer.Option(min=0, max=MAX_SEED, help="Seed of the initial weights and the batch order.")
    ] = 0,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 1e-3,
    limit: LimitOption = None,
    data_dir: DataDirOption = None,
    device: DeviceOption = "auto",
    force: ForceOption = False,
) -> None:
    """Train a LeNet5 classifier with Adam (the judges of `jigsaw evaluate` are trained this way)."""
    from jigsaw.datasets import check_outside_data, steps_per_epoch
    from jigsaw.files import check_writable
    from jigsaw.models import LeNet5
    from jigsaw.pixels.judges import save_classifier
    from jigsaw.pixels.judges import train_classifier as train
    from jigsaw.runs import check_run_settings

    check_writable(out, force)
    check_outside_data(out, dataset.value, data_dir)
    check_run_settings(lr=lr, seed=seed)
    describe = lambda r: f"epoch {r['epoch']}: loss {r['train_loss']:.4f}, test accuracy {r['test_accuracy']:.4f}"
    with processes_on(device) as (where, processes):
        steps = steps_per_epoch(dataset.value, limit, 128, processes.world_size) * epochs
        with Bar(f"LeNet5 on {dataset.value}", steps, describe, visible=processes.is_main) as bar:
            model, history = train(LeNet5, dataset.value, epochs, seed, lr, 128, data_dir, limit, bar, where, processes)
        if processes.is_main:
            save_classifier(out, model, dataset.value, seed, history)
            say(f"test accuracy {history[-1]['test_accuracy']:.4f} -> {out}")


@command(train_app, "solver-nets", epilog=examples("jigsaw train solver-nets --out runs/solver-nets-mnist"))
def train_solver_nets(
    out: Annotated[Path, typer.Option(help="Folder for the bag of three LeNet5s and the prototype discriminator.")],
    dataset: Annotated[Dataset, typer.Option(help="Training set.")] = Dataset.mnist,
    epochs: Annotated[int, typer.Option(min=1, help="Epochs of the first LeNet5.")] = 5,
    member_epochs: Annotated[int, typer.Option(min=1, help="Epochs of each bag member and the discriminator.")] = 1,
    seed: Annotated[
        int, typer.Option(min=0, max=MAX_SEED, help="Seed of the first LeNet5 (members use seed+1, seed+2).")
    ] = 0,
    limit: LimitOption = None,
    data_dir: DataDirOption = None,
    device: DeviceOption = "auto",
    force: ForceOption = False,
) -> None:
    """Train the frozen nets of the classifier solver (thesis Appendix B): a LeNet5, two bag members that re-train
    only its input layer, and a prototype discriminator (original vs shuffled images)."""
    from jigsaw.datasets import check_outside_data
    from jigsaw.devices import resolve_device
    from jigsaw.pixels.classifier_solver import BAG_FILES, DISCRIMINATOR_FILE, check_solver_nets_output
    from jigsaw.pixels.classifier_solver import train_solver_nets as train

    check_solver_nets_output(out, force)
    check_outside_data(out, dataset.value, data_dir)
    with Bar("training", total=4) as bar:
        train(dataset.value, out, seed, epochs, member_epochs, data_dir, bar, limit, resolve_device(device))
    say(f"wrote {', '.join(BAG_FILES)} and {DISCRIMINATOR_FILE} to {out}")


class Granularity(str, Enum):
    layer = "layer"
    out_channel = "out_channel"
    kernel = "kernel"


class Init(str, Enum):
    normal = "normal"
    uniform = "uniform"
    sparse = "sparse"


@command(
    train_app,
    "index-opt",
    epilog=examples(
        "jigsaw train index-opt --out runs/lenet --granularity kernel --epochs 100",
        "jigsaw train index-opt --out runs/lenet --resume --epochs 200",
        "jigsaw train index-opt --out runs/laperm --no-ste --sync-every 20 --init sparse",
        "torchrun --standalone --nproc_per_node=8 -m jigsaw train index-opt --model resnet34 --dataset imagefolder "
        "--data-dir /data/imagenet --batch-size 128 --amp --device cuda --out runs/resnet34",
    ),
)
def train_index_opt(
    context: typer.Context,
    out: Annotated[Path, typer.Option(help="Run folder: checkpoint.pt and log.jsonl.")],
    model: Annotated[
        str,
        typer.Option(
            help="lenet5, lenet5-caffe (the compression literature's) or conv7 (LaPerm's) on MNIST / FashionMNIST; "
            "vgg on CIFAR-10; resnet34 on an image folder (ImageNet)."
        ),
    ] = "lenet5",
    dataset: Annotated[
        str,
        typer.Option(
            help="mnist, fashion-mnist, cifar10, or imagefolder: DATA_DIR/train/<class>/<image> and "
            "DATA_DIR/val/<class>/<image> (torchvision's ImageFolder layout, e.g. ImageNet), streamed from disk."
        ),
    ] = "mnist",
    init: Annotated[Init, typer.Option(help="Kaiming normal, Kaiming uniform, or sparse (90% zeros).")] = Init.normal,
    granularity: Annotated[Granularity, typer.Option(help="Groups whose values are permuted.")] = Granularity.layer,
    ste: Annotated[
        bool, typer.Option("--ste/--no-ste", metavar="", help="Straight-through latent weights, or LaPerm sync.")
    ] = True,
    sync_every: Annotated[int, typer.Option(min=1, help="Without STE: sync period k in steps.")] = 1,
    plain: Annotated[
        bool, typer.Option("--plain", metavar="", help="Reference: train with the base optimizer alone.")
    ] = False,
    normalize: Annotated[
        bool,
        typer.Option(
            "--normalize/--no-normalize", metavar="", help="Standardise inputs with the training set's mean and std."
        ),
    ] = True,
    shift: Annotated[int, typer.Option(min=0, help="Shift training images at random by up to N pixels.")] = 2,
    epochs: Annotated[int, typer.Option(min=1, help="Maximum epochs (early stopping after 20 without gain).")] = 10,
    lr: Annotated[float, typer.Option(help="Base learning rate, divided by --lr-decay after every epoch.")] = 1e-3,
    lr_decay: Annotated[
        float,
        typer.Option(min=1.0, help="Learning-rate divisor per epoch: 1.01 (thesis); LaPerm's Conv7 recipe: 1.0526."),
    ] = 1.01,
    batch_size: Annotated[int, typer.Option(min=1, help="Images per step in each process (see below).")] = 128,
    amp: Annotated[
        bool, typer.Option("--amp", metavar="", help="bfloat16 autocast in the forward pass (fast on recent GPUs).")
    ] = False,
    image_size: Annotated[int, typer.Option(min=16, help="imagefolder: side of the square training crops.")] = 224,
    workers: Annotated[
        int, typer.Option(min=0, help="imagefolder: loader processes per training process (results do not change).")
    ] = 4,
    seed: Annotated[
        int, typer.Option(min=0, max=MAX_SEED, help="Seed of the initial weights and the batch order.")
    ] = 0,
    limit: LimitOption = None,
    resume: ResumeOption = False,
    data_dir: DataDirOption = None,
    device: DeviceOption = "auto",
    force: ForceOption = False,
) -> None:
    """Train a network by permuting its initial weights only (thesis Alg. 1). Runs unchanged under torchrun: each
    process trains its shard with --batch-size images per step (so the global batch is that x processes); rank 0
    writes."""
    options = dict(locals())
    from jigsaw.weights.run import IndexOptConfig, IndexOptRun, train_run, with_folder_classes

    config = with_folder_classes(config_from_options(IndexOptConfig, options), data_dir)
    describe = lambda r: (
        f"epoch {r['epoch']}: loss {r['train_loss']:.4f}, test accuracy {r['test_accuracy']:.4f}, lr {r['lr']:.2e}"
    )
    with _run_in(IndexOptRun, config, options) as (folder, run, steps):
        processes = folder.processes
        with Bar(run.config.describe(), steps, describe, visible=processes.is_main) as bar:
            history = train_run(run, folder, data_dir, progress=bar, workers=workers)
    best = max(history, key=lambda r: r["test_accuracy"])
    if processes.is_main:
        say(f"best test accuracy {best['test_accuracy']:.4f} (epoch {best['epoch']}) -> {folder.checkpoint}")


@contextmanager
def _run_in(
    cls: Any, config: Any, options: dict[str, Any], outputs: tuple[str, ...] = ()
) -> Iterator[tuple[Any, Any, int]]:
    """``(folder, run, steps left)`` for the life of a training: ``--device`` resolved (and, under torchrun, the
    process group joined), the run folder ``--out`` claimed (:meth:`jigsaw.runs.RunFolder.claimed`), its run of
    class ``cls`` resumed or started from ``config``; the steps are this process's, for the bar."""
    from jigsaw.datasets import check_outside_data
    from jigsaw.runs import RunFolder

    out = options["out"]
    check_outside_data(out, config.dataset, options["data_dir"])
    with processes_on(options["device"]) as (where, processes):
        folder = RunFolder(out, processes, outputs)
        with folder.claimed():
            run = folder.start(
                options["resume"],
                options["force"],
                options["epochs"],
                lambda path: cls.load(path, where),
                lambda: cls(config, where),
                given_options(options["context"], options),
            )
            if folder.started_afresh and processes.is_main:
                note(f"{out} holds no checkpoint yet (its first epoch never ended): starting the run afresh")
            yield folder, run, run.config.steps_left(len(run.history), processes.world_size)


class GanInput(str, Enum):
    shuffled = "shuffled"
    sorted = "sorted"


class GanNetwork(str, Enum):
    """What sortGAN's generator and discriminator can each be."""

    mlp = "mlp"
    conv = "conv"


@command(
    train_app,
    "sortgan",
    epilog=examples(
        "jigsaw train sortgan --out runs/sortgan-mnist --epochs 100",
        "jigsaw train sortgan --out runs/sortgan-mnist --resume --epochs 150",
    ),
)
def train_sortgan(
    context: typer.Context,
    out: Annotated[Path, typer.Option(help="Run folder: checkpoint.pt, log.jsonl, grid.png.")],
    dataset: Annotated[Dataset, typer.Option(help="Training set.")] = Dataset.mnist,
    epochs: Annotated[int, typer.Option(min=1, help="Epochs (the thesis trains 100).")] = 100,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Seed of the weights, batches and shuffles.")] = 0,
    input: Annotated[
        GanInput, typer.Option(help="Generator input: shuffled pixels (thesis) or sorted.")
    ] = GanInput.shuffled,
    mse_weight: Annotated[float, typer.Option(help="Weight of the MSE of the re-arranged image.")] = 1.0,
    score_weight: Annotated[
        float, typer.Option(help="Weight of the MSE of the raw generator output (0: thesis).")
    ] = 0.0,
    adversarial_weight: Annotated[float, typer.Option(help="Weight of the generator's BCE term.")] = 1.0,
    discriminator: Annotated[
        GanNetwork,
        typer.Option(help="mlp on the image and the one-hot label (thesis), or conv with a projection of the label."),
    ] = GanNetwork.mlp,
    generator: Annotated[
        GanNetwork,
        typer.Option(
            help="mlp from the pixel values and the label to 784 scores (thesis), or conv: a 7x7 map drawn up "
            "by transposed convolutions."
        ),
    ] = GanNetwork.mlp,
    spectral_norm: Annotated[
        bool,
        typer.Option(
            "--spectral-norm",
            metavar="",
            help="Hold every discriminator layer's largest singular value at 1 (spectral normalisation).",
        ),
    ] = False,
    lr: Annotated[float, typer.Option(help="Adam learning rate of both networks.")] = 2e-3,
    label_smoothing: Annotated[float, typer.Option(help="Discriminator's real target is 1 - this.")] = 0.0,
    grad_clip: Annotated[float, typer.Option(help="Clip the generator's gradient norm to this (0: off).")] = 0.0,
    ema: Annotated[
        float,
        typer.Option(
            help="Solve with a moving average of the generator's weights: its decay per step, at least 0 and "
            "below 1 (0: off); the checkpoint's generator is then the average."
        ),
    ] = 0.0,
    limit: LimitOption = None,
    resume: ResumeOption = False,
    data_dir: DataDirOption = None,
    device: DeviceOption = "auto",
    force: ForceOption = False,
) -> None:
    """Train sortGAN: recover images from shuffled pixels (thesis §4.3). Runs unchanged under torchrun: each process
    trains its shard with 64 images per step (so the global batch is 64 x processes); rank 0 writes."""
    options = dict(locals())
    from jigsaw.pixels.sortgan import PREVIEW, SortGANConfig, SortGANRun, train, write_preview

    config = config_from_options(SortGANConfig, options)
    describe = lambda r: (
        f"epoch {r['epoch']}: D {r['d_loss']:.3f}, G {r['g_loss']:.3f}, validation MSE "
        f"{r['val_mse']:.4f}, PSNR {r['val_psnr']:.2f} dB"
    )
    with _run_in(SortGANRun, config, options, outputs=(PREVIEW,)) as (folder, run, steps):
        processes = folder.processes
        with Bar(f"sortGAN on {run.config.dataset}", steps, describe, visible=processes.is_main) as bar:
            train(run, folder, data_dir, progress=bar)
        if processes.is_main:
            preview = write_preview(run.model, run.config.dataset, out / PREVIEW, data_dir, run.solving_generator)
            say(f"-> {folder.checkpoint}, {folder.log}, {preview} (original | shuffled | recovered)")


class PieceEstimator(str, Enum):
    ste = "ste"
    ste_sinkhorn = "ste-sinkhorn"
    blackbox = "blackbox"
    gumbel_sinkhorn = "gumbel-sinkhorn"
    assignment = "assignment"


class PieceLoss(str, Enum):
    image = "image"
    pieces = "pieces"


class Schedule(str, Enum):
    cosine = "cosine"
    constant = "constant"


@command(
    train_app,
    "piece-solver",
    epilog=examples(
        "jigsaw train piece-solver --dataset mnist --grid 4 --out runs/pieces-mnist-4",
        "jigsaw train piece-solver --grid 7 --estimator gumbel-sinkhorn --out runs/pieces-gs-7",
    ),
)
def train_piece_solver(
    context: typer.Context,
    out: Annotated[Path, typer.Option(help="Run folder: checkpoint.pt and log.jsonl.")],
    dataset: Annotated[Dataset, typer.Option(help="Training set.")] = Dataset.mnist,
    grid: Annotated[int, typer.Option(help="Pieces per side: 2, 4, 7 or 14 (28-pixel images).")] = 4,
    estimator: Annotated[
        PieceEstimator,
        typer.Option(
            help="ste: hard placements, the gradient handed to the scores unchanged; ste-sinkhorn: hard placements, "
            "the gradient through the Sinkhorn relaxation; blackbox: hard placements, the gradient from a second "
            "Hungarian placement of the scores moved against the loss (Vlastelica et al.); gumbel-sinkhorn: Mena et "
            "al.'s relaxation; assignment: no placement in training, the scores' cross-entropy against the true "
            "assignment (pixel-identical pieces interchangeable)."
        ),
    ] = PieceEstimator.ste,
    epochs: Annotated[int, typer.Option(min=1, help="Epochs.")] = 5,
    lr: Annotated[float, typer.Option(help="Adam learning rate.")] = 1e-3,
    schedule: Annotated[
        Schedule, typer.Option(help="Learning rate: cosine from --lr to 0 over the run's steps, or constant.")
    ] = Schedule.cosine,
    samples: Annotated[
        int,
        typer.Option(
            min=1,
            help="Gumbel-perturbed placements per puzzle and step (5, as Mena et al.); fewer make 14x14 steps "
            "cheaper, the Sinkhorn passes being most of their time.",
        ),
    ] = 5,
    width: Annotated[
        int, typer.Option(min=4, help="Width of the piece embedding and the transformer (a multiple of 4).")
    ] = 64,
    layers: Annotated[int, typer.Option(min=1, help="Transformer layers relating the pieces.")] = 2,
    edges: Annotated[
        bool,
        typer.Option(
            help="Bias the transformer's four heads by the pieces' seam costs, one head per direction (right, left, "
            "down, up), so the pieces gather from their likely neighbours.",
        ),
    ] = False,
    refine: Annotated[
        int,
        typer.Option(
            min=0,
            help="Further passes, each seeing where the previous one placed every piece and scoring again (each "
            "pass is trained).",
        ),
    ] = 0,
    strength: Annotated[
        float,
        typer.Option(
            help="blackbox: how far the scores move against the loss's gradient (its largest entry, in score units) "
            "to find the placement the loss would rather have; with --loss pieces, 1000 asks for the original.",
        ),
    ] = 5.0,
    loss: Annotated[
        PieceLoss,
        typer.Option(
            help="The reconstruction's error (every estimator but assignment): of the assembled image (Mena et al.'s), "
            "or of each piece against the cell it is placed in — the same number for a hard placement, but linear "
            "in the placement, so its gradient is every piece's error at every cell.",
        ),
    ] = PieceLoss.image,
    seed: Annotated[int, typer.Option(min=0, max=MAX_SEED, help="Seed of the weights, batches and shuffles.")] = 0,
    limit: LimitOption = None,
    resume: ResumeOption = False,
    data_dir: DataDirOption = None,
    device: DeviceOption = "auto",
    force: ForceOption = False,
) -> None:
    """Train the learned piece solver: 28x28 digits cut into GRIDxGRID pieces and shuffled, placed again by a network
    that embeds every piece and relates them with a small transformer. Runs unchanged under torchrun."""
    options = dict(locals())
    from jigsaw.pieces.run import PieceSolverConfig, PieceSolverRun, train

    config = config_from_options(PieceSolverConfig, options)
    describe = lambda r: f"epoch {r['epoch']}: loss {r['train_loss']:.4f}, pieces right {r['val_pieces_right']:.4f}"
    with _run_in(PieceSolverRun, config, options) as (folder, run, steps):
        processes = folder.processes
        with Bar(
            f"piece solver, {run.config.grid}x{run.config.grid}", steps, describe, visible=processes.is_main
        ) as bar:
            train(run, folder, data_dir, progress=bar)
        if processes.is_main:
            say(
                f"pieces right {run.history[-1]['val_pieces_right']:.4f} (first 1,000 test images) -> "
                f"{folder.checkpoint}"
            )
