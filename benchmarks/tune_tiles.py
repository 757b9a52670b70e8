"""The sweeps behind the two constants of the tile solver's seam measure (432-tile puzzles of bench_tiles.py).

    python benchmarks/tune_tiles.py [--seeds 0 1]

Rows: ``GRADIENT_NOISE`` (the MGC covariance floor) with the prediction term off, then ``PREDICTION_WEIGHT`` with the
chosen floor. Columns: mean neighbour / direct accuracy over the nine photographs, per shuffle seed.
"""

from __future__ import annotations

import argparse

from common import report
from jigsaw import tiles
from jigsaw.data import resize_to_cover, skimage_photographs
from jigsaw.evaluation import evaluate_tiles

SETTINGS = [*({"GRADIENT_NOISE": floor, "PREDICTION_WEIGHT": 0.0} for floor in (0.1, 1.0, 3.0, 10.0)),
            *({"GRADIENT_NOISE": 1.0, "PREDICTION_WEIGHT": weight} for weight in (0.3, 1.0, 3.0, 10.0))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    args = parser.parse_args()
    photos = {name: resize_to_cover(image, 504, 672) for name, image in skimage_photographs().items()}
    chosen = {name: getattr(tiles, name) for name in SETTINGS[0]}
    rows = []
    try:
        for setting in SETTINGS:
            for name, value in setting.items():
                setattr(tiles, name, value)
            row = dict(setting)
            for seed in args.seeds:
                results = evaluate_tiles(photos, seed=seed, tile=28)
                row[f"neighbour % seed {seed}"] = 100 * sum(r["neighbour"] for r in results) / len(results)
                row[f"direct % seed {seed}"] = 100 * sum(r["direct"] for r in results) / len(results)
            print(row, flush=True)
            rows.append(row)
    finally:
        for name, value in chosen.items():
            setattr(tiles, name, value)
    report("tune_tiles", "tile solver seam measure, 432 tiles, 9 scikit-image photographs", rows, list(rows[0]))


if __name__ == "__main__":
    main()
