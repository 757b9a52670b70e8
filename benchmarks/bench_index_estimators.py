"""The thesis' claim, measured: is the straight-through estimator the right one for the index optimizer?

    python benchmarks/bench_index_estimators.py                      # every estimator, 5 epochs each, seed 0
    python benchmarks/bench_index_estimators.py --estimator ste --epochs 1

LeNet5 on MNIST is trained only by permuting its initial weights, at ``kernel`` granularity, once per estimator,
with the same Kaiming-normal initial weights, Adam at 1e-3, batches of 128 and unshifted, standardised images. The
estimator under test permutes the 102 kernels of the two convolutions (n = 25, where every estimator fits); the
linear layers' rows (up to 400 weights) and the biases are permuted by the straight-through index optimizer in every
row, so that the rows differ only in the kernels' estimator:

- ``ste``: the index optimizer itself (:class:`jigsaw.IndexOptimizer`) everywhere: the hard permutation forward,
  the identity backward;
- ``neuralsort``, ``softsort``, ``gumbel-sinkhorn``, ``softrank``, ``diffsort``: each kernel is the relaxed
  permutation of its sorted initial values by latent scores (started at the initial weights) during training, and
  the hard permutation (the ranks of the scores) at test time. Temperatures are in units of the kernel's mean gap
  between neighbouring values (1.0 here), so "soft" means the same in every kernel.

Test accuracy is measured with the hard permutation, the weights the network really has.
Writes ``benchmarks/results/index_estimators.json`` and, with ``--docs``, ``docs/results/index_estimators.json``.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.nn.utils import parametrize

from common import RESULTS, machine
from jigsaw.permute import rank_match, to_groups
from jigsaw.relaxed import gumbel_sinkhorn, neural_sort, soft_sort
from jigsaw.sorting import PACKAGES
from jigsaw.training import Split, accuracy, epoch_generator
from jigsaw.weights.optim import IndexOptimizer, initialize
from jigsaw.weights.run import IndexOptConfig, load_splits

DOCS = Path(__file__).resolve().parents[1] / "docs" / "results" / "index_estimators.json"
ESTIMATORS = ("ste", "neuralsort", "softsort", "gumbel-sinkhorn", "softrank", "diffsort")
GRANULARITY = "kernel"


class RelaxedPermutation(nn.Module):
    """A weight as the permutation of its initial values (sorted, per group) by latent scores of its shape: relaxed
    by ``estimator`` in training mode, hard (:func:`jigsaw.rank_match`) in eval mode."""

    def __init__(self, initial: Tensor, estimator: str, temperature: float = 1.0):
        super().__init__()
        values = to_groups(initial.detach(), GRANULARITY).sort(-1).values  # (G, n)
        n = values.shape[-1]
        self.register_buffer("values", values)
        self.register_buffer("gap", ((values[:, -1:] - values[:, :1]) / max(n - 1, 1)).clamp_min(1e-12))
        self.estimator, self.temperature = estimator, temperature
        self.generator = torch.Generator().manual_seed(0)

    def forward(self, latent: Tensor) -> Tensor:
        scores = to_groups(latent, GRANULARITY)
        if not self.training:
            return rank_match(scores, self.values, values_sorted=True).reshape(latent.shape)
        unit = scores / self.gap  # neighbours about 1 apart
        if self.estimator == "softrank":
            import torchsort

            ranks = torchsort.soft_rank(unit, regularization_strength=self.temperature) - 1  # (G, n) in [0, n-1]
            low = ranks.floor().clamp(0, self.values.shape[-1] - 1)
            high = (low + 1).clamp(max=self.values.shape[-1] - 1)
            weight = ranks - low
            out = (1 - weight) * self.values.gather(-1, low.long()) + weight * self.values.gather(-1, high.long())
            return out.reshape(latent.shape)
        if self.estimator == "diffsort":
            from diffsort import DiffSortNet

            network = DiffSortNet("odd_even", unit.shape[-1], steepness=10.0)
            matrix = network(unit)[1].transpose(-1, -2)  # (G, position, item)
        elif self.estimator == "gumbel-sinkhorn":
            log_alpha = -((unit.unsqueeze(-2) - (self.values / self.gap).unsqueeze(-1)) ** 2)  # row i: value i
            matrix = gumbel_sinkhorn(log_alpha, self.temperature, 10, generator=self.generator)
        else:
            matrix = (neural_sort if self.estimator == "neuralsort" else soft_sort)(unit, self.temperature)
        return (matrix.transpose(-1, -2) @ self.values.unsqueeze(-1)).squeeze(-1).reshape(latent.shape)


class Optimizers:
    """The index optimizer for the straight-through groups and Adam for the relaxed kernels' latent scores, stepped
    together."""

    def __init__(self, index: IndexOptimizer, relaxed: torch.optim.Optimizer | None):
        self.parts = [index] + ([relaxed] if relaxed is not None else [])

    def zero_grad(self, set_to_none: bool = True) -> None:
        for part in self.parts:
            part.zero_grad(set_to_none=set_to_none)

    def step(self) -> None:
        for part in self.parts:
            part.step()


def build(estimator: str, seed: int) -> tuple[nn.Module, Optimizers]:
    config = IndexOptConfig(granularity=GRANULARITY, seed=seed, shift=0)
    torch.manual_seed(seed)
    model = initialize(config.network(), config.init, seed)
    if estimator == "ste":
        return model, Optimizers(
            IndexOptimizer(model.parameters(), base="adam", lr=1e-3, granularity=GRANULARITY), None
        )
    kernels = [module for module in model.modules() if isinstance(module, nn.Conv2d)]
    for module in kernels:
        parametrize.register_parametrization(module, "weight", RelaxedPermutation(module.weight, estimator))
    latent = [module.parametrizations.weight.original for module in kernels]
    others = [p for p in model.parameters() if all(p is not q for q in latent)]
    index = IndexOptimizer(others, base="adam", lr=1e-3, granularity=GRANULARITY)
    return model, Optimizers(index, torch.optim.Adam(latent, lr=1e-3))


def train(estimator: str, epochs: int, seed: int, limit: int | None, data_dir) -> dict:
    if estimator in PACKAGES:
        import importlib.util

        if importlib.util.find_spec(PACKAGES[estimator]) is None:
            raise SystemExit(f"{estimator} needs {PACKAGES[estimator]}: pip install -e '.[compare]'")
    config = IndexOptConfig(granularity=GRANULARITY, seed=seed, shift=0, limit=limit)
    train_split, test_split = load_splits(config, data_dir)
    assert isinstance(train_split, Split)
    model, optimizer = build(estimator, seed)
    history, started = [], time.perf_counter()
    for epoch in range(epochs):
        model.train()
        for images, labels in train_split.train_batches(128, epoch_generator(seed, epoch)):
            loss = F.cross_entropy(model(images), labels)
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
        model.eval()
        history.append({"epoch": epoch + 1, "test_accuracy": accuracy(model, test_split)})
        print(json.dumps({"estimator": estimator, **history[-1]}), flush=True)
    return {
        "estimator": estimator,
        "granularity": GRANULARITY,
        "epochs": epochs,
        "seed": seed,
        "test_accuracy": history[-1]["test_accuracy"],
        "history": history,
        "seconds": round(time.perf_counter() - started, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--estimator", nargs="*", default=list(ESTIMATORS))
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--docs", action="store_true", help="also write docs/results/index_estimators.json")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    out = RESULTS / "index_estimators.json"
    done = {r["estimator"]: r for r in json.loads(out.read_text())["rows"]} if out.exists() else {}
    for estimator in args.estimator:
        key_matches = estimator in done and done[estimator]["epochs"] == args.epochs
        if not key_matches:
            done[estimator] = train(estimator, args.epochs, args.seed, args.limit, args.data_dir)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(json.dumps({"machine": machine(), "rows": list(done.values())}, indent=2))
    rows = [done[e] for e in ESTIMATORS if e in done]
    for row in rows:
        print(f"{row['estimator']:>16}  test accuracy {row['test_accuracy']:.4f}  ({row['seconds']:.0f} s)")
    if args.docs:
        keys = ("estimator", "granularity", "epochs", "seed", "test_accuracy", "seconds")
        DOCS.parent.mkdir(parents=True, exist_ok=True)
        DOCS.write_text(json.dumps([{k: r[k] for k in keys} for r in rows], indent=2) + "\n")
        print(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
