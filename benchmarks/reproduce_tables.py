"""LeNet5 / MNIST columns of the thesis' Tables 5.1-5.3: 3 inits x 3 granularities x STE / without STE, plus a
plain-Adam reference and LaPerm with sync periods k > 1.

    python benchmarks/reproduce_tables.py --epochs 5 --seed 0 [--threads 1]

Each cell is the best test accuracy (%) of a `jigsaw train index-opt` run (one run per cell, one seed), trained in
runs/tables/<cell>/; a finished cell is not trained again (delete its folder to redo it), an unfinished one resumes.
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

import torch

from common import RESULTS, report
from jigsaw.index_training import Run, RunConfig, train_run
from jigsaw.training import stalled

THESIS = {  # (init, ste) -> (layer, out_channel, kernel), test accuracy %
    ("normal", True): (99.49, 99.51, 99.48), ("uniform", True): (99.34, 99.26, 99.27),
    ("sparse", True): (99.18, 99.41, 99.36), ("normal", False): (99.49, 98.77, 98.63),
    ("uniform", False): (99.16, 98.96, 95.16), ("sparse", False): (96.56, 92.91, 69.65),
}
GRANULARITIES = ("layer", "out_channel", "kernel")
LAPERM_K = (10, 100)


def cell(config: RunConfig, root: Path) -> tuple[float, float]:
    """Train (or resume, or just read) one run; returns (best test accuracy %, seconds spent now)."""
    name = (f"plain-{config.init}" if config.plain else
            f"{config.init}-{config.granularity}-{'ste' if config.ste else f'laperm{config.sync_every}'}")
    out = root / name
    start = time.perf_counter()
    checkpoint = out / "checkpoint.pt"
    run = Run.load(checkpoint) if checkpoint.exists() else Run(config)
    if len(run.history) < config.epochs and not (run.history and stalled(run.history, run.config.patience)):
        run.config.epochs = config.epochs
        train_run(run, out, on_epoch=lambda r: print(f"{name} epoch {r['epoch']}: {r['test_accuracy']:.4f}",
                                                     flush=True))
    return 100 * max(r["test_accuracy"] for r in run.history), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--runs", type=Path, default=Path("runs/tables"))
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    base = dict(model="lenet5", dataset="mnist", epochs=args.epochs, seed=args.seed)
    rows = []
    for init, ste in itertools.product(("normal", "uniform", "sparse"), (True, False)):
        row = {"init": init, "mode": "STE" if ste else "without STE (LaPerm k=1)"}
        for granularity, thesis in zip(GRANULARITIES, THESIS[(init, ste)]):
            accuracy, _ = cell(RunConfig(init=init, granularity=granularity, ste=ste, **base), args.runs)
            row[granularity] = accuracy
            row[f"{granularity} thesis"] = thesis
        rows.append(row)
    for init in ("normal",):
        rows.append({"init": init, "mode": "plain Adam (reference)",
                     "layer": cell(RunConfig(init=init, plain=True, **base), args.runs)[0]})
        for k in LAPERM_K:
            row = {"init": init, "mode": f"LaPerm k={k}"}
            for granularity in GRANULARITIES:
                row[granularity] = cell(RunConfig(init=init, granularity=granularity, ste=False, sync_every=k,
                                                  **base), args.runs)[0]
            rows.append(row)
    columns = ["init", "mode", *(c for g in GRANULARITIES for c in (g, f"{g} thesis"))]
    for row in rows:
        for column in columns:
            row.setdefault(column, "")
    report("reproduce_tables", f"LeNet5 / MNIST best test accuracy %, {args.epochs} epochs, seed {args.seed}",
           rows, columns)
    print(f"(runs in {args.runs}; JSON in {RESULTS})")


if __name__ == "__main__":
    main()
