"""Sharp or close, pick one: PSNR against Fréchet distance for the knn baseline at every k, and the bundled sortGAN.

    python benchmarks/perception_distortion.py [--limit N] [--family runs/sortgan-family]
        [--sortgan DATASET:NAME=CHECKPOINT ...]
    python benchmarks/perception_distortion.py --redraw     # the figure again from results/perception_distortion.json

Full test sets (shuffled with seed 0), measured by the evaluation harness exactly as `jigsaw evaluate` does. ``knn-1``
returns a real training digit: as real as data gets, but only as close as the nearest multiset. Averaging more
neighbours moves toward the best estimate from what a shuffled image reveals: closer on average (PSNR up) and less
like any real image (Fréchet up). This is the perception-distortion trade-off (Blau & Michaeli, 2018): no estimator
is both at the lowest distortion and at the real-data distribution. What a learned solver can do is sit below the
curve: the ``dominated by`` column names the baselines (knn-k, class mean) that are both closer (higher PSNR) and more
realistic (lower Fréchet distance) than the row; ``-`` where none is.

The figure ``docs/perception_distortion.png`` draws the plane per dataset: the knn curve (k = 1 ... 200), the
class mean, and every sortGAN model (the bundled one marked; more with ``--sortgan``, and with ``--family DIR``
the last epoch of every run folder in ``DIR``, named by its folder: ``mnist-conv-adv-0.1`` is MNIST's
``conv-adv-0.1``). Lower right is better: closer (higher PSNR) and more realistic (lower Fréchet distance).
"""

from __future__ import annotations

import argparse
import itertools
import json
from functools import partial
from pathlib import Path

from common import RESULTS, report
from jigsaw.checkpoint import load_checkpoint
from jigsaw.datasets import load_dataset
from jigsaw.pixels import baselines
from jigsaw.pixels.evaluate import evaluate, make_puzzles
from jigsaw.pixels.judges import load_judge
from jigsaw.pixels.solvers import sortgan_solver
from jigsaw.pixels.sortgan import KIND, bundled_solver_path, load_solver

FIGURE = Path(__file__).resolve().parent.parent / "docs" / "perception_distortion.png"
BUNDLED = "sortgan (bundled)"


COLOURS = ["tab:blue", "tab:green", "tab:purple", "tab:orange", "tab:cyan", "tab:olive", "tab:pink", "tab:brown"]
MARKERS = ["D", "o", "s", "^", "v"]


def draw(rows: list[dict], out: Path = FIGURE) -> Path:
    """One panel per dataset: PSNR (x) against Fréchet distance (y) of every solver in ``rows``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    datasets = list(dict.fromkeys(r["dataset"] for r in rows))
    figure, axes = plt.subplots(1, len(datasets), figsize=(7.5 * len(datasets), 4.4), squeeze=False)
    for axis, dataset in zip(axes[0], datasets):
        mine = [r for r in rows if r["dataset"] == dataset]
        knn = sorted((r for r in mine if r["solver"].startswith("knn-")), key=lambda r: int(r["solver"][4:]))
        axis.plot(
            [r["PSNR dB"] for r in knn], [r["Fréchet"] for r in knn], "o-", color="grey", label="knn, k = 1 … 200"
        )
        for r in knn:
            axis.annotate(r["solver"][4:], (r["PSNR dB"], r["Fréchet"]), textcoords="offset points", xytext=(4, 4))
        # every other model gets a colour and marker of its own and a number beside its point (names would overlap)
        styles = zip(itertools.cycle(COLOURS), itertools.cycle(MARKERS))  # 8 x 5: 40 pairs before one repeats
        number = 0
        for r in mine:
            if r["solver"] == "class-mean":
                axis.plot(r["PSNR dB"], r["Fréchet"], "s", color="black", label="class mean")
            elif r["solver"].startswith("sortgan"):
                if r["solver"] == BUNDLED:
                    axis.plot(r["PSNR dB"], r["Fréchet"], "*", markersize=14, color="tab:red", label=r["solver"])
                    continue
                number += 1
                colour, marker = next(styles)
                name = f"#{number} {r['solver'].removeprefix('sortgan ')}"
                axis.plot(r["PSNR dB"], r["Fréchet"], marker, markersize=7, color=colour, label=name)
                axis.annotate(f"#{number}", (r["PSNR dB"], r["Fréchet"]), textcoords="offset points", xytext=(5, -10))
        axis.set(title=dataset, xlabel="PSNR (dB), higher is closer", ylabel="Fréchet distance, lower is more real")
        axis.set_yscale("log")
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1))  # outside: the plane is crowded
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)
    plt.close(figure)
    print(f"wrote {out}")
    return out


def family_models(folder: Path) -> dict[str, str]:
    """``{"DATASET:NAME": checkpoint}`` for every run folder ``DATASET-NAME`` in ``folder`` that has a checkpoint."""
    models = {}
    for run in sorted(folder.iterdir()):
        dataset = "fashion-mnist" if run.name.startswith("fashion-mnist-") else "mnist"
        if (run / "checkpoint.pt").is_file() and run.name.startswith(dataset + "-"):
            models[f"{dataset}:{run.name.removeprefix(dataset + '-')}"] = str(run / "checkpoint.pt")
    return models


RECIPE = ("discriminator", "generator", "spectral_norm", "score_weight", "ema", "adversarial_weight", "epochs")
"""What a sortGAN row records of its checkpoint's config, for the family table of ``docs/sortgan.md``."""


def recipe(checkpoint: str | Path) -> dict:
    """The fields of ``RECIPE`` from a sortGAN checkpoint; ``epochs``: those its weights were trained for (its
    history's length: a run's best epoch was saved with the history up to it)."""
    config = load_solver(checkpoint)[1]
    history = load_checkpoint(checkpoint, KIND)["meta"].get("history", [])
    return {**{field: config[field] for field in RECIPE}, "epochs": len(history) or config["epochs"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="first N test images (default: all 10,000)")
    parser.add_argument(
        "--sortgan", nargs="*", default=[], metavar="NAME=CHECKPOINT", help="more sortGAN models for the plane"
    )
    parser.add_argument("--family", type=Path, default=None, help="folder of sortGAN run folders to add")
    parser.add_argument("--redraw", action="store_true", help="draw the figure from the last results JSON only")
    args = parser.parse_args()
    if args.redraw:
        draw(json.loads((RESULTS / "perception_distortion.json").read_text())["rows"])
        return
    extra = dict(item.split("=", 1) for item in args.sortgan)
    extra.update(family_models(args.family) if args.family else {})
    rows = []
    for dataset in ("mnist", "fashion-mnist"):
        reference = baselines.Reference.from_training_set(*load_dataset(dataset, train=True))
        solvers = {
            f"knn-{k}": partial(baselines.solve_knn, reference=reference, k=k) for k in baselines.KNN_K_CANDIDATES
        }
        solvers["class-mean"] = partial(baselines.solve_class_mean, reference=reference)
        checkpoints = {BUNDLED: bundled_solver_path(dataset)}
        for name, checkpoint in extra.items():
            if name.startswith(dataset + ":"):  # e.g. mnist:adv-0.1=runs/sortgan-a/best.pt
                checkpoints[f"sortgan {name.split(':', 1)[1]}"] = checkpoint
        solvers.update({name: sortgan_solver(checkpoint) for name, checkpoint in checkpoints.items()})
        results, _ = evaluate(
            solvers,
            make_puzzles(dataset, args.limit, seed=0),
            load_judge(dataset),
            load_dataset(dataset, train=False)[0],
        )
        baseline_names = [name for name in solvers if not name.startswith("sortgan")]
        for name in solvers:
            psnr, frechet = results[name]["psnr"], results[name]["frechet"]
            better = [
                other
                for other in baseline_names
                if results[other]["psnr"] > psnr and results[other]["frechet"] < frechet
            ]
            rows.append(
                {
                    "dataset": dataset,
                    "solver": name,
                    "PSNR dB": psnr,
                    "Fréchet": frechet,
                    "dominated by": ", ".join(better) or "-",
                    **(recipe(checkpoints[name]) if name in checkpoints else {}),
                }
            )
    report(
        "perception_distortion",
        "PSNR against Fréchet distance (judge features), test set, shuffle seed 0",
        rows,
        list(rows[0]),
    )
    draw(rows)


if __name__ == "__main__":
    main()
