"""How the tile solver's time and memory grow with the number of tiles, and where it stops.

    python benchmarks/bench_tile_scale.py [--image ../shared/data/tiles/bgu-3300/1.jpg] [--tiles 56 40 28 20 16 14 10]

One photograph (a 1848x1400 image of Pomeranz et al.'s 3,300-piece set by default) cut into square tiles of each
size (56 px: 825 tiles ... 14 px: 13,200, 10 px: 25,760), shuffled with seed 0 and solved with known orientation,
each size in a fresh process so that its peak memory is its own: the peak resident set less the process's before
the solve (torch and the image, about 0.9 GiB). A size the solver refuses for memory is reported with the estimate
it refused. Prints a table, writes JSON, draws ``docs/tile_scale.png`` (log-log time and memory against tile count)
and fits the growth exponent of each over the sizes that ran.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

from common import report

FIGURE = Path(__file__).resolve().parent.parent / "docs" / "tile_scale.png"


def one(image_path: Path, tile: int, large: bool, threads: int) -> dict:
    """Solve one size in this process; the row of the table."""
    import torch

    from jigsaw.errors import JigsawError
    from jigsaw.files import crop_to_multiple, read_image
    from jigsaw.tiles.dense import memory_needed
    from jigsaw.tiles.grid import cut, shuffle_tiles
    from jigsaw.tiles.metrics import neighbour_accuracy, without_duplicate_swaps
    from jigsaw.tiles.solver import on_candidate_lists, solve_large, solve_tiles

    torch.set_num_threads(threads)
    image = crop_to_multiple(read_image(image_path), tile, tile)
    rows, cols = image.shape[1] // tile, image.shape[2] // tile
    row = {
        "tile px": tile,
        "tiles": rows * cols,
        "table": "listed" if large or on_candidate_lists(rows * cols) else "N x N",
        "estimate GiB": memory_needed(rows * cols) / 2**30,
    }
    shuffled, perm = shuffle_tiles(image, rows, cols, 0)
    tiles = cut(shuffled, rows, cols)
    at_rest = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # torch, the image: before the solve
    start = time.perf_counter()
    try:
        placement = solve_large(tiles, rows, cols)[0] if large else solve_tiles(tiles, rows, cols)
    except JigsawError as refused:
        return {**row, "seconds": None, "solver GiB": None, "neighbour %": None, "refused": str(refused)[:60]}
    seconds = time.perf_counter() - start
    arrangement = without_duplicate_swaps(perm[placement], cut(image, rows, cols))
    solver = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20 - at_rest
    neighbour = 100 * neighbour_accuracy(arrangement, rows, cols)
    return {**row, "seconds": seconds, "solver GiB": solver, "neighbour %": neighbour, "refused": ""}


def exponent(rows: list[dict], key: str) -> float | None:
    """The slope of log(key) against log(tiles) over the rows that ran (a least-squares fit)."""
    import numpy as np

    ran = [r for r in rows if r[key] is not None]
    if len(ran) < 2:
        return None
    return float(np.polyfit(np.log([r["tiles"] for r in ran]), np.log([r[key] for r in ran]), 1)[0])


def draw(rows: list[dict], out: Path = FIGURE, which: str = "tile solver", threads: int = 1) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ran = [r for r in rows if r["seconds"] is not None]
    figure, (time_axis, memory_axis) = plt.subplots(1, 2, figsize=(10, 4))
    for axis, key, label in (
        (time_axis, "seconds", "solve time (s)"),
        (memory_axis, "solver GiB", "peak memory above the process at rest (GiB)"),
    ):
        slope = exponent(rows, key)
        legend = f"measured (slope {slope:.2f})" if slope is not None else "measured"
        axis.loglog([r["tiles"] for r in ran], [r[key] for r in ran], "o-", label=legend)
        axis.set(xlabel="tiles", ylabel=label)
        axis.grid(True, which="both", alpha=0.3)
    refused = [r for r in rows if r["seconds"] is None]
    memory_axis.loglog(
        [r["tiles"] for r in rows],
        [r["estimate GiB"] for r in rows],
        "x--",
        color="grey",
        label="estimate (refuses above free memory)",
    )
    for r in refused:
        memory_axis.annotate("refused", (r["tiles"], r["estimate GiB"]), textcoords="offset points", xytext=(-40, 6))
    for axis in (time_axis, memory_axis):
        axis.legend(fontsize=8)
    figure.suptitle(f"{which}, known orientation, {threads} thread(s)")
    figure.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(out, dpi=110)
    plt.close(figure)
    print(f"wrote {out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--image", type=Path, default=Path("../shared/data/tiles/bgu-3300/1.jpg"))
    parser.add_argument("--tiles", type=int, nargs="+", default=[56, 40, 28, 20, 16, 14, 10], help="tile sizes (px)")
    parser.add_argument("--large", action="store_true", help="the listed cost table (jigsaw.tiles.listed)")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # the child process: one size
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args.image, args.one, args.large, args.threads)))
        return
    rows = []
    for tile in args.tiles:
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--image",
                str(args.image),
                "--one",
                str(tile),
                "--threads",
                str(args.threads),
                *(["--large"] if args.large else []),
            ],
            capture_output=True,
            text=True,
        )
        if child.returncode != 0:
            raise SystemExit(child.stderr)
        rows.append(json.loads(child.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    print(f"growth exponents: time {exponent(rows, 'seconds')}, memory {exponent(rows, 'solver GiB')}")
    which = "candidate-list solver" if args.large else "tile solver"
    name = "bench_tile_scale_large" if args.large else "bench_tile_scale"
    title = f"{which} against tile count, {args.image.name}, seed 0, {args.threads} thread(s)"
    report(name + ("" if args.threads == 1 else f"_{args.threads}threads"), title, rows, list(rows[0]))
    if args.threads == 1:
        draw(rows, FIGURE.with_name(f"{name.removeprefix('bench_')}.png"), which)


if __name__ == "__main__":
    main()
