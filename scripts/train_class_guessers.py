"""Train the class guessers bundled in jigsaw/assets (what `jigsaw solve` uses for a pixel puzzle given no --label).

python scripts/train_class_guessers.py [--epochs 10] [--seed 0] [--data-dir data]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch

from jigsaw.pixels.class_guess import bundled_guesser_path, save_class_guesser, train_class_guesser


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir", type=Path, default=None)
    args = parser.parse_args()
    torch.set_num_threads(1)  # a seed gives bit-identical weights only at the same thread count
    for dataset in ("mnist", "fashion-mnist"):
        model, history = train_class_guesser(dataset, args.epochs, args.seed, args.data_dir)
        path = save_class_guesser(bundled_guesser_path(dataset), model, dataset, args.seed, history)
        print(f"{dataset}: test accuracy {history[-1]['test_accuracy']:.2%} -> {path}")


if __name__ == "__main__":
    main()
