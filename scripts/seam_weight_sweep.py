"""How much mending by the seams helps a piece solver, weight by weight, on training images.

    python scripts/seam_weight_sweep.py --dataset mnist --grid 14 --images 300
    python scripts/seam_weight_sweep.py --model runs/pieces/mnist-7-blackbox/checkpoint.pt --weights 0.3 1 3 10

The last ``--images`` training images (the test set stays unseen), each shuffled with its own permutation (seed 0),
solved by the network alone (weight 0) and mended with each weight (:func:`jigsaw.pieces.mending.mend`): pieces
right, puzzles perfect and the seconds each took. Without ``--model``, the bundled model of the dataset and grid.
``benchmarks/bench_pieces.py --bundle`` chooses the bundled models' weights the same way, up to 7x7.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import torch

from jigsaw.datasets import load_dataset
from jigsaw.pieces.run import placement_accuracy
from jigsaw.pieces.solve import bundled_path, load_piece_solver

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="mnist", choices=("mnist", "fashion-mnist"))
    parser.add_argument("--grid", type=int, default=4)
    parser.add_argument("--model", type=Path, default=None, help="a piece solver checkpoint (default: the bundled one)")
    parser.add_argument("--images", type=int, default=1000)
    parser.add_argument("--weights", type=float, nargs="+", default=[0.3, 1.0, 3.0])
    parser.add_argument("--data-dir", default=str(REPO / "data"))
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    model, config, _ = load_piece_solver(args.model or bundled_path(args.dataset, args.grid))
    images = load_dataset(config.dataset, train=True, root=args.data_dir)[0][-args.images :]
    print(f"{config.dataset} {config.grid}x{config.grid}, {config.estimator}, last {len(images):,} training images")
    print("| seam weight | pieces right | perfect | seconds |")
    print("|---|---|---|---|")
    for weight in [0.0, *args.weights]:
        started = time.perf_counter()
        scores = placement_accuracy(model, images, config.grid, seam_weight=weight)
        seconds = time.perf_counter() - started
        print(f"| {weight:g} | {scores['pieces_right']:.2%} | {scores['perfect']:.2%} | {seconds:.1f} |", flush=True)


if __name__ == "__main__":
    main()
