"""Training the learned piece solver: a resumable run in a :class:`~jigsaw.runs.RunFolder`, and loading it to solve.

Two losses. The reconstruction's, as Mena et al. train their jigsaw network: the mean squared error between the
image the placement assembles from the shuffled pieces and the original; it needs nothing but the original image,
and pixel-identical pieces (MNIST's black margins) are interchangeable under it, as under the metric; written as the
assembled image's error or as each placed piece's error at its cell (:data:`LOSSES`). The
``estimator`` decides how the placement is made in training — ``ste``, ``ste-sinkhorn`` and ``blackbox``:
Gumbel-perturbed hard placements, their gradients made three ways (:mod:`jigsaw.pieces.model`); ``gumbel-sinkhorn``:
Gumbel-Sinkhorn matrices — and nothing else differs between them: the same network, data, budget. And, with the
``assignment`` estimator, the scores' cross-entropy against the true assignment (:func:`assignment_loss`), where any
piece pixel-identical to the right one counts as right, so the blanks stay interchangeable: the shuffle is made
here, so the truth is known, and every cell and every piece gets a direct signal each step instead of one through
a placement (see ``docs/pieces.md`` for what each reaches).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor

from jigsaw.checkpoint import check_history, config_from, load_checkpoint, load_state, require, restore, save_checkpoint
from jigsaw.datasets import load_dataset, steps_per_epoch
from jigsaw.devices import mean_over_processes, shard, wrap
from jigsaw.errors import JigsawError
from jigsaw.permute import random_permutations
from jigsaw.pieces.mending import MENDED_UP_TO_GRID, WEIGHTS, mend
from jigsaw.pieces.metrics import score_placements
from jigsaw.pieces.model import (
    PieceSolverNet,
    assemble_pieces,
    cut_pieces,
    gumbel_sinkhorn_placement,
    hard_placement,
    place,
    solver_difference_placement,
    straight_through_placement,
)
from jigsaw.progress import SILENT, Progress
from jigsaw.relaxed import sample_gumbel
from jigsaw.runs import RunFolder, check_run_settings, command_line, epoch_seed
from jigsaw.training import check_finite_loss

KIND = "piece-solver"
SIDE = 28
"""The side of the images the piece solver learns: MNIST's and FashionMNIST's."""
GRIDS = (2, 4, 7, 14)
"""The grids whose pieces tile a 28-pixel side exactly."""
ESTIMATORS = ("ste", "ste-sinkhorn", "blackbox", "gumbel-sinkhorn", "assignment")
LOSSES = ("image", "pieces")
"""How the reconstruction's error is written (the estimators but ``assignment``): the mean squared error of the image
the placement assembles (``image``, Mena et al.'s), or the mean of each piece's squared error against the cell it is
placed in (``pieces``). The two are the same number for a hard placement; the second is linear in the placement
matrix, so its gradient — what ``ste`` hands on and ``blackbox`` moves the scores by — is every piece's error at every
cell, whichever placement was drawn (see :func:`training_loss`)."""
SCHEDULES = ("cosine", "constant")
"""How the learning rate moves over a run: from ``lr`` down to 0 along a half cosine over all its steps (the
default), or not at all; why, in ``docs/research-log.md`` (2026-12-03)."""


@dataclass
class PieceSolverConfig:
    dataset: str = "mnist"
    grid: int = 4
    estimator: str = "ste"
    epochs: int = 5
    batch_size: int = 64
    lr: float = 1e-3
    seed: int = 0
    limit: int | None = None  # first N training images only
    width: int = 64  # the embedding's and the transformer's width
    layers: int = 2  # transformer layers
    edges: bool = False  # attention biased by the seam costs, one head per direction (PieceSolverNet)
    refine: int = 0  # further passes that see the previous pass's placement (PieceSolverNet)
    temperature: float = 1.0  # gumbel-sinkhorn
    iterations: int = 20  # gumbel-sinkhorn
    samples: int = 5  # placements per puzzle and step, Gumbel-perturbed for every estimator (5: as Mena et al.)
    schedule: str = "cosine"  # of the learning rate: SCHEDULES
    strength: float = 5.0  # blackbox: how far the scores move toward the loss's preferred placement
    loss: str = "image"  # of the reconstruction: LOSSES

    def validate(self, path: object = None) -> PieceSolverConfig:
        check_run_settings(path, lr=self.lr, seed=self.seed, epochs=self.epochs, limit=self.limit)
        if self.dataset not in ("mnist", "fashion-mnist"):
            raise JigsawError(f"the piece solver learns mnist or fashion-mnist, not {self.dataset}")
        if self.grid not in GRIDS:
            raise JigsawError(f"--grid {self.grid}: 28-pixel images cut into {', '.join(map(str, GRIDS))} per side")
        if self.estimator not in ESTIMATORS:
            raise JigsawError(f"unknown estimator {self.estimator!r}; choose {' or '.join(ESTIMATORS)}")
        if self.loss not in LOSSES:
            raise JigsawError(f"unknown loss {self.loss!r}; choose {' or '.join(LOSSES)}")
        if self.estimator == "assignment" and self.loss != "image":
            raise JigsawError("--loss is the reconstruction's; the assignment estimator learns the true assignment")
        if self.schedule not in SCHEDULES:
            raise JigsawError(f"unknown learning-rate schedule {self.schedule!r}; choose {' or '.join(SCHEDULES)}")
        for name in ("batch_size", "width", "layers", "iterations", "samples"):
            if getattr(self, name) < 1:
                raise JigsawError(f"{name} must be at least 1")
        if self.refine < 0:
            raise JigsawError("refine must be at least 0")
        if not (math.isfinite(self.strength) and self.strength > 0):
            raise JigsawError(f"--strength {self.strength}: must be a positive number")
        if self.width % 4:
            raise JigsawError("the width must be a multiple of 4 (the transformer's heads)")
        return self

    def method(self) -> str:
        """The estimator, and where the network (or ``blackbox``'s strength) differs from the default, as tables name
        a run: ``blackbox``, ``blackbox (strength 20)``, ``assignment (edges, refine 1)``."""
        default = PieceSolverConfig()
        changed = ("edges", "refine", "width", "layers") + (("strength",) if self.estimator == "blackbox" else ())
        changed += ("loss",) if self.estimator != "assignment" else ()
        changes = [_change(name, value) for name in changed if (value := getattr(self, name)) != getattr(default, name)]
        return f"{self.estimator} ({', '.join(changes)})" if changes else self.estimator

    def network(self) -> PieceSolverNet:
        piece = SIDE // self.grid
        return PieceSolverNet(self.grid, piece, 1, self.width, self.layers, edges=self.edges, refine=self.refine)

    def learning_rate(self, step: int, steps: int) -> float:
        """The learning rate of training step ``step`` (from 0) of ``steps`` in the run (see :data:`SCHEDULES`)."""
        if self.schedule == "constant":
            return self.lr
        return self.lr * 0.5 * (1.0 + math.cos(math.pi * step / steps))

    def steps_left(self, epochs_done: int, world_size: int = 1) -> int:
        """Training steps still to run (for a progress bar)."""
        return steps_per_epoch(self.dataset, self.limit, self.batch_size, world_size) * (self.epochs - epochs_done)


def _change(name: str, value: object) -> str:
    """How :meth:`PieceSolverConfig.method` names one setting that differs from the default."""
    if isinstance(value, bool):
        return name
    if name == "loss":
        return f"{value} loss"
    return f"{name} {value:g}" if isinstance(value, float) else f"{name} {value}"


def shuffled_pieces(images: Tensor, grid: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """``(pieces in order (B, P, 1, s, s), the same pieces shuffled)``, each image with its own permutation."""
    pieces = cut_pieces(images, grid)
    perms = random_permutations(len(images), grid * grid, generator).to(images.device)
    return pieces, pieces[torch.arange(len(images), device=images.device).unsqueeze(1), perms]


def training_loss(net, config: PieceSolverConfig, pieces: Tensor, shuffled: Tensor, generator) -> Tensor:
    """The loss of one batch. For every estimator but ``assignment``, the reconstruction's: the mean squared error of
    the placed pieces against the originals, over ``config.samples`` placements per puzzle and network pass (each pass
    of a refining network is trained): Gumbel-Sinkhorn samples, or Gumbel-perturbed hard placements with the
    estimator's gradient. Pixels are centred on 0 first: a hard placement's error is the same, but the
    straight-through gradient of a cell's score for a piece is the piece's product with the cell's error, which would
    be 0 for every black piece of a digit. The ``assignment`` estimator places nothing: :func:`assignment_loss` of
    every pass."""
    every_pass = net(shuffled, every_pass=True)
    if config.estimator == "assignment":
        return torch.stack([assignment_loss(log_alpha, pieces, shuffled) for log_alpha in every_pass]).mean()
    pieces, shuffled = pieces - 0.5, shuffled - 0.5
    errors = piece_errors(pieces, shuffled) if config.loss == "pieces" else None
    losses = []
    for _, log_alpha in itertools.product(range(config.samples), every_pass):
        if config.estimator == "gumbel-sinkhorn":
            matrix = gumbel_sinkhorn_placement(log_alpha, config.temperature, config.iterations, generator)
        else:
            noise = sample_gumbel(log_alpha.shape, generator).to(log_alpha)
            if config.estimator == "blackbox":
                matrix = solver_difference_placement(log_alpha, noise, config.strength)
            else:
                through = None if config.estimator == "ste" else (config.temperature, config.iterations)
                matrix = straight_through_placement(log_alpha, noise, through)
        losses.append(F.mse_loss(place(matrix, shuffled), pieces) if errors is None else piece_loss(matrix, errors))
    return torch.stack(losses).mean()


def piece_loss(matrix: Tensor, errors: Tensor) -> Tensor:
    """The ``pieces`` form of the reconstruction's error: each placed piece's error at its cell, ``errors`` of
    :func:`piece_errors` weighted by the placement ``matrix`` ``(B, cell, piece)``, over the cells and puzzles."""
    return (matrix * errors).sum((1, 2)).mean() / matrix.shape[1]


def piece_errors(pieces: Tensor, shuffled: Tensor) -> Tensor:
    """``(B, cell, piece)``: the mean squared error of every shuffled piece against the original piece of every cell.
    Summed over a hard placement's pairs and divided by the cells, the image's mean squared error."""
    return torch.cdist(pieces.flatten(2), shuffled.flatten(2)).square() / pieces[0, 0].numel()


def assignment_loss(log_alpha: Tensor, pieces: Tensor, shuffled: Tensor) -> Tensor:
    """Cross-entropy of the scores ``(B, P, P)`` against the true assignment, both ways: each cell's scores over the
    pieces (a softmax along the row) and each piece's over the cells (along the column), the probability of the right
    answer being that of *any* piece pixel-identical to the right one — blank margins are interchangeable, as under
    the metric. ``pieces`` in order and ``shuffled``: ``(B, P, C, s, s)``."""
    fits = (pieces.flatten(2).unsqueeze(2) == shuffled.flatten(2).unsqueeze(1)).all(-1)  # (B, cell, piece)
    right = log_alpha.masked_fill(~fits, float("-inf"))
    by_cell = log_alpha.logsumexp(2) - right.logsumexp(2)
    by_piece = log_alpha.logsumexp(1) - right.logsumexp(1)
    return (by_cell.mean() + by_piece.mean()) / 2


OLDER_DEFAULTS = {"schedule": "constant", "loss": "image"}
"""What a checkpoint written before a config field existed trained with."""


class PieceSolverRun:
    """Network, optimizer and history of a piece-solver run."""

    def __init__(self, config: PieceSolverConfig, device: torch.device | str = "cpu"):
        self.config = config.validate()
        torch.manual_seed(config.seed)
        self.model = config.network().to(device)  # initialised on the CPU: the same weights on any device
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        self.history: list[dict] = []
        self.world_size = 1

    def save(self, path: Path) -> None:
        meta = {
            "optimizer": self.optimizer.state_dict(),
            "history": self.history,
            "command": command_line(),
            "world_size": self.world_size,
        }
        save_checkpoint(path, KIND, asdict(self.config), self.model.state_dict(), meta)

    @classmethod
    def load(cls, path: Path, device: torch.device | str = "cpu") -> PieceSolverRun:
        payload = load_checkpoint(path, KIND)
        meta = payload["meta"]
        require(path, meta, optimizer=dict, history=list)
        run = cls(config_from(path, payload["config"], PieceSolverConfig, OLDER_DEFAULTS).validate(path), device)
        run.world_size = meta.get("world_size", 1)
        load_state(run.model, payload["state_dict"], path)
        restore(path, "the optimizer state", lambda: run.optimizer.load_state_dict(meta["optimizer"]))
        run.history = check_history(path, meta["history"])
        return run


def train(run: PieceSolverRun, folder: RunFolder | Path, data_root=None, progress: Progress = SILENT) -> list[dict]:
    """Train until ``config.epochs``, committing every epoch (checkpoint, log). Under ``torchrun`` the network is
    DDP-wrapped and each process trains its shard of every epoch; only the main process writes."""
    config, folder = run.config, RunFolder.of(folder)
    processes = folder.processes
    device = next(run.model.parameters()).device
    net = wrap(run.model, device, processes)
    images = load_dataset(config.dataset, train=True, root=data_root)[0][: config.limit].to(device)
    test = load_dataset(config.dataset, train=False, root=data_root)[0][:1000].to(device)
    folder.open(run)
    for epoch in range(len(run.history), config.epochs):
        generator = torch.Generator().manual_seed(epoch_seed(config.seed, epoch))
        run.model.train()
        total, batches = (
            0.0,
            shard(torch.randperm(len(images), generator=generator), processes).split(config.batch_size),
        )
        for number, index in enumerate(batches):
            for group in run.optimizer.param_groups:
                group["lr"] = config.learning_rate(epoch * len(batches) + number, config.epochs * len(batches))
            pieces, shuffled = shuffled_pieces(images[index.to(device)], config.grid, generator)
            loss = training_loss(net, config, pieces, shuffled, generator)
            run.optimizer.zero_grad(set_to_none=True)
            loss.backward()
            run.optimizer.step()
            total += loss.item()
            progress.advance()
        epoch_loss = mean_over_processes(total, len(batches), device, processes)
        check_finite_loss(epoch_loss, epoch)
        accuracy = placement_accuracy(run.model, test, config.grid)
        record = {"epoch": epoch + 1, "train_loss": epoch_loss, "val_pieces_right": accuracy["pieces_right"]}
        run.history.append(record)
        folder.commit(run)
        progress.epoch(record)
    return run.history


@torch.no_grad()
def solve_pieces(
    model: PieceSolverNet, shuffled: Tensor, grid: int, batch: int = 1000, seam_weight: float = 0.0
) -> Tensor:
    """Placements ``(B, P)`` for shuffled puzzles ``(B, 1, 28, 28)``: cell ``i`` of each gets its piece ``perm[i]``.
    With a ``seam_weight`` each placement is then mended by the pieces' seams (:func:`jigsaw.pieces.mending.mend`)."""
    model.eval()
    device = next(model.parameters()).device
    placements = []
    for start in range(0, len(shuffled), batch):
        pieces = cut_pieces(shuffled[start : start + batch].to(device), grid)
        scores = model(pieces)
        placement = hard_placement(scores)
        if seam_weight != 0:  # 0: not mended; any other weight is mend's to accept or refuse
            placement = mend(scores, pieces, placement.to(device), seam_weight)
        placements.append(placement.cpu())
    return torch.cat(placements)


def choose_seam_weight(model: PieceSolverNet, images: Tensor, grid: int) -> tuple[float, dict[float, float]]:
    """The seam weight of :data:`jigsaw.pieces.mending.WEIGHTS` under which ``model`` places most pieces of
    ``images (B, 1, 28, 28)`` right (images it was trained on: the weight is one number, the test set stays
    unseen), or 0 (not mended) where none beats the network alone or the grid is past
    :data:`~jigsaw.pieces.mending.MENDED_UP_TO_GRID`; and the share of pieces right under each weight tried (0:
    not mended)."""
    if grid > MENDED_UP_TO_GRID:
        return 0.0, {}
    right = {weight: placement_accuracy(model, images, grid, seam_weight=weight)["pieces_right"] for weight in WEIGHTS}
    right[0.0] = placement_accuracy(model, images, grid)["pieces_right"]
    return max(right, key=lambda weight: (right[weight], weight == 0.0)), right


@torch.no_grad()
def placement_accuracy(
    model: PieceSolverNet, images: Tensor, grid: int, seed: int = 0, seam_weight: float = 0.0
) -> dict[str, float]:
    """Shuffle ``images (B, 1, 28, 28)`` (seed ``seed``), solve (mended with ``seam_weight``, see
    :func:`solve_pieces`), and measure: the share of cells holding a piece pixel-identical to their own (identical
    pieces are interchangeable), puzzles entirely right, and the mean PSNR."""
    generator = torch.Generator().manual_seed(seed)
    pieces, shuffled = shuffled_pieces(images.cpu(), grid, generator)
    placements = solve_pieces(model, assemble_pieces(shuffled, grid), grid, seam_weight=seam_weight)
    return score_placements(pieces, shuffled, placements)
