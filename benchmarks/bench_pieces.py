"""One table from tiles to pixels: digits cut into G x G pieces, shuffled, placed again.

    scripts/train_piece_solvers.sh E "7 2" 5 2      # E = blackbox, ste-sinkhorn, gumbel-sinkhorn (the baseline)
    scripts/train_piece_solvers.sh E 4 10           # the same three at 4x4, ten epochs
    scripts/train_piece_solvers.sh ste "4 2" 5 2    # the core's straight-through estimator
    SAMPLES=1 scripts/train_piece_solvers.sh E 14 1
    python benchmarks/bench_pieces.py --bundle best   # the table, docs/results/pieces.json, docs/pieces.png
    python benchmarks/bench_pieces.py --bundle best --runs runs/pieces/*-blackbox-pieces   # add these runs' rows

For each dataset and grid with trained runs in ``runs/pieces/``: every test image shuffled (its own permutation,
seed 0) and solved by every estimator's model, and by the seam solver of the tile
puzzles (on the first ``--seam-limit`` test images: it solves one puzzle at a time). Pieces placed right count
pixel-identical pieces as interchangeable; perfect: every piece right; PSNR of the reconstruction (a perfect one
counts 100 dB). At G = 28 every piece is one pixel: the rows are the pixel solvers of ``jigsaw evaluate`` (sortGAN,
class-mean, knn; each given the digit's label, as in the pixel table) on the same test images shuffled as that table
shuffles them, a pixel counted right where its value is the original's. ``--bundle ESTIMATOR`` also writes that
estimator's models into ``jigsaw/assets`` (half precision) where they place more pieces right than the seam solver,
and draws ``docs/pieces.png`` with them; ``--bundle best`` takes at each grid the model that places most pieces right,
whatever its estimator. Each bundled model up to 7x7 gets the seam weight that mends its placements best on the last
1,000 *training* images (:func:`jigsaw.pieces.run.choose_seam_weight`; none where mending does not help), kept in
the bundle, and a row ``bundled + seams``: that model mended with that weight on the test images.
"""

from __future__ import annotations

import argparse
import functools
import json
import time
from pathlib import Path

import torch

from jigsaw.checkpoint import load_checkpoint, save_checkpoint
from jigsaw.datasets import load_dataset
from jigsaw.figures import write_labelled_grid
from jigsaw.pieces.metrics import score_pieces, score_placements
from jigsaw.pieces.model import assemble_pieces
from jigsaw.pieces.run import (
    ESTIMATORS,
    GRIDS,
    KIND,
    choose_seam_weight,
    placement_accuracy,
    shuffled_pieces,
    solve_pieces,
)
from jigsaw.pieces.solve import bundled_path, load_piece_solver
from jigsaw.pixels.evaluate import puzzles_from, run_solver
from jigsaw.pixels.solvers import SolverSettings, build_solvers
from jigsaw.tiles.solver import solve_tiles

REPO = Path(__file__).resolve().parents[1]
RUNS = REPO / "runs" / "pieces"
DOCS = REPO / "docs" / "results" / "pieces.json"
PICTURE = REPO / "docs" / "pieces.png"
PIXEL_SOLVERS = ("class-mean", "knn", "sortgan")


def seam_row(images: torch.Tensor, grid: int) -> dict:
    pieces, shuffled = shuffled_pieces(images, grid, torch.Generator().manual_seed(0))
    placements = torch.stack([solve_tiles(tiles, grid, grid) for tiles in shuffled])
    return score_placements(pieces, shuffled, placements)


def pixel_rows(dataset: str, images: torch.Tensor, labels: torch.Tensor, data_dir: str, threads: int) -> list[dict]:
    """G = 28: the pixel solvers, each image shuffled by ``jigsaw evaluate``'s puzzles (seed 0)."""
    puzzles = puzzles_from(images, labels, None, 0)
    rows = []
    for name, solver in build_solvers(list(PIXEL_SOLVERS), SolverSettings(dataset, Path(data_dir))).items():
        recovered, seconds = run_solver(name, solver, puzzles)
        scores = score_pieces(images.flatten(1), recovered.flatten(1))
        rows.append(
            {
                "dataset": dataset,
                "grid": 28,
                "method": f"{name} (label given)",
                "images": len(images),
                **scores,
                "puzzles_per_second": len(images) / seconds,
                "threads": threads,
            }
        )
    return rows


def bundle_model(model, checkpoint: Path, dataset: str, grid: int, images, seen, threads: int):
    """Bundle ``checkpoint``'s ``model`` with the seam weight that mends it best on the training images ``seen``:
    ``(its figure row, its row mended on the test images or None where it is not mended)``."""
    weight, tried = choose_seam_weight(model, seen, grid)
    print(f"seam weight {weight:g} for {dataset} {grid}x{grid}; pieces right on training images: {tried}")
    bundle(checkpoint, dataset, grid, weight)
    mended = mended_row(model, images, dataset, grid, weight, tried, threads) if weight > 0 else None
    if mended:
        print(json.dumps(mended), flush=True)
    return figure_row(model, images[0], grid, weight), mended


def bundle(checkpoint: Path, dataset: str, grid: int, seam_weight: float) -> None:
    """Write ``checkpoint``'s model into ``jigsaw/assets`` in half precision (the model is small; its placements
    barely move: of the test pieces, the MNIST 7x7 ``assignment`` model places 88.5963 % right at full precision,
    88.5957 % bundled; the FashionMNIST one 81.1790 and 81.1733 %, unmended, 2026-12-04) with its ``seam_weight``."""
    payload = load_checkpoint(checkpoint, KIND)
    half = {k: v.half() for k, v in payload["state_dict"].items()}
    meta = {
        "history": payload["meta"]["history"],
        "command": payload["meta"].get("command", ""),
        "seam_weight": seam_weight,
    }
    save_checkpoint(bundled_path(dataset, grid), KIND, payload["config"], half, meta)


def figure_row(model, image: torch.Tensor, grid: int, seam_weight: float) -> tuple:
    """The figure's row for ``image`` ``(1, 28, 28)``: original, shuffled (seed 0), recovered by ``model``."""
    _, shuffled = shuffled_pieces(image[None], grid, torch.Generator().manual_seed(0))
    puzzle = assemble_pieces(shuffled, grid)
    recovered = assemble_pieces(shuffled[:, solve_pieces(model, puzzle, grid, seam_weight=seam_weight)[0]], grid)
    return image, puzzle[0], recovered[0]


def mended_row(
    model, images: torch.Tensor, dataset: str, grid: int, seam_weight: float, tried: dict, threads: int
) -> dict:
    """The placements of the test ``images`` by the model chosen for the bundle (at full precision, as every row),
    mended with its ``seam_weight``, chosen from ``tried`` (weight: pieces right on training images)."""
    started = time.perf_counter()
    scores = placement_accuracy(model, images, grid, seam_weight=seam_weight)
    seconds = time.perf_counter() - started
    return {
        "dataset": dataset,
        "grid": grid,
        "method": "bundled + seams",
        "images": len(images),
        **scores,
        "seam_weight": seam_weight,
        "training_pieces_right_by_seam_weight": {f"{weight:g}": right for weight, right in sorted(tried.items())},
        "puzzles_per_second": len(images) / seconds,
        "threads": threads,
    }


def run_row(model, config, images: torch.Tensor, threads: int) -> dict:
    """The row of one trained run: its placements of the test ``images``, scored and timed."""
    started = time.perf_counter()
    scores = placement_accuracy(model, images, config.grid)
    seconds = time.perf_counter() - started
    return {
        "dataset": config.dataset,
        "grid": config.grid,
        "method": config.method(),
        "images": len(images),
        **scores,
        "epochs": config.epochs,
        "puzzles_per_second": len(images) / seconds,
        "threads": threads,
    }


def add_runs(folders: list[Path], data_dir: str, threads: int, best: bool) -> None:
    """Measure the runs in ``folders`` only and put their rows into the JSON beside the others, each after the last
    row of its dataset and grid that names a learned run (in place of a row of the same method). With ``best``, a
    run that places more pieces right than every other row of its grid is bundled (the grid's ``bundled + seams``
    row replaced), and the figure drawn again with the bundled models."""
    rows = json.loads(DOCS.read_text())
    test_images = functools.cache(lambda dataset: load_dataset(dataset, train=False, root=data_dir)[0])
    bundled = False
    for folder in folders:
        model, config, _ = load_piece_solver(folder / "checkpoint.pt")
        images = test_images(config.dataset)
        row = run_row(model, config, images, threads)
        print(json.dumps(row), flush=True)
        key = (config.dataset, config.grid)
        if not grid_rows(rows, key):
            raise SystemExit(f"{folder}: no rows of {config.dataset} {config.grid}x{config.grid} to add to")
        others = [rows[i] for i in grid_rows(rows, key) if rows[i]["method"] not in (row["method"], "bundled + seams")]
        replaced = [i for i in grid_rows(rows, key) if rows[i]["method"] == row["method"]]
        if replaced:
            rows[replaced[0]] = row
        else:
            rows.insert([i for i in grid_rows(rows, key) if "epochs" in rows[i]][-1] + 1, row)
        if best and all(row["pieces_right"] > other["pieces_right"] for other in others):
            rows = [r for i, r in enumerate(rows) if i not in grid_rows(rows, key) or r["method"] != "bundled + seams"]
            seen = load_dataset(config.dataset, train=True, root=data_dir)[0][-1000:]
            _, mended = bundle_model(model, folder / "checkpoint.pt", *key, images, seen, threads)
            if mended:
                rows.insert(grid_rows(rows, key)[-1] + 1, mended)
            bundled = True
    DOCS.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"wrote {DOCS}")
    if bundled:
        figure_rows = {}
        for dataset in ("mnist", "fashion-mnist"):
            image = test_images(dataset)[0]
            for grid in GRIDS:
                if (figure := bundled_figure_row(image, dataset, grid)) is not None:
                    figure_rows[(dataset, grid)] = figure
        draw(figure_rows)


def grid_rows(rows: list[dict], key: tuple[str, int]) -> list[int]:
    """The indices of the rows of one ``(dataset, grid)``."""
    return [i for i, r in enumerate(rows) if (r["dataset"], r["grid"]) == key]


def draw(figure_rows: dict) -> None:
    """``docs/pieces.png``: a row per dataset and grid, original | shuffled | recovered."""
    keys = sorted(figure_rows)
    columns = [torch.stack([figure_rows[k][i] for k in keys]) for i in range(3)]
    write_labelled_grid(columns, ("original", "shuffled", "recovered"), PICTURE, force=True)
    print(f"wrote {PICTURE} (rows: {', '.join(f'{d} {g}x{g}' for d, g in keys)})")


def measured_runs(dataset: str, grid: int) -> list[tuple[Path, object, object]]:
    """``(checkpoint, model, config)`` of every run in ``runs/pieces/`` for ``dataset`` and ``grid``, in the order
    of :data:`~jigsaw.pieces.run.ESTIMATORS`, the default network before others, then by name."""
    found = []
    for checkpoint in RUNS.glob(f"{dataset}-{grid}-*/checkpoint.pt"):
        model, config, _ = load_piece_solver(checkpoint)
        if (config.dataset, config.grid) == (dataset, grid):
            found.append((checkpoint, model, config))
    return sorted(
        found,
        key=lambda run: (ESTIMATORS.index(run[2].estimator), run[2].method() != run[2].estimator, run[2].method()),
    )


def bundled_figure_row(image: torch.Tensor, dataset: str, grid: int) -> tuple | None:
    """The figure's row for a grid not measured this time, from the model already bundled for it (if any)."""
    if not bundled_path(dataset, grid).exists():
        return None
    model, _, weight = load_piece_solver(bundled_path(dataset, grid))
    return figure_row(model, image, grid, weight)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=str(REPO / "data"))
    parser.add_argument("--seam-limit", type=int, default=1000)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument(
        "--bundle",
        choices=(*ESTIMATORS, "best"),
        default=None,
        help="also bundle this estimator's models, or at each grid the model that places most pieces right",
    )
    parser.add_argument(
        "--grids",
        type=int,
        nargs="+",
        choices=(*GRIDS, 28),
        default=(*GRIDS, 28),
        help="measure these grids only (28: the pixel solvers); the other grids' rows are kept from the JSON, and "
        "their figure rows drawn with the models already bundled",
    )
    parser.add_argument(
        "--runs",
        type=Path,
        nargs="+",
        default=None,
        help="measure these run folders only and put their rows beside the others in the JSON (a row of the same "
        "dataset, grid and method replaced); with --bundle best, bundle each that beats every row of its grid",
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.runs:
        add_runs(args.runs, args.data_dir, args.threads, args.bundle == "best")
        return
    kept = [] if not DOCS.exists() else [r for r in json.loads(DOCS.read_text()) if r["grid"] not in args.grids]
    rows, figure_rows = [], {}
    for dataset in ("mnist", "fashion-mnist"):
        images, labels = load_dataset(dataset, train=False, root=args.data_dir)
        seen = load_dataset(dataset, train=True, root=args.data_dir)[0][-1000:]  # for the seam weight only
        for grid in GRIDS:
            if grid not in args.grids:
                rows += [r for r in kept if (r["dataset"], r["grid"]) == (dataset, grid)]
                if (row := bundled_figure_row(images[0], dataset, grid)) is not None:
                    figure_rows[(dataset, grid)] = row
                continue
            bundled: tuple | None = None  # (model, checkpoint, pieces right) of the model to bundle at this grid
            for checkpoint, model, config in measured_runs(dataset, grid):
                rows.append(run_row(model, config, images, args.threads))
                print(json.dumps(rows[-1]), flush=True)
                better = bundled is None or rows[-1]["pieces_right"] > bundled[2]
                if config.estimator == args.bundle or (args.bundle == "best" and better):
                    bundled = (model, checkpoint, rows[-1]["pieces_right"])
            if any(r["dataset"] == dataset and r["grid"] == grid for r in rows):
                limit = min(args.seam_limit, len(images))
                rows.append(
                    {
                        "dataset": dataset,
                        "grid": grid,
                        "method": "seams",
                        "images": limit,
                        **seam_row(images[:limit], grid),
                    }
                )
                print(json.dumps(rows[-1]), flush=True)
            if bundled is not None and bundled[2] > rows[-1]["pieces_right"]:
                model, checkpoint = bundled[:2]
                figure_rows[(dataset, grid)], mended = bundle_model(
                    model, checkpoint, dataset, grid, images, seen, args.threads
                )
                rows += [mended] if mended else []
            elif bundled is not None:
                print(f"not bundled: {dataset} {grid}x{grid} places fewer pieces right than the seam solver")
        if 28 in args.grids:
            rows += pixel_rows(dataset, images, labels, args.data_dir, args.threads)
            print(*map(json.dumps, rows[-len(PIXEL_SOLVERS) :]), sep="\n", flush=True)
        else:
            rows += [r for r in kept if (r["dataset"], r["grid"]) == (dataset, 28)]
    DOCS.parent.mkdir(parents=True, exist_ok=True)
    DOCS.write_text(json.dumps(rows, indent=2) + "\n")
    print(f"wrote {DOCS}")
    if figure_rows:
        draw(figure_rows)


if __name__ == "__main__":
    main()
