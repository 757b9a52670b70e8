"""Ablation of the frozen-classifier solver (thesis Appendix B, Fig. B.1 as a table), next to sortGAN and the
non-learned baselines, through the evaluation harness.

    jigsaw train solver-nets --dataset mnist --seed 0 --out runs/solver-nets-mnist
    python benchmarks/ablate_classifier_solver.py --nets runs/solver-nets-mnist --limit 1000 --seed 0

Rows: cross-entropy of one frozen LeNet5 only; then each extra term added to it alone; then all terms (the
default). Also writes a Fig. B.1-style PNG: the first test image of each class, original above recovered (all terms).
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

import torch

from common import RESULTS, report
from jigsaw.datasets import load_dataset
from jigsaw.figures import write_labelled_grid
from jigsaw.permute import shuffle_pixels
from jigsaw.pixels.classifier_solver import SolverConfig, load_solver_nets, solve
from jigsaw.pixels.evaluate import evaluate, puzzles_from
from jigsaw.pixels.judges import load_judge
from jigsaw.pixels.solvers import baseline_solvers, sortgan_solver
from jigsaw.pixels.sortgan import bundled_solver_path
from jigsaw.progress import Callbacks

ALL = SolverConfig()
CE_ONLY = replace(ALL, bagging=False, boundary_weight=0.0, smoothness_weight=0.0, discriminator_weight=0.0)
VARIANTS = {
    "CE only": CE_ONLY,
    "+ bagging": replace(CE_ONLY, bagging=True),
    "+ boundary": replace(CE_ONLY, boundary_weight=ALL.boundary_weight),
    "+ smoothness": replace(CE_ONLY, smoothness_weight=ALL.smoothness_weight),
    "+ discriminator": replace(CE_ONLY, discriminator_weight=ALL.discriminator_weight),
    "all (default)": ALL,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nets", type=Path, default=Path("runs/solver-nets-mnist"))
    parser.add_argument("--limit", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--figure", type=Path, default=RESULTS / "classifier_solver_fig_b1.png")
    args = parser.parse_args()
    nets = load_solver_nets(args.nets)
    reference, labels = load_dataset("mnist", train=False)
    puzzles = puzzles_from(reference, labels, args.limit, args.seed)
    solvers = {
        name: (lambda shuffled, y, config=config: solve(shuffled, y, nets, config)) for name, config in VARIANTS.items()
    }
    solvers["sortgan"] = sortgan_solver(bundled_solver_path("mnist"))
    solvers.update(baseline_solvers("mnist"))
    results, _ = evaluate(
        solvers,
        puzzles,
        load_judge("mnist"),
        reference,
        progress=Callbacks(advance=lambda name: print("solving:", name, flush=True)),
    )
    rows = [{"method": name, **{k: v for k, v in metrics.items()}} for name, metrics in results.items()]
    report(
        "ablate_classifier_solver",
        f"frozen-classifier solver ablation, MNIST, first {args.limit} test images, seed {args.seed}",
        rows,
        list(rows[0]),
    )

    first = torch.stack([(labels == c).nonzero()[0, 0] for c in range(10)])
    originals = reference[first]
    shuffled, _ = shuffle_pixels(originals, args.seed)
    recovered = solve(shuffled, labels[first], nets, ALL)
    args.figure.parent.mkdir(parents=True, exist_ok=True)
    write_labelled_grid([originals, recovered], ["original", "recovered"], args.figure, force=True)
    print("wrote", args.figure)


if __name__ == "__main__":
    main()
