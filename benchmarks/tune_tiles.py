"""The sweeps behind the constants of the tile solver (432-tile puzzles of bench_tiles.py).

    python benchmarks/tune_tiles.py [--seeds 0 1] [--sweep measure|blocks|growth|all]

``measure`` rows: ``GRADIENT_NOISE`` (the MGC covariance floor) with the prediction term off, then
``PREDICTION_WEIGHT`` with the chosen floor, then larger floors with the chosen weight. ``blocks`` rows: the two
rules of ``consistent_block``, ``BLOCK_LONE_SEAM_SIZE`` (inf: a lone seam may join any two blocks) and
``BLOCK_MAX_MEAN_COST``, the others at their chosen values. ``growth`` rows: ``LEAD_WEIGHT``. Columns: mean
neighbour / direct accuracy over the nine photographs, per shuffle seed; each photograph's neighbour accuracy is
printed as the sweep goes.
"""

from __future__ import annotations

import argparse

from common import TILE_432, report, scaled_for_432_tiles
from jigsaw.files import skimage_photographs
from jigsaw.tiles import assembly, seams
from jigsaw.tiles.evaluate import evaluate_tiles

SWEEPS = {
    "measure": [
        *({"GRADIENT_NOISE": floor, "PREDICTION_WEIGHT": 0.0} for floor in (0.1, 1.0, 3.0, 10.0)),
        *({"GRADIENT_NOISE": 1.0, "PREDICTION_WEIGHT": weight} for weight in (0.3, 1.0, 3.0, 10.0)),
        *({"GRADIENT_NOISE": floor, "PREDICTION_WEIGHT": 3.0} for floor in (3.0, 10.0)),
    ],
    "blocks": [
        *({"BLOCK_LONE_SEAM_SIZE": size, "BLOCK_MAX_MEAN_COST": 3.0} for size in (float("inf"), 2, 4, 8, 16)),
        *({"BLOCK_LONE_SEAM_SIZE": 8, "BLOCK_MAX_MEAN_COST": cost} for cost in (2.0, 2.5, 4.0, 5.0)),
    ],
    "growth": [{"LEAD_WEIGHT": weight} for weight in (0.0, 0.3, 0.5, 1.0, 1.5, 3.0)],
}


def owner(constant: str):
    """The module whose functions read ``constant``: the seam measure's or the placement's."""
    return seams if hasattr(seams, constant) else assembly


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--sweep", choices=[*SWEEPS, "all"], default="all")
    args = parser.parse_args()
    photos = scaled_for_432_tiles(skimage_photographs())
    settings = [s for name, sweep in SWEEPS.items() if args.sweep in (name, "all") for s in sweep]
    chosen = {name: getattr(owner(name), name) for setting in settings for name in setting}
    rows = []
    try:
        for setting in settings:
            for name, value in {**chosen, **setting}.items():  # the other constants at their chosen values
                setattr(owner(name), name, value)
            row = dict(setting)
            for seed in args.seeds:
                results = evaluate_tiles(photos, seed=seed, tile=TILE_432)
                row[f"neighbour % seed {seed}"] = 100 * sum(r["neighbour"] for r in results) / len(results)
                row[f"direct % seed {seed}"] = 100 * sum(r["direct"] for r in results) / len(results)
                print(f"  seed {seed}: " + ", ".join(f"{r['image']} {100 * r['neighbour']:.1f}" for r in results))
            print(row, flush=True)
            rows.append(row)
    finally:
        for name, value in chosen.items():
            setattr(owner(name), name, value)
    columns = list(dict.fromkeys(column for row in rows for column in row))
    for row in rows:
        for column in columns:
            row.setdefault(column, "")
    report("tune_tiles", "tile solver constants, 432 tiles, 9 scikit-image photographs", rows, columns)


if __name__ == "__main__":
    main()
