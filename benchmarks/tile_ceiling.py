"""How far the seams alone can lead the tile solver: growth from part of the true answer, 432-tile puzzles.

    python benchmarks/tile_ceiling.py [--seeds 0] [--given 6 9 12]

The puzzles of bench_tiles.py's 432-tile row (each photograph scaled to cover 504x672, 18x24 tiles of 28 pixels).
For each, the solver's neighbour accuracy on its own; then, for each ``k``, on the original adjacent pairs with at
least one tile below the top ``k`` rows ("rows k+"), the solver's accuracy and that of growth from the top ``k`` rows
of the true arrangement, given in place (``jigsaw.tiles.solver.complete``).

Where the rest stays low even with half the answer given, the seam measure is the limit, not the search: no
placement order recovers what the seams do not tell apart. Where it jumps to 100 %, a better start or search would
solve the puzzle.
"""

from __future__ import annotations

import argparse

from common import COLS_432 as COLS
from common import ROWS_432 as ROWS
from common import report, scaled_for_432_tiles
from jigsaw.files import skimage_photographs
from jigsaw.tiles.grid import cut, shuffle_tiles
from jigsaw.tiles.metrics import neighbour_accuracy, neighbours_kept, without_duplicate_swaps
from jigsaw.tiles.solver import complete, solve_tiles


def rest_accuracy(arrangement, given_rows: int) -> float:
    """Neighbour accuracy over the original pairs with a tile below the top ``given_rows`` rows."""
    right, down = neighbours_kept(arrangement, ROWS, COLS)
    rest_right, rest_down = right[given_rows:], down[max(given_rows - 1, 0) :]
    return float(rest_right.sum() + rest_down.sum()) / (rest_right.numel() + rest_down.numel())


def measure(image, seed: int, given: list[int]) -> dict[str, float]:
    """Neighbour accuracy (%) of the solver alone, on all pairs and on the pairs below each number of given rows,
    and of growth around those given rows on the same pairs."""
    shuffled, perm = shuffle_tiles(image, ROWS, COLS, seed)  # shuffled tile k is original tile perm[k]
    tiles, originals = cut(shuffled, ROWS, COLS), cut(image, ROWS, COLS)
    truth = lambda placement: without_duplicate_swaps(perm[placement], originals)
    shuffled_index = perm.argsort()  # original tile -> its index among the shuffled tiles
    alone = truth(solve_tiles(tiles, ROWS, COLS))
    row = {"solver, all pairs": 100 * neighbour_accuracy(alone, ROWS, COLS)}
    for k in given:
        pinned = {int(shuffled_index[r * COLS + c]): (r, c) for r in range(k) for c in range(COLS)}
        row[f"rows {k}+: solver"] = 100 * rest_accuracy(alone, k)
        row[f"rows {k}+: top {k} given"] = 100 * rest_accuracy(truth(complete(tiles, ROWS, COLS, pinned)), k)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--given", type=int, nargs="+", default=[6, 9, 12])
    args = parser.parse_args()
    rows = []
    for name, image in scaled_for_432_tiles(skimage_photographs()).items():
        for seed in args.seeds:
            rows.append({"photograph": name, "seed": seed, **measure(image, seed, args.given)})
            print(rows[-1], flush=True)
    columns = list(rows[0])
    rows.append({"photograph": "mean", "seed": "all", **{c: sum(r[c] for r in rows) / len(rows) for c in columns[2:]}})
    report(
        "tile_ceiling",
        "neighbour accuracy %, 432 tiles: the solver, and growth from the top rows of the answer",
        rows,
        columns,
    )


if __name__ == "__main__":
    main()
