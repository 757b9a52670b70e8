"""Is the search or the seam measure to blame for a wrong tile answer?

For each photograph of a set, shuffled as ``benchmarks/bench_tile_sets.py`` shuffles it (seed ``S + k`` for the k-th
image in name order), the total seam dissimilarity of the solver's answer and of the true arrangement under the
same seam costs. Where the truth costs less, a better search would find it; where it costs more, the measure itself
prefers the wrong answer.

    OMP_NUM_THREADS=1 python benchmarks/tile_truth_cost.py --set skimage --size 540x400 --tile 20 [--rotations]
"""

from __future__ import annotations

import argparse
from pathlib import Path

from common import tile_set
from jigsaw.files import crop_to_multiple
from jigsaw.tiles.dense import DenseTable
from jigsaw.tiles.grid import cut, shuffle_and_turn_tiles
from jigsaw.tiles.seams import TURNS, dissimilarities, oriented_dissimilarities
from jigsaw.tiles.solver import solve_tiles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, required=True, help="folder of images, or 'skimage'")
    parser.add_argument("--size", default=None, help="scale each image to cover WxH pixels first, e.g. 540x400")
    parser.add_argument("--tile", type=int, default=28)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rotations", action="store_true", help="turn every tile at random too")
    parser.add_argument("--windows", default=None, help="each image's four corner windows of WxH pixels, unscaled")
    parser.add_argument("--only", nargs="*", default=None, help="these images of the set only")
    args = parser.parse_args()
    # every image, so that image k gets seed S + k as in bench_tile_sets.py
    images = tile_set(args.set, args.size, windows=args.windows)
    copies = TURNS if args.rotations else 1
    print("image | answer's seam cost | truth's seam cost | truth cheaper")
    for k, (name, image) in enumerate(images.items()):
        if args.only and name not in args.only:
            continue
        image = crop_to_multiple(image, args.tile, args.tile)
        rows, cols = image.shape[1] // args.tile, image.shape[2] // args.tile
        shuffled, perm, turned = shuffle_and_turn_tiles(image, rows, cols, args.seed + k, args.rotations)
        tiles = cut(shuffled, rows, cols)
        table = DenseTable(*(oriented_dissimilarities(tiles) if args.rotations else dissimilarities(tiles)), copies)
        answer = solve_tiles(tiles, rows, cols, turns=args.rotations)
        where = perm.argsort()  # original cell -> shuffled tile
        truth = copies * where + (-turned[where]) % copies if args.rotations else where
        answer_cost, truth_cost = table.seam_cost(answer, rows, cols), table.seam_cost(truth, rows, cols)
        print(f"{name} | {answer_cost:.1f} | {truth_cost:.1f} | {truth_cost < answer_cost}", flush=True)


if __name__ == "__main__":
    main()
