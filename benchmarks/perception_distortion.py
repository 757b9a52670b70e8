"""Sharp or close, pick one: PSNR against Fréchet distance for the knn baseline at every k, and the bundled sortGAN.

    python benchmarks/perception_distortion.py [--limit N]

Full test sets (shuffled with seed 0), measured by the evaluation harness exactly as `jigsaw evaluate` does. ``knn-1``
returns a real training digit: as real as data gets, but only as close as the nearest multiset. Averaging more
neighbours moves toward the best estimate from what a shuffled image reveals: closer on average (PSNR up) and less
like any real image (Fréchet up). This is the perception-distortion trade-off (Blau & Michaeli, 2018): no estimator
is both at the lowest distortion and at the real-data distribution. The sortGAN issue asks for PSNR within 1 dB of
the best baseline *and* a Fréchet distance below knn-1's; the ``both goals`` column says whether a row meets both.
"""

from __future__ import annotations

import argparse
from functools import partial

from common import report
from jigsaw.datasets import load_dataset
from jigsaw.pixels import baselines
from jigsaw.pixels.evaluate import evaluate, make_puzzles
from jigsaw.pixels.judges import load_judge
from jigsaw.pixels.solvers import sortgan_solver
from jigsaw.pixels.sortgan import bundled_solver_path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N test images (default: all 10,000)")
    args = parser.parse_args()
    rows = []
    for dataset in ("mnist", "fashion-mnist"):
        reference = baselines.Reference.from_training_set(*load_dataset(dataset, train=True))
        solvers = {
            f"knn-{k}": partial(baselines.solve_knn, reference=reference, k=k) for k in baselines.KNN_K_CANDIDATES
        }
        solvers["sortgan (bundled)"] = sortgan_solver(bundled_solver_path(dataset))
        results, _ = evaluate(
            solvers,
            make_puzzles(dataset, args.limit, seed=0),
            load_judge(dataset),
            load_dataset(dataset, train=False)[0],
        )
        best_baseline = max(results[name]["psnr"] for name in solvers if name.startswith("knn"))
        for name in solvers:
            psnr, frechet = results[name]["psnr"], results[name]["frechet"]
            rows.append(
                {
                    "dataset": dataset,
                    "solver": name,
                    "PSNR dB": psnr,
                    "Fréchet": frechet,
                    "both goals": "yes"
                    if (
                        psnr >= best_baseline - 1
                        and psnr > results["knn-1"]["psnr"]
                        and frechet < results["knn-1"]["frechet"]
                    )
                    else "no",
                }
            )
    report(
        "perception_distortion",
        "PSNR against Fréchet distance (judge features), test set, shuffle seed 0",
        rows,
        list(rows[0]),
    )


if __name__ == "__main__":
    main()
