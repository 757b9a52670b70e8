"""NeuralSort's large-MNIST sorting task, one row per permutation estimator and sequence length.

    python benchmarks/bench_sorting.py                          # every estimator installed, n = 3 5 7 9 15, seed 0
    python benchmarks/bench_sorting.py --estimator ste --n 5    # one row
    python benchmarks/bench_sorting.py --table                  # the table of the rows done so far, and its JSON

The task as Grover et al. (ICLR 2019) define it: each item is the image of a four-digit number, four MNIST digits
side by side (28x112); a sequence holds ``n`` items; the network sees only the images and is supervised only by
their true order. Training sequences are drawn from MNIST's training split, test sequences from its test split
only. Metrics: exact match (the whole order right) and element-wise (each item's rank right), over
``--test-sequences`` sequences.

Protocol (the same for every estimator; the published one is Adam at 1e-4, batch 20, for far longer): one CNN
(:class:`NumberScorer`), Adam at ``--lr`` 1e-3, ``--batch`` 20 sequences per step, and a budget of
``--images`` item images seen in training (so short sequences take more steps than long ones). Each row is written
to ``benchmarks/results/sorting/<estimator>-n<n>-seed<seed>-images<budget>.json`` as it finishes, so a stopped
table resumes by running the same command; ``--table`` gathers the rows of one budget (``--images``) into
``docs/results/sorting.json``. One thread per process
(``--threads``): two processes fit this 2-core machine; results depend on the thread count.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import torch
from torch import Tensor, nn

from common import RESULTS, machine
from jigsaw.datasets import load_dataset
from jigsaw.sorting import OrderingSettings, available_losses, ordering_loss, predicted_ranks, true_ranks

ROWS = RESULTS / "sorting"
DOCS = Path(__file__).resolve().parents[1] / "docs" / "results" / "sorting.json"
LENGTHS = (3, 5, 7, 9, 15)
PUBLISHED = {  # NeuralSort's Table 1, deterministic NeuralSort: exact match (element-wise), as reported
    3: (0.930, 0.951),
    5: (0.837, 0.927),
    7: (0.738, 0.909),
    9: (0.649, 0.896),
    15: (0.386, 0.857),
}


class NumberScorer(nn.Module):
    """One score per four-digit-number image ``(B, 1, 28, 112) -> (B,)``: two 5x5 convolutions (16 and 32
    channels, each with ReLU and 2x2 max-pooling) and two linear layers (64 hidden)."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, 16, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
            nn.Conv2d(16, 32, 5, padding=2),
            nn.ReLU(),
            nn.MaxPool2d(2),
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(32 * 7 * 28, 64), nn.ReLU(), nn.Linear(64, 1))

    def forward(self, images: Tensor) -> Tensor:
        return self.head(self.features(images)).squeeze(-1)


def sequences(digits: Tensor, labels: Tensor, batch: int, n: int, generator: torch.Generator) -> tuple[Tensor, Tensor]:
    """``batch`` sequences of ``n`` four-digit numbers drawn from ``digits (N, 1, 28, 28)``: images
    ``(batch * n, 1, 28, 112)`` and the numbers ``(batch, n)``."""
    index = torch.randint(len(digits), (batch, n, 4), generator=generator)
    images = digits[index].squeeze(3)  # (batch, n, 4, 28, 28)
    images = images.permute(0, 1, 3, 2, 4).reshape(batch * n, 1, 28, 112)  # the four side by side
    place = torch.tensor([1000, 100, 10, 1])
    return images, (labels[index] * place).sum(-1)


def score(model: NumberScorer, images: Tensor, n: int) -> Tensor:
    return model(images).view(-1, n)


def train_and_test(estimator: str, n: int, seed: int, args: argparse.Namespace) -> dict:
    loss_of = ordering_loss(estimator)
    settings = OrderingSettings()
    train_digits, train_labels = load_dataset("mnist", train=True, root=args.data_dir)
    test_digits, test_labels = load_dataset("mnist", train=False, root=args.data_dir)
    torch.manual_seed(seed)
    model = NumberScorer()
    optimizer = torch.optim.Adam(model.parameters(), lr=args.lr)
    generator = torch.Generator().manual_seed(seed)
    steps = max(1, args.images // (args.batch * n))
    started = time.perf_counter()
    model.train()
    for _ in range(steps):
        images, numbers = sequences(train_digits, train_labels, args.batch, n, generator)
        loss = loss_of(score(model, images, n), true_ranks(numbers), settings, generator)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    seconds = time.perf_counter() - started
    model.eval()
    test_generator = torch.Generator().manual_seed(10_000 + n)  # the same test sequences for every estimator
    right, exact = 0, 0
    with torch.no_grad():
        for start in range(0, args.test_sequences, 100):
            count = min(100, args.test_sequences - start)
            images, numbers = sequences(test_digits, test_labels, count, n, test_generator)
            correct = predicted_ranks(score(model, images, n)) == true_ranks(numbers)
            right += int(correct.sum())
            exact += int(correct.all(-1).sum())
    return {
        "estimator": estimator,
        "n": n,
        "exact": exact / args.test_sequences,
        "elementwise": right / (args.test_sequences * n),
        "steps": steps,
        "seed": seed,
        "batch": args.batch,
        "lr": args.lr,
        "images": steps * args.batch * n,
        "test_sequences": args.test_sequences,
        "train_seconds": round(seconds, 1),
        "final_loss": float(loss.detach()),
    }


def row_path(estimator: str, n: int, seed: int, images: int) -> Path:
    """Where one row's JSON is kept: one file per estimator, length, seed and training budget."""
    return ROWS / f"{estimator}-n{n}-seed{seed}-images{images}.json"


def gather(images: int) -> list[dict]:
    """The rows trained with the budget ``images``."""
    rows = [json.loads(p.read_text()) for p in sorted(ROWS.glob(f"*-images{images}.json"))]
    return sorted(rows, key=lambda r: (r["n"], list(ESTIMATOR_ORDER).index(r["estimator"]), r["seed"]))


ESTIMATOR_ORDER = ("ste", "neuralsort", "softsort", "gumbel-sinkhorn", "softrank", "diffsort")


def print_table(rows: list[dict]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="large-MNIST sorting: exact match (element-wise)")
    lengths = sorted({r["n"] for r in rows})
    table.add_column("estimator")
    for n in lengths:
        table.add_column(f"n = {n}", justify="right")
    for estimator in ESTIMATOR_ORDER:
        cells = []
        for n in lengths:
            mine = [r for r in rows if r["estimator"] == estimator and r["n"] == n]
            if not mine:
                cells.append("—")
                continue
            exact = sum(r["exact"] for r in mine) / len(mine)
            element = sum(r["elementwise"] for r in mine) / len(mine)
            cells.append(f"{exact:.3f} ({element:.3f})")
        if any(c != "—" for c in cells):
            table.add_row(estimator, *cells)
    table.add_row("NeuralSort, published", *(f"{PUBLISHED[n][0]:.3f} ({PUBLISHED[n][1]:.3f})" for n in lengths))
    Console(width=160).print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--estimator", nargs="*", default=None, help="default: every one installed")
    parser.add_argument("--n", nargs="*", type=int, default=list(LENGTHS))
    parser.add_argument("--seeds", nargs="*", type=int, default=[0])
    parser.add_argument("--images", type=int, default=200_000, help="item images seen in training")
    parser.add_argument("--batch", type=int, default=20)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--test-sequences", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--table", action="store_true", help="only gather the rows done so far")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if not args.table:
        ROWS.mkdir(parents=True, exist_ok=True)
        for n in args.n:
            for estimator in args.estimator or available_losses():
                for seed in args.seeds:
                    path = row_path(estimator, n, seed, args.images)
                    if path.exists():
                        continue
                    row = train_and_test(estimator, n, seed, args)
                    row["machine"] = machine()
                    path.write_text(json.dumps(row, indent=2))
                    print(json.dumps({k: row[k] for k in ("estimator", "n", "exact", "elementwise", "train_seconds")}))
    rows = gather(args.images)
    print_table(rows)
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    keys = ("estimator", "n", "exact", "elementwise", "steps", "seed")
    DOCS.write_text(json.dumps([{k: r[k] for k in keys} for r in rows], indent=2) + "\n")
    print(f"wrote {DOCS}")


if __name__ == "__main__":
    main()
