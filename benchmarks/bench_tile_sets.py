"""The tile solver on the literature's standard square-jigsaw sets: direct, neighbour, perfect, seconds, memory.

    python benchmarks/bench_tile_sets.py --set ../shared/data/tiles/mit-432 [--tile 28] [--seed 0] [--jpeg 90]
        [--rotations] [--near 2] [--seeds 0 100 200] [--size 756x560]
    python benchmarks/bench_tile_sets.py --set skimage --size 756x560 --rotations --seeds 0 100
    python benchmarks/bench_tile_sets.py --set ../shared/data/tiles/bgu-2360 --windows 756x560 [--rotations]


Each image (used at its own size, centre-cropped to a multiple of the tile size) is shuffled with its own seed
(``--seed`` + its index in name order; with ``--seeds``, once per seed given) and solved with known orientation, as
the published solvers were measured. The table ends with the mean and the worst puzzle (lowest neighbour accuracy):
a solver that is right on average can still fail one photograph badly.
With ``--jpeg Q`` each shuffled puzzle is first saved as a JPEG of quality Q and read back (what a user who sends a
puzzle as JPEG gets). With ``--rotations`` every tile is also turned at random and the puzzle solved with turns
(accuracies at the best whole turn; ``upright``: the solver's own whole turn was that one). ``--large`` solves with
the listed cost table the solver uses from ``LARGE_FROM`` tiles on (:mod:`jigsaw.tiles.listed`). Perfect: every tile
in its own cell (and upright). With ``--near L`` (known orientation only) two more columns count a tile as in place when
every pixel is within L grey levels of its cell's own tile (:func:`jigsaw.tiles.metrics.nearly_direct_accuracy`).
PSNR: the answer's against the photograph (100 dB where equal; turned tiles at the best whole turn).
Peak memory is this process's maximum resident set so far.
``--set skimage`` takes the photographs that ship inside scikit-image. ``--size WxH`` first scales each image (Lanczos,
aspect kept) to cover W x H pixels and crops the centre: a set at another puzzle size, e.g. 756x560 for 27 x 20 tiles
of 28 px (the 540-piece format) or the 2,360- and 3,300-piece sets cut finer. ``--windows WxH`` instead takes the
four corner windows of W x H pixels of each image at its own resolution (``2.jpg:top-left`` …): four puzzles per
photograph, some mostly sky or ground, the flat regions a scaled whole photograph dilutes.
"""

from __future__ import annotations

import argparse
import resource
from pathlib import Path

import torch
from torch import Tensor

from common import report, tile_set
from jigsaw.files import crop_to_multiple
from jigsaw.tiles import solver
from jigsaw.tiles.evaluate import evaluate_tiles
from jigsaw.tiles.grid import cut
from jigsaw.tiles.metrics import answer_psnr, nearly_direct_accuracy


def originals(image: Tensor, tile: int) -> tuple[Tensor, int, int]:
    """``(the image's tiles (N, C, tile, tile) row-major, rows, cols)``, cut as the benchmark cut the puzzle."""
    image = crop_to_multiple(image, tile, tile)
    rows, cols = image.shape[1] // tile, image.shape[2] // tile
    return cut(image, rows, cols), rows, cols


def answer_columns(image: Tensor, result: dict, tile: int, levels: float | None) -> dict:
    """The columns that compare one answer with the photograph: with ``levels`` (``--near``, known orientation) the
    tiles in place within that many grey levels, and its PSNR (turned tiles at the best whole turn)."""
    tiles, rows, cols = originals(image, tile)
    arrangement = torch.tensor(result["arrangement"])
    columns = {}
    if levels is not None:
        direct = nearly_direct_accuracy(arrangement, tiles, levels)
        columns = {"direct ≈ %": 100 * direct, "perfect ≈": int(direct == 1.0)}
    turns = torch.tensor(result["turns"]) if "turns" in result else None
    return {**columns, "PSNR dB": answer_psnr(arrangement, tiles, rows, cols, turns)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--set", type=Path, required=True, help="folder of images, e.g. ../shared/data/tiles/mit-432, or 'skimage'"
    )
    parser.add_argument("--size", default=None, help="scale each image to cover WxH pixels first, e.g. 756x560")
    parser.add_argument(
        "--windows", default=None, help="each image's four corner windows of WxH pixels, unscaled, e.g. 756x560"
    )
    parser.add_argument("--only", nargs="*", default=None, help="these images of the set only (seeds as if alone)")
    parser.add_argument("--tile", type=int, default=28)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--seeds", type=int, nargs="*", default=None, help="several shuffles of every image: seeds S+k for each S"
    )
    parser.add_argument("--jpeg", type=int, default=None, help="JPEG quality the puzzles are saved at (default: PNG)")
    parser.add_argument("--rotations", action="store_true", help="turn every tile at random too")
    parser.add_argument(
        "--large", action="store_true", help="solve with the candidate lists used from LARGE_FROM tiles on"
    )
    parser.add_argument("--near", type=float, default=None, help="also count tiles within this many grey levels")
    parser.add_argument(
        "--moved-below",
        type=float,
        default=None,
        help="move the segments of answers under this best-buddy share (solver.MOVED_BELOW; 0: never, 1.01: always)",
    )
    args = parser.parse_args()
    if args.near is not None and args.rotations:
        parser.error("--near needs known orientation")
    if args.size and args.windows:
        parser.error("give --size or --windows, not both")
    images = tile_set(args.set, args.size, args.only, args.windows)
    if args.large:
        solver.LARGE_FROM = 1
    if args.moved_below is not None:
        solver.MOVED_BELOW = args.moved_below
    rows = []
    for seed in args.seeds or [args.seed]:
        for k, (name, image) in enumerate(images.items()):
            result = evaluate_tiles(
                {name: image}, seed + k, tile=args.tile, jpeg_quality=args.jpeg, turns=args.rotations
            )[0]
            rows.append(
                {
                    "image": name,
                    "seed": seed + k,
                    "tiles": result["tiles"],
                    "direct %": 100 * result["direct"],
                    "neighbour %": 100 * result["neighbour"],
                    "perfect": int(result["direct"] == 1.0),
                    "seconds": result["seconds"],
                    "confidence": result["confidence"],
                    **({"upright": int(result["upright"])} if args.rotations else {}),
                    **answer_columns(image, result, args.tile, args.near),
                    "peak MiB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                }
            )
            print(rows[-1], flush=True)
    mean = lambda key: sum(r[key] for r in rows) / len(rows)
    worst = min(rows, key=lambda r: r["neighbour %"])
    rows.append(
        {
            "image": "mean",
            "seed": "",
            "tiles": "",
            "direct %": mean("direct %"),
            "neighbour %": mean("neighbour %"),
            "perfect": sum(r["perfect"] for r in rows),
            "seconds": mean("seconds"),
            "confidence": mean("confidence"),
            **({"upright": sum(r["upright"] for r in rows)} if args.rotations else {}),
            **(
                {"direct ≈ %": mean("direct ≈ %"), "perfect ≈": sum(r["perfect ≈"] for r in rows)}
                if args.near is not None
                else {}
            ),
            "PSNR dB": mean("PSNR dB"),
            "peak MiB": max(r["peak MiB"] for r in rows),
        }
    )
    rows.append({**worst, "image": f"worst: {worst['image']}"})
    kind = (f"JPEG q{args.jpeg}" if args.jpeg else "PNG") + (" rotated" if args.rotations else "")
    kind += " large" if args.large else ""
    kind += f" near {args.near:g}" if args.near is not None else ""
    kind += f" moved-below {args.moved_below:g}" if args.moved_below is not None else ""
    size = f"_{args.size}" if args.size else f"_{args.windows}-corners" if args.windows else ""
    name = f"bench_tile_sets_{args.set.name}{size}_{args.tile}px_{kind.replace(' ', '_')}"
    seeds = ", ".join(f"{seed}+k" for seed in args.seeds or [args.seed])
    report(name, f"{args.set.name}{size}, {args.tile}-px tiles, {kind}, seeds {seeds}", rows, list(rows[0]))


if __name__ == "__main__":
    main()
