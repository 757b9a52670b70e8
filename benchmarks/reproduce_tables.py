"""LeNet5 / MNIST columns of the thesis' Tables 5.1-5.3: 3 inits x 3 granularities x STE / without STE, plus a
plain-Adam reference and LaPerm with sync periods k > 1.

    python benchmarks/reproduce_tables.py --epochs 5 --seed 0 [--threads 1] [--only '*-ste'] [--no-normalize --shift 0]
        [--model lenet5-caffe | lenet5] [--runs FOLDER]

Each cell is the best test accuracy (%) of a `jigsaw train index-opt` run (one run per cell, one seed; inputs
standardised and shifted by up to 2 pixels unless told otherwise, see jigsaw/weights/run.py), trained in
``--runs`` (default ``runs/tables-caffe`` for Caffe's LeNet-5, the default model since its sparse cells came within
0.3 points of the thesis, and ``runs/tables`` for the 6-16-120-84 ``lenet5``), one folder per cell; a finished cell
is not trained again (delete its folder to redo it), an unfinished one resumes. The table goes to
``results/reproduce_tables_MODEL.json`` (``..._MODEL_FOLDER.json`` with another ``--runs``).
``--only`` trains just the cells whose name matches the pattern and reads the others as they are, so the table says
how many epochs each cell has had.
"""

from __future__ import annotations

import argparse
import fnmatch
import itertools
from pathlib import Path

import torch

from common import RESULTS, report
from jigsaw.progress import Callbacks
from jigsaw.training import stalled
from jigsaw.weights.run import IndexOptConfig, IndexOptRun, train_run

THESIS = {  # (init, ste) -> (layer, out_channel, kernel), test accuracy %
    ("normal", True): (99.49, 99.51, 99.48),
    ("uniform", True): (99.34, 99.26, 99.27),
    ("sparse", True): (99.18, 99.41, 99.36),
    ("normal", False): (99.49, 98.77, 98.63),
    ("uniform", False): (99.16, 98.96, 95.16),
    ("sparse", False): (96.56, 92.91, 69.65),
}
GRANULARITIES = ("layer", "out_channel", "kernel")
LAPERM_K = (10, 100)


def cell(config: IndexOptConfig, root: Path, only: str) -> tuple[float | str, int]:
    """Train (or resume, or just read) one run; returns (best test accuracy % or "" if never trained, epochs)."""
    name = (
        f"plain-{config.init}"
        if config.plain
        else f"{config.init}-{config.granularity}-{'ste' if config.ste else f'laperm{config.sync_every}'}"
    )
    out = root / name
    checkpoint = out / "checkpoint.pt"
    run = IndexOptRun.load(checkpoint) if checkpoint.exists() else IndexOptRun(config)
    recipe = lambda c: (c.normalize, c.shift)
    if recipe(run.config) != recipe(config):
        raise SystemExit(
            f"{out} was trained with normalize={run.config.normalize}, shift={run.config.shift}; "
            "use another --runs folder"
        )
    wanted = fnmatch.fnmatch(name, only)
    if wanted and len(run.history) < config.epochs and not (run.history and stalled(run.history, run.config.patience)):
        run.config.epochs = config.epochs
        report_epoch = lambda r: print(f"{name} epoch {r['epoch']}: {r['test_accuracy']:.4f}", flush=True)
        train_run(run, out, progress=Callbacks(epoch=report_epoch))
    if not run.history:
        return "", 0
    return 100 * max(r["test_accuracy"] for r in run.history), len(run.history)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--model", default="lenet5-caffe", help="lenet5-caffe (default), lenet5 (6-16-120-84) or conv7")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--runs", type=Path, default=None, help="default: runs/tables-caffe, or runs/tables for lenet5")
    parser.add_argument("--only", default="*", help="train only the cells whose name matches this glob")
    parser.add_argument(
        "--no-normalize",
        dest="normalize",
        action="store_false",
        help="raw pixels in [0, 1] instead of standardised inputs (the table before 2026-11-25)",
    )
    parser.add_argument("--shift", type=int, default=2, help="random shifts of training images (0: none, as before)")
    args = parser.parse_args()
    default_runs = Path(
        {"lenet5": "runs/tables", "lenet5-caffe": "runs/tables-caffe"}.get(args.model, f"runs/tables-{args.model}")
    )
    # one JSON per table: reproduce_tables_MODEL.json, or ..._MODEL_FOLDER.json for runs kept elsewhere
    name = f"reproduce_tables_{args.model}" + ("" if args.runs in (None, default_runs) else f"_{args.runs.name}")
    args.runs = args.runs or default_runs
    if args.threads:
        torch.set_num_threads(args.threads)
    base = dict(
        model=args.model,
        dataset="mnist",
        epochs=args.epochs,
        seed=args.seed,
        normalize=args.normalize,
        shift=args.shift,
    )
    rows = []
    for init, ste in itertools.product(("normal", "uniform", "sparse"), (True, False)):
        row = {"init": init, "mode": "STE" if ste else "without STE (LaPerm k=1)"}
        for granularity, thesis in zip(GRANULARITIES, THESIS[(init, ste)]):
            accuracy, epochs = cell(
                IndexOptConfig(init=init, granularity=granularity, ste=ste, **base), args.runs, args.only
            )
            row[granularity] = accuracy
            row[f"{granularity} thesis"] = thesis
            row[f"{granularity} epochs"] = epochs
        rows.append(row)
    for init in ("normal",):
        rows.append(
            {
                "init": init,
                "mode": "plain Adam (reference)",
                **dict(
                    zip(
                        ("layer", "layer epochs"),
                        cell(IndexOptConfig(init=init, plain=True, **base), args.runs, args.only),
                    )
                ),
            }
        )
        for k in LAPERM_K:
            row = {"init": init, "mode": f"LaPerm k={k}"}
            for granularity in GRANULARITIES:
                row[granularity], row[f"{granularity} epochs"] = cell(
                    IndexOptConfig(init=init, granularity=granularity, ste=False, sync_every=k, **base),
                    args.runs,
                    args.only,
                )
            rows.append(row)
    columns = ["init", "mode", *(c for g in GRANULARITIES for c in (g, f"{g} thesis", f"{g} epochs"))]
    for row in rows:
        for column in columns:
            row.setdefault(column, "")
    report(
        name,
        f"{args.model} / MNIST best test accuracy %, up to {args.epochs} epochs, seed {args.seed}",
        rows,
        columns,
    )
    print(f"(runs in {args.runs}; JSON in {RESULTS})")


if __name__ == "__main__":
    main()
