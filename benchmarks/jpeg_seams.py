"""Where JPEG puzzles lose accuracy: the seam measure, or the search? The MIT set (432 pieces of 28 px).

    python benchmarks/jpeg_seams.py [--set ../shared/data/tiles/mit-432] [--qualities 0 90 75] [--seed 0]

Each image is shuffled with its own seed (``--seed`` + its index in name order), saved as a JPEG of each quality
(0: PNG) and read back. Per quality and measure (``colour``: L*a*b*, what lossless puzzles use; ``brightness``:
JPEG's Y channel alone, what JPEG puzzles use), over all images:

- ``ranked first %``: true right and lower neighbours that the measure ranks first among all tiles (how much the
  seams alone say);
- ``neighbour %``: the solver's mean neighbour accuracy with that measure;
- ``truth cheaper``: images whose true arrangement has a lower total seam dissimilarity than the solver's answer
  (where it does, a better search would do better with the same measure).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from common import report
from jigsaw.files import crop_to_multiple, jpeg_round_trip, read_image_folder
from jigsaw.tiles.dense import seam_dissimilarity
from jigsaw.tiles.grid import cut, shuffle_tiles
from jigsaw.tiles.metrics import neighbour_accuracy, without_duplicate_swaps
from jigsaw.tiles.seams import dissimilarities, first_choices
from jigsaw.tiles.solver import solve_tiles

TILE = 28


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=Path("../shared/data/tiles/mit-432"))
    parser.add_argument("--qualities", type=int, nargs="+", default=[0, 90, 75])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    images = read_image_folder(args.set)
    rows = []
    for quality in args.qualities:
        for measure, lossy in (("colour", False), ("brightness", True)):
            first = pairs = cheaper = 0
            accuracy = 0.0
            for k, image in enumerate(images.values()):
                image = crop_to_multiple(image, TILE, TILE)
                h, w = image.shape[1] // TILE, image.shape[2] // TILE
                shuffled, perm = shuffle_tiles(image, h, w, args.seed + k)  # shuffled tile i is original perm[i]
                tiles = cut(jpeg_round_trip(shuffled, quality) if quality else shuffled, h, w)
                right, down = dissimilarities(tiles, lossy)
                truth = perm.argsort()  # cell c of the original holds shuffled tile truth[c]
                right_first, down_first = first_choices(right[truth][:, truth], down[truth][:, truth], h, w)
                first += int(right_first.sum() + down_first.sum())
                pairs += right_first.numel() + down_first.numel()
                placement = solve_tiles(tiles, h, w, lossy=lossy)
                found = seam_dissimilarity(placement, h, w, right, down)
                cheaper += int(seam_dissimilarity(truth, h, w, right, down) < found)
                accuracy += neighbour_accuracy(without_duplicate_swaps(perm[placement], cut(image, h, w)), h, w)
            rows.append(
                {
                    "saved as": f"JPEG q{quality}" if quality else "PNG",
                    "measure": measure,
                    "ranked first %": 100 * first / pairs,
                    "neighbour %": 100 * accuracy / len(images),
                    "truth cheaper": f"{cheaper} of {len(images)}",
                }
            )
            print(rows[-1], flush=True)
    report("jpeg_seams", f"{args.set.name}: seam measure and search, by format", rows, list(rows[0]))


if __name__ == "__main__":
    main()
