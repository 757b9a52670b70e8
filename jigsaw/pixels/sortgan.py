"""sortGAN (thesis §4.3): recover an image from its shuffled pixels and its label.

The generator sees the shuffled pixels and the one-hot label and outputs one score per position. Its output is used
only for its *order*: the real pixels are placed by :func:`~jigsaw.permute.rank_match` (STE sort-matching), so the
image the discriminator judges — and the solver returns — is always a re-arrangement of the real pixels, while the
gradient flows straight through to the generator.

Conditioning: the discriminator sees the image concatenated with the one-hot label (a standard conditional GAN).
Losses: the discriminator minimises BCE (real images -> 1, re-arranged ones -> 0); the generator minimises BCE
(re-arranged -> 1) plus ``mse_weight`` times the MSE between the re-arranged and the original image.

Beyond the thesis (options; the thesis setting is the default): ``input="sorted"`` feeds the pixel values in
ascending order (a random shuffle's order is pure noise, only the values carry information), and ``score_weight``
adds the MSE between the generator's raw output and the image: the straight-through gradient of a sort is weak, a
direct regression is not (measured in ``docs/research-log.md``); ``discriminator="conv"`` judges with
:class:`ConvDiscriminator` instead of the MLP, ``generator="conv"`` draws with :class:`ConvGenerator`; ``ema``
solves with a moving average of the generator's weights; ``spectral_norm`` normalises the discriminator's layers.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from jigsaw.checkpoint import check_history, config_from, load_checkpoint, load_state, require, restore, save_checkpoint
from jigsaw.datasets import load_dataset, steps_per_epoch
from jigsaw.devices import mean_over_processes, shard, wrap
from jigsaw.errors import JigsawError
from jigsaw.figures import write_labelled_grid
from jigsaw.files import read_image
from jigsaw.models import mlp
from jigsaw.permute import apply_permutation, random_permutations, rank_match, shuffle_pixels, stable_argsort
from jigsaw.pixels.class_guess import bundled_guesser
from jigsaw.pixels.metrics import mse, psnr
from jigsaw.progress import SILENT, Progress
from jigsaw.runs import RunFolder, check_run_settings, command_line, epoch_seed
from jigsaw.training import check_finite_loss

KIND = "sortgan"
TITLES = ("original", "shuffled", "sortGAN")
PREVIEW = "grid.png"
"""The picture a training run writes into its folder at the end: ten test images, shuffled and recovered."""
PIXELS, CLASSES = 28 * 28, 10
INPUTS = ("shuffled", "sorted")
DISCRIMINATORS = ("mlp", "conv")
GENERATORS = ("mlp", "conv")
FUSED_ADAM = True  # one kernel per parameter on CPU: about 2x faster optimizer steps than the default here


@dataclass
class SortGANConfig:
    dataset: str = "mnist"
    input: str = "shuffled"  # "sorted": feed the pixel values in ascending order (a shuffle's order is noise)
    mse_weight: float = 1.0
    score_weight: float = 0.0  # beyond the thesis: also regress the generator's raw output onto the image
    adversarial_weight: float = 1.0  # weight of the generator's BCE term (the thesis weighs it 1)
    discriminator: str = "mlp"  # "conv": convolutional, the label by projection (beyond the thesis)
    generator: str = "mlp"  # "conv": scores drawn by transposed convolutions from a 7x7 map (beyond the thesis)
    spectral_norm: bool = False  # beyond the thesis: every layer of the discriminator spectrally normalised
    lr: float = 2e-3
    betas: tuple[float, float] = (0.5, 0.999)
    label_smoothing: float = 0.0  # real targets become 1 - label_smoothing for the discriminator
    grad_clip: float = 0.0  # beyond the thesis: clip the generator's gradient norm to this (0: no clipping)
    ema: float = 0.0  # beyond the thesis: solve with an exponential moving average of the generator (0: off)
    batch_size: int = 64
    epochs: int = 100
    seed: int = 0
    limit: int | None = None  # first N training images only
    validation: int = 1000  # first N test images, shuffled with seed 0, for the per-epoch MSE / PSNR

    def steps_left(self, epochs_done: int, world_size: int = 1) -> int:
        """Training steps still to run (for a progress bar)."""
        return steps_per_epoch(self.dataset, self.limit, self.batch_size, world_size) * (self.epochs - epochs_done)

    def validate(self, path: object = None) -> SortGANConfig:
        """``self``, or one sentence on the first setting no run can use (``path``: the checkpoint it came from)."""
        check_run_settings(
            path, lr=self.lr, seed=self.seed, epochs=self.epochs, limit=self.limit, batch_size=self.batch_size
        )
        if not 1 <= self.validation <= 10_000:
            raise JigsawError("the validation images must be from 1 to 10,000 (the test split)")
        if not all(math.isfinite(w) for w in (self.mse_weight, self.score_weight, self.adversarial_weight)):
            raise JigsawError("the loss weights must be finite numbers")
        if self.input not in INPUTS:
            raise JigsawError(f"unknown input {self.input!r}; choose one of {', '.join(INPUTS)}")
        if self.discriminator not in DISCRIMINATORS:
            raise JigsawError(
                f"unknown discriminator {self.discriminator!r}; choose one of {', '.join(DISCRIMINATORS)}"
            )
        if self.generator not in GENERATORS:
            raise JigsawError(f"unknown generator {self.generator!r}; choose one of {', '.join(GENERATORS)}")
        if not 0.0 <= self.label_smoothing < 0.5:
            raise JigsawError("label smoothing must be in [0, 0.5)")
        if self.grad_clip < 0:
            raise JigsawError("the gradient clip must be 0 (off) or positive")
        if not 0.0 <= self.ema < 1.0:
            raise JigsawError("the EMA decay must be in [0, 1) (0: off)")
        self.betas = (float(self.betas[0]), float(self.betas[1]))  # a list after a round trip through a file
        return self


class ConvDiscriminator(nn.Module):
    """Realism logit ``(B,)`` of flat images ``(B, 784)`` of classes ``(B,)``: two strided 4x4 convolutions (1 -> 32
    -> 64 channels, 28 -> 14 -> 7 pixels) and the label by projection (Miyato & Koyama, 2018): the logit is
    ``w . h + e_y . h`` for the image's features ``h`` and a learned embedding ``e_y`` of its class. It sees strokes,
    which the MLP on the flattened image does not."""

    def __init__(self) -> None:
        super().__init__()
        width = 64 * 7 * 7
        self.features = nn.Sequential(
            nn.Conv2d(1, 32, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(32, 64, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Flatten(),
        )
        self.out = nn.Linear(width, 1)
        self.embed = nn.Embedding(CLASSES, width)

    def forward(self, flat: Tensor, labels: Tensor) -> Tensor:
        h = self.features(flat.view(-1, 1, 28, 28))
        return self.out(h).squeeze(1) + (self.embed(labels) * h).sum(1)


class ConvGenerator(nn.Module):
    """Scores ``(B, 784)`` from pixel values and one-hot label ``(B, 794)``: two linear layers to a 64-channel 7x7
    map, then two transposed 4x4 convolutions (7 -> 14 -> 28 pixels) and a 3x3 one to one channel. Neighbouring
    positions share filters: a spatial prior the MLP does not have (what it does to realism:
    the sortGAN families of ``docs/sortgan.md``)."""

    def __init__(self, hidden: int = 512) -> None:
        super().__init__()
        self.project = mlp([PIXELS + CLASSES, hidden, 64 * 7 * 7])
        self.draw = nn.Sequential(
            nn.LeakyReLU(0.2),
            nn.Unflatten(1, (64, 7, 7)),
            nn.ConvTranspose2d(64, 32, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.ConvTranspose2d(32, 16, 4, stride=2, padding=1),
            nn.LeakyReLU(0.2),
            nn.Conv2d(16, 1, 3, padding=1),
            nn.Flatten(),
        )

    def forward(self, values_and_label: Tensor) -> Tensor:
        return self.draw(self.project(values_and_label))


class SortGAN(nn.Module):
    """Generator (784 + 10 -> 128 -> 256 -> 512 -> 1024 -> 784, or :class:`ConvGenerator`) and discriminator
    (784 + 10 -> 512 x3 -> 1, or :class:`ConvDiscriminator`)."""

    def __init__(
        self, input: str = "shuffled", discriminator: str = "mlp", generator: str = "mlp", spectral_norm: bool = False
    ):
        super().__init__()
        self.input = input
        self.generator = (
            ConvGenerator() if generator == "conv" else mlp([PIXELS + CLASSES, 128, 256, 512, 1024, PIXELS])
        )
        self.conv_discriminator = discriminator == "conv"
        self.discriminator = (
            ConvDiscriminator() if self.conv_discriminator else mlp([PIXELS + CLASSES, 512, 512, 512, 1])
        )
        if spectral_norm:  # each layer's largest singular value held at 1 (Miyato et al., 2018): a smoother critic
            for layer in self.discriminator.modules():
                if isinstance(layer, (nn.Linear, nn.Conv2d, nn.Embedding)):
                    nn.utils.parametrizations.spectral_norm(layer)
        # classes of flat images (B, 784) when none are given; set by load_solver (not a submodule: not saved)
        self.guess_classes: Callable[[Tensor], Tensor] | None = None

    @classmethod
    def from_config(cls, config: SortGANConfig) -> SortGAN:
        """The untrained networks ``config`` describes (seed first for reproducible weights)."""
        return cls(config.input, config.discriminator, config.generator, config.spectral_norm)

    @staticmethod
    def _with_label(flat: Tensor, labels: Tensor) -> Tensor:
        return torch.cat([flat, F.one_hot(labels, CLASSES).to(flat.dtype)], dim=1)

    def scores(
        self, shuffled_flat: Tensor, labels: Tensor, generator: nn.Module | None = None
    ) -> tuple[Tensor, Tensor, bool]:
        """``(generator output (B, 784), the pixel values to place, whether those are sorted)``.

        Only the order of the generator's output is used. With ``input="sorted"`` the sorted pixels are both the
        generator's input and the values to place, so they are sorted once.
        """
        net = generator or self.generator  # the generator itself, or its DDP wrapper in training
        if self.input == "sorted":
            values = shuffled_flat.gather(1, stable_argsort(shuffled_flat))
            return net(self._with_label(values, labels)), values, True
        return net(self._with_label(shuffled_flat, labels)), shuffled_flat, False

    def arrange(self, shuffled_flat: Tensor, labels: Tensor, generator: nn.Module | None = None) -> Tensor:
        """The real pixels placed in the generator's order, ``(B, 784)``; differentiable for the generator (STE)."""
        scores, values, values_sorted = self.scores(shuffled_flat, labels, generator)
        return rank_match(scores, values, values_sorted=values_sorted)

    def realism(self, flat: Tensor, labels: Tensor, discriminator: nn.Module | None = None) -> Tensor:
        """Discriminator logit ``(B,)``: high means 'looks like a real image of this class'."""
        net = discriminator or self.discriminator
        return net(flat, labels) if self.conv_discriminator else net(self._with_label(flat, labels)).squeeze(1)

    @torch.no_grad()
    def solve(
        self,
        shuffled: Tensor,
        labels: Tensor | None = None,
        batch_size: int = 2000,
        generator: nn.Module | None = None,
    ) -> tuple[Tensor, Tensor]:
        """Recover ``(B, 1, 28, 28)`` shuffled images; returns ``(recovered, labels)``.

        Without labels each image's class is guessed first (:meth:`guess_labels`). ``generator``: another generator
        to solve with (a run's moving average). The work runs on the model's device; the results come back on the
        input's.
        """
        self.eval()
        device = next(self.parameters()).device
        flat = shuffled.flatten(1).to(device)
        labels = self.guess_labels(flat, batch_size) if labels is None else labels.to(device)
        pieces = zip(flat.split(batch_size), labels.split(batch_size))
        out = torch.cat([self.arrange(f, y, generator) for f, y in pieces])
        return out.view_as(shuffled).to(shuffled.device), labels.to(shuffled.device)

    def guess_labels(self, flat: Tensor, batch_size: int) -> Tensor:
        """The class of each flat image ``(B, 784)``: by :attr:`guess_classes` (the dataset's bundled
        :mod:`jigsaw.pixels.class_guess` network, attached by :func:`load_solver`), or without one as the thesis
        does: every class tried, the one whose recovery the discriminator rates most real kept (a guess below
        chance: right for 3.7 % of MNIST test images)."""
        if self.guess_classes is not None:
            return torch.cat([self.guess_classes(f) for f in flat.split(batch_size)])
        guesses = []
        for f in flat.split(batch_size):
            logits = []
            for c in range(CLASSES):
                label = torch.full((len(f),), c, device=f.device)
                logits.append(self.realism(self.arrange(f, label), label))
            guesses.append(torch.stack(logits, dim=1).argmax(1))
        return torch.cat(guesses)


def train_step(
    model: SortGAN,
    opt_g,
    opt_d,
    images: Tensor,
    labels: Tensor,
    perms: Tensor,
    config: SortGANConfig,
    nets: tuple[nn.Module, nn.Module] | None = None,
) -> dict[str, float]:
    """One discriminator and one generator update on a batch ``images (B, 784)``; ``perms`` shuffles them.
    ``nets`` are the generator and discriminator to call (their DDP wrappers under ``torchrun``)."""
    model.train()
    generator, discriminator = nets or (model.generator, model.discriminator)
    shuffled = apply_permutation(images, perms)
    scores, values, values_sorted = model.scores(shuffled, labels, generator)
    arranged = rank_match(scores, values, values_sorted=values_sorted)
    ones, zeros = torch.ones(len(labels), device=images.device), torch.zeros(len(labels), device=images.device)

    opt_d.zero_grad(set_to_none=True)
    # real and re-arranged images go through the discriminator as one batch (one matmul per layer, not two)
    logits = model.realism(torch.cat([images, arranged.detach()]), torch.cat([labels, labels]), discriminator)
    targets = torch.cat([ones - config.label_smoothing, zeros])
    d_loss = 2 * F.binary_cross_entropy_with_logits(logits, targets)
    d_loss.backward()
    opt_d.step()

    opt_g.zero_grad(set_to_none=True)
    adversarial = F.binary_cross_entropy_with_logits(model.realism(arranged, labels, discriminator), ones)
    reconstruction = F.mse_loss(arranged, images)
    g_loss = config.adversarial_weight * adversarial + config.mse_weight * reconstruction
    if config.score_weight:
        g_loss = g_loss + config.score_weight * F.mse_loss(scores, images)
    g_loss.backward()
    if config.grad_clip:  # one exploding batch would otherwise enter Adam's moments and wreck the generator
        torch.nn.utils.clip_grad_norm_(model.generator.parameters(), config.grad_clip)
    opt_g.step()
    return {"d_loss": d_loss.item(), "g_loss": g_loss.item(), "g_mse": reconstruction.item()}


class SortGANRun:
    """Model, optimizers and history of a sortGAN run; checkpointed atomically after every epoch."""

    def __init__(self, config: SortGANConfig, device: torch.device | str = "cpu"):
        self.config = config.validate()
        torch.manual_seed(config.seed)
        # initialised on the CPU: the same weights on any device
        self.model = SortGAN.from_config(config).to(device)
        self.world_size = 1  # processes that train it (set by RunFolder.start)
        adam = lambda module: torch.optim.Adam(module.parameters(), lr=config.lr, betas=config.betas, fused=FUSED_ADAM)
        self.opt_g, self.opt_d = adam(self.model.generator), adam(self.model.discriminator)
        self.history: list[dict] = []
        # the moving average of the generator's weights, what solves when ``config.ema`` is set
        self.ema = copy.deepcopy(self.model.generator).requires_grad_(False) if config.ema else None

    @torch.no_grad()
    def update_ema(self) -> None:
        """``ema = decay * ema + (1 - decay) * weights``, after each generator step."""
        if self.ema is not None:
            for average, weight in zip(self.ema.parameters(), self.model.generator.parameters()):
                average.lerp_(weight, 1.0 - self.config.ema)

    @property
    def solving_generator(self) -> nn.Module:
        """The generator that solves: the moving average when there is one."""
        return self.ema if self.ema is not None else self.model.generator

    def save(self, path: Path) -> None:
        """The checkpoint's model is what solves (with ``ema``, the average in the generator's place); the
        generator being trained travels in ``meta``, like the optimizers, so that a run resumes exactly."""
        meta = {
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "history": self.history,
            "command": command_line(),
            "world_size": self.world_size,
        }
        state = self.model.state_dict()
        if self.ema is not None:
            meta["training_generator"] = self.model.generator.state_dict()
            state.update({f"generator.{name}": value for name, value in self.ema.state_dict().items()})
        save_checkpoint(path, KIND, asdict(self.config), state, meta)

    @classmethod
    def load(cls, path: Path, device: torch.device | str = "cpu") -> SortGANRun:
        payload = load_checkpoint(path, KIND)
        meta = payload["meta"]
        if "opt_g" not in meta:
            raise JigsawError(f"{path}: a solver-only checkpoint cannot be resumed")
        require(path, meta, opt_g=dict, opt_d=dict, history=list)
        training = cls(config_from(path, payload["config"], SortGANConfig).validate(path), device)
        training.world_size = meta.get("world_size", 1)
        load_state(training.model, dequantize(payload["state_dict"], path), path)
        if training.ema is not None:
            require(path, meta, training_generator=dict)
            training.ema.load_state_dict(training.model.generator.state_dict())
            load_state(training.model.generator, meta["training_generator"], path, "the trained generator's weights")
        restore(path, "the generator's optimizer state", lambda: training.opt_g.load_state_dict(meta["opt_g"]))
        restore(path, "the discriminator's optimizer state", lambda: training.opt_d.load_state_dict(meta["opt_d"]))
        training.history = check_history(path, meta["history"])
        return training


@torch.no_grad()
def validate(
    model: SortGAN, originals: Tensor, shuffled: Tensor, labels: Tensor, generator: nn.Module | None = None
) -> dict[str, float]:
    recovered, _ = model.solve(shuffled, labels, generator=generator)
    return {"val_mse": float(mse(recovered, originals).mean()), "val_psnr": float(psnr(recovered, originals).mean())}


def train(training: SortGANRun, folder: RunFolder | Path, data_root=None, progress: Progress = SILENT) -> list[dict]:
    """Train until ``config.epochs``; per epoch: ``checkpoint.pt`` (to resume) and its line in ``log.jsonl``, and
    ``best.pt`` whenever the validation PSNR is the best so far (to ship).

    Under ``torchrun`` (``folder.processes``) generator and discriminator are DDP-wrapped, each process trains its
    shard of every epoch with ``batch_size`` images per step, and only the main process writes."""
    config = training.config
    folder = RunFolder.of(folder)
    processes = folder.processes
    device = next(training.model.parameters()).device
    nets = (wrap(training.model.generator, device, processes), wrap(training.model.discriminator, device, processes))
    images, labels = load_dataset(config.dataset, train=True, root=data_root)
    if config.limit is not None:
        images, labels = images[: config.limit], labels[: config.limit]
    flat, labels = images.flatten(1).to(device), labels.to(device)
    val_images, val_labels = load_dataset(config.dataset, train=False, root=data_root)
    val_images, val_labels = val_images[: config.validation], val_labels[: config.validation]
    val_shuffled, _ = shuffle_pixels(val_images, seed=0)
    val_images, val_shuffled, val_labels = val_images.to(device), val_shuffled.to(device), val_labels.to(device)
    folder.open(training)
    for epoch in range(len(training.history), config.epochs):
        generator = torch.Generator().manual_seed(epoch_seed(config.seed, epoch))
        totals: dict[str, float] = {}
        batches = shard(torch.randperm(len(labels), generator=generator), processes).split(config.batch_size)
        for index in batches:
            perms = random_permutations(len(index), PIXELS, generator).to(device)
            index = index.to(device)
            step = train_step(
                training.model, training.opt_g, training.opt_d, flat[index], labels[index], perms, config, nets
            )
            training.update_ema()
            for key, value in step.items():
                totals[key] = totals.get(key, 0.0) + value / len(batches)
            progress.advance()
        totals = {key: mean_over_processes(value, 1, device, processes) for key, value in totals.items()}
        for key, what in (("d_loss", "discriminator loss"), ("g_loss", "generator loss")):
            check_finite_loss(totals[key], epoch, what)
        validation = validate(training.model, val_images, val_shuffled, val_labels, training.solving_generator)
        record = {"epoch": epoch + 1, **totals, **validation}
        if processes.distributed:
            record["world_size"] = processes.world_size
        best_so_far = all(record["val_psnr"] > r["val_psnr"] for r in training.history)
        training.history.append(record)
        folder.commit(training, best=best_so_far)  # GAN training can collapse late: best.pt keeps the best epoch
        progress.epoch(record)
    return training.history


def write_preview(model: SortGAN, dataset: str, path: Path, data_root=None, generator: nn.Module | None = None) -> Path:
    """The first ten test images, shuffled (seed 0) and recovered, as a grid: original | shuffled | recovered."""
    images, labels = load_dataset(dataset, train=False, root=data_root)
    originals, labels = images[:10], labels[:10]
    shuffled, _ = shuffle_pixels(originals, seed=0)
    recovered, _ = model.solve(shuffled, labels, generator=generator)
    return write_labelled_grid([originals, shuffled, recovered], TITLES, path, force=True)


def bundled_solver_path(dataset: str) -> Path:
    return Path(str(resources.files("jigsaw") / "assets" / f"sortgan-{dataset}.pt"))


def bundled_samples(dataset: str) -> Tensor:
    """Ten test images shipped with the package, one per class in class order: ``(10, 1, 28, 28)``."""
    strip = read_image(Path(str(resources.files("jigsaw") / "assets" / f"samples-{dataset}.png")))  # (1, 28, 280)
    return strip.view(1, 28, CLASSES, 28).permute(2, 0, 1, 3).contiguous()


def load_solver(path, device: torch.device | str = "cpu") -> tuple[SortGAN, dict]:
    """A trained sortGAN (generator and discriminator) in eval mode on ``device``, and its checkpoint's config (every
    field, the defaults filling those an older file lacks). It guesses classes with its dataset's bundled
    :mod:`jigsaw.pixels.class_guess` network."""
    payload = load_checkpoint(path, KIND)
    config = config_from(path, payload["config"], SortGANConfig).validate(path)
    model = load_state(SortGAN.from_config(config), dequantize(payload["state_dict"], path), path)
    guesser = bundled_guesser(config.dataset)
    if guesser is not None:
        guesser.to(device)
        model.guess_classes = lambda flat: guesser(flat).argmax(1)
    return model.eval().requires_grad_(False).to(device), asdict(config)


QUANTIZED, SCALE = ".int8", ".scale"


def quantize(state: dict[str, Tensor]) -> dict[str, Tensor]:
    """Matrices to int8 with one float16 scale per row (symmetric), everything else to float16.

    The solver only uses the *order* of the generator's output, which this barely moves, and it makes the two
    shipped models 4x smaller than float32 (see ``tests/test_sortgan.py`` for the measured agreement)."""
    out = {}
    for name, tensor in state.items():
        if tensor.dim() == 2:
            scale = tensor.abs().amax(1, keepdim=True).clamp(min=1e-12) / 127.0
            out[name + QUANTIZED] = (tensor / scale).round().to(torch.int8)
            out[name + SCALE] = scale.half()
        else:
            out[name] = tensor.half()
    return out


def dequantize(state: dict[str, Tensor], source: object = "checkpoint") -> dict[str, Tensor]:
    """Inverse of :func:`quantize` (a float state dict passes through as float32); ``source`` names the file in
    the sentence that refuses a damaged one."""
    out = {}
    for name, tensor in state.items():
        if name.endswith(QUANTIZED):
            base = name[: -len(QUANTIZED)]
            scale = state.get(base + SCALE)
            if tensor.dtype != torch.int8 or scale is None or not scale.is_floating_point():
                raise JigsawError(f"{source}: quantized weights {base!r} need int8 values and a float {SCALE} entry")
            out[base] = tensor.float() * scale.float()
        elif not name.endswith(SCALE):
            if not tensor.is_floating_point():
                raise JigsawError(f"{source}: weights {name!r} are {tensor.dtype}, not floating point")
            out[name] = tensor.float()
    return out


def export_solver(checkpoint: Path, out: Path) -> Path:
    """A small copy of a trained checkpoint for shipping: quantized weights and config, no optimizer state."""
    payload = load_checkpoint(checkpoint, KIND)
    meta = {
        "history": payload["meta"].get("history", []),
        "command": payload["meta"].get("command", ""),
        "exported_from": str(checkpoint),
    }
    return save_checkpoint(out, KIND, payload["config"], quantize(payload["state_dict"]), meta)


def write_demo(dataset: str, seed: int, out: Path, force: bool = False, device: torch.device | str = "cpu") -> Path:
    """The ten bundled test images shuffled with ``seed`` and recovered by the bundled sortGAN, as a labelled grid:
    original | shuffled | recovered."""
    originals = bundled_samples(dataset)
    shuffled, _ = shuffle_pixels(originals, seed)
    solver, _ = load_solver(bundled_solver_path(dataset), device)
    recovered, _ = solver.solve(shuffled, torch.arange(len(originals)))
    return write_labelled_grid([originals, shuffled, recovered], TITLES, out, force=force)
