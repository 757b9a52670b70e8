"""sortGAN solving throughput on CPU: images per second over the MNIST test set, with and without labels.

    python benchmarks/bench_solve.py [--model CHECKPOINT] [--images 10000]

Goal (sortGAN issue): >= 5,000 images/s on 2 CPU cores with labels given.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from common import report
from jigsaw.datasets import load_dataset
from jigsaw.permute import shuffle_pixels
from jigsaw.pixels.sortgan import bundled_solver_path, load_solver


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=bundled_solver_path("mnist"))
    parser.add_argument("--images", type=int, default=10_000)
    args = parser.parse_args()
    model, _ = load_solver(args.model)
    images, labels = load_dataset("mnist", train=False)
    images, labels = images[: args.images], labels[: args.images]
    shuffled, _ = shuffle_pixels(images, seed=0)
    rows = []
    for name, given, count in (
        ("labels given", labels, len(labels)),
        ("labels guessed (bundled class guesser)", None, 1000),
    ):
        model.solve(shuffled[:100], None if given is None else given[:100])  # warm-up
        start = time.perf_counter()
        model.solve(shuffled[:count], None if given is None else given[:count])
        seconds = time.perf_counter() - start
        rows.append({"setting": name, "images": count, "seconds": seconds, "images/s": count / seconds})
    report("bench_solve", f"sortGAN solve, {args.model.name}, {torch.get_num_threads()} threads", rows, list(rows[0]))


if __name__ == "__main__":
    main()
