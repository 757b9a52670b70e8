"""The small search behind the classifier solver's defaults: mean PSNR on the first 200 MNIST test images (shuffle
seed 0) for a few settings around the defaults.

    python benchmarks/tune_classifier_solver.py --nets runs/solver-nets-mnist
"""

from __future__ import annotations

import argparse
import time
from dataclasses import asdict, replace
from pathlib import Path

from common import report
from jigsaw.pixels.classifier_solver import SolverConfig, load_solver_nets, solve
from jigsaw.pixels.evaluate import make_puzzles
from jigsaw.pixels.metrics import psnr

CE_ONLY = dict(bagging=False, boundary_weight=0.0, smoothness_weight=0.0, discriminator_weight=0.0)
SETTINGS = [
    CE_ONLY,
    dict(lr=0.02, boundary_weight=1.0, smoothness_weight=0.1, discriminator_weight=0.1),
    dict(lr=0.05, boundary_weight=1.0, smoothness_weight=1.0, discriminator_weight=1.0),
    dict(lr=0.05, boundary_weight=3.0, smoothness_weight=3.0, discriminator_weight=0.0),
    dict(),  # the defaults
    dict(steps=400),
    dict(restarts=2),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nets", type=Path, default=Path("runs/solver-nets-mnist"))
    parser.add_argument("--limit", type=int, default=200)
    args = parser.parse_args()
    nets = load_solver_nets(args.nets)
    puzzles = make_puzzles("mnist", args.limit, seed=0)
    rows = []
    for overrides in SETTINGS:
        config = replace(SolverConfig(), **overrides)
        start = time.perf_counter()
        recovered = solve(puzzles.shuffled, puzzles.labels, nets, config)
        rows.append(
            {
                **{k: str(v) for k, v in asdict(config).items() if k not in ("border", "seed")},
                "PSNR dB": float(psnr(recovered, puzzles.originals).mean()),
                "seconds": time.perf_counter() - start,
            }
        )
        print(rows[-1], flush=True)
    report(
        "tune_classifier_solver",
        f"classifier solver settings, first {args.limit} MNIST test images",
        rows,
        list(rows[0]),
    )


if __name__ == "__main__":
    main()
