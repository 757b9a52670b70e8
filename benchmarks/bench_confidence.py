"""Does the tile solver's confidence (share of best-buddy seams) tell a right grid from a wrong one?

    python benchmarks/bench_confidence.py [--tile 48] [--seed 0]

Each scikit-image photograph, centre-cropped to a multiple of ``--tile``, is shuffled on its true grid and then
solved on the true grid and on wrong ones: half as many rows and columns (tiles twice as large), and one and a half
times the columns. A solution on a grid twice as fine is no error (every true tile is cut in four and can be put
back), so it is not among the wrong grids. Prints the confidence and, for the true grid, the neighbour accuracy.
"""

from __future__ import annotations

import argparse

from common import report
from jigsaw.files import skimage_photographs
from jigsaw.tiles.grid import cut, shuffle_tiles
from jigsaw.tiles.metrics import neighbour_accuracy, without_duplicate_swaps
from jigsaw.tiles.solver import LOW_CONFIDENCE, solve_puzzle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tile", type=int, default=48)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows_out = []
    for name, image in skimage_photographs().items():
        t = args.tile
        image = image[:, : image.shape[1] // t * t, : image.shape[2] // t * t]
        rows, cols = image.shape[1] // t, image.shape[2] // t
        shuffled, perm = shuffle_tiles(image, rows, cols, args.seed)
        right = solve_puzzle(shuffled, rows, cols)
        arrangement = without_duplicate_swaps(perm[right.placement], cut(image, rows, cols))
        row = {
            "photograph": name,
            "grid": f"{rows}x{cols}",
            "neighbour %": 100 * neighbour_accuracy(arrangement, rows, cols),
            "confidence (true grid)": right.confidence,
        }
        for label, (r, c) in (
            ("half the rows and columns", (rows // 2, cols // 2)),
            ("1.5x the columns", (rows, cols * 3 // 2)),
        ):
            fits = r > 0 and c > 0 and image.shape[1] % r == 0 and image.shape[2] % c == 0
            row[f"confidence ({label})"] = solve_puzzle(shuffled, r, c).confidence if fits else float("nan")
        rows_out.append(row)
        print(row, flush=True)
    flagged = lambda key: sum(r[key] < LOW_CONFIDENCE for r in rows_out if r[key] == r[key])
    counted = lambda key: sum(r[key] == r[key] for r in rows_out)
    for key in list(rows_out[0])[3:]:
        print(f"{key}: {flagged(key)} of {counted(key)} below {LOW_CONFIDENCE}")
    report(
        "bench_confidence",
        f"tile-solver confidence, {args.tile}-pixel tiles, seed {args.seed}",
        rows_out,
        list(rows_out[0]),
    )


if __name__ == "__main__":
    main()
