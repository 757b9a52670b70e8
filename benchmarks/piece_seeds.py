"""Is one piece-solver estimator ahead of another, or only its seed? Runs of the same estimator, network and budget
trained with different seeds, each measured on the full test set, and each estimator's mean and spread.

    scripts/train_piece_seeds.sh                       # MNIST 4x4: blackbox and gumbel-sinkhorn, seeds 1 and 2
    GRID=2 EPOCHS=2 ESTIMATORS="blackbox-pieces gumbel-sinkhorn" scripts/train_piece_seeds.sh   # at 2x2
    OMP_NUM_THREADS=1 python benchmarks/piece_seeds.py runs/pieces/mnist-4-blackbox \\
        runs/pieces/mnist-4-gumbel-sinkhorn runs/piece-seeds/mnist-4-*

Each test image is shuffled as ``benchmarks/bench_pieces.py`` shuffles it (seed 0), so a run's figure here is its
figure there. The runs must share a dataset and grid.
"""

from __future__ import annotations

import argparse
import statistics
from pathlib import Path

import torch

from common import report
from jigsaw.datasets import load_dataset
from jigsaw.pieces.run import placement_accuracy
from jigsaw.pieces.solve import load_piece_solver

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("runs", type=Path, nargs="+", help="run folders (each with a checkpoint.pt)")
    parser.add_argument("--data-dir", default=str(REPO / "data"))
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    runs = [(run, *load_piece_solver(run / "checkpoint.pt")[:2]) for run in args.runs]
    settings = {(config.dataset, config.grid) for _, _, config in runs}
    if len(settings) != 1:
        parser.error(f"the runs are of several datasets or grids: {sorted(settings)}")
    ((dataset, grid),) = settings
    images, _ = load_dataset(dataset, train=False, root=args.data_dir)
    measured = []
    for run, model, config in runs:
        scores = placement_accuracy(model, images, grid)
        measured.append(
            {
                "run": str(run),
                "method": config.method(),
                "seed": config.seed,
                "epochs": config.epochs,
                "pieces right %": 100 * scores["pieces_right"],
                "perfect %": 100 * scores["perfect"],
                "spread": "",
            }
        )
        print(measured[-1], flush=True)
    means = []
    for method in dict.fromkeys(row["method"] for row in measured):
        same = [row for row in measured if row["method"] == method]
        right = [row["pieces right %"] for row in same]
        means.append(
            {
                "run": f"mean of {len(same)}",
                "method": method,
                "seed": "",
                "epochs": "",
                "pieces right %": statistics.mean(right),
                "perfect %": statistics.mean(row["perfect %"] for row in same),
                "spread": max(right) - min(right),
            }
        )
    rows = measured + means
    columns = ["run", "method", "seed", "epochs", "pieces right %", "perfect %", "spread"]
    report(f"piece_seeds_{dataset}-{grid}", f"{dataset} {grid}x{grid}, full test set, by seed", rows, columns)


if __name__ == "__main__":
    main()
