"""Tile-jigsaw accuracy and time against puzzle size, on the photographs that ship with scikit-image.

    python benchmarks/bench_tiles.py [--seed 0]

Sizes: a 4x4 and an 8x8 grid over each (centre-cropped) photograph, and 432 tiles of 28 pixels: each photograph
scaled (Lanczos, aspect kept) to cover 504x672 and centre-cropped to it, so every puzzle has 18x24 tiles. Then
28-pixel tiles at native resolution (each photograph centre-cropped to a multiple of 28: 130 to 1,085 tiles), as
`jigsaw evaluate --mode tiles` does by default. Last, one large puzzle, for time and memory: the largest photograph
(hubble_deep_field) in 16-pixel tiles at native resolution, 54x62 = 3,348 tiles.
Goal (tile issue): neighbour accuracy >= 95 % at about 432 tiles, under 10 s per puzzle on 2 CPU cores.

For the puzzles cut by tile size it also prints how often the compatibility measure ranks a tile's true right / lower
neighbour first among all tiles ("best candidate": where that is low, no placement can be accurate), and the total
seam dissimilarity of the solution over that of the true arrangement ("cost ratio": above 1, the measure prefers the
truth and the placement search fell short).
"""

from __future__ import annotations

import argparse
import json

import torch

from common import TILE_432, report, scaled_for_432_tiles
from jigsaw.files import crop_to_multiple, skimage_photographs
from jigsaw.tiles.dense import seam_dissimilarity
from jigsaw.tiles.evaluate import evaluate_tiles
from jigsaw.tiles.grid import cut
from jigsaw.tiles.seams import dissimilarities, first_choices

LARGE = "hubble_deep_field"


def measure_diagnosis(image: torch.Tensor, tile: int, arrangement: list[int]) -> dict[str, float]:
    """Is the seam measure or the placement the limit? ``best candidate``: fraction of true seams (right and down)
    whose tile pair the dissimilarities rank first; ``cost ratio``: total seam dissimilarity of the solver's
    arrangement over that of the true one (above 1: the measure prefers the truth, the search missed it)."""
    image = crop_to_multiple(image, tile, tile)
    rows, cols = image.shape[1] // tile, image.shape[2] // tile
    right, down = dissimilarities(cut(image, rows, cols))
    right_first, down_first = first_choices(right, down, rows, cols)
    cost = lambda placement: seam_dissimilarity(placement, rows, cols, right, down)
    return {
        "best candidate": float(right_first.sum() + down_first.sum()) / (right_first.numel() + down_first.numel()),
        "cost ratio": cost(torch.tensor(arrangement)) / cost(torch.arange(rows * cols)),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    photos = skimage_photographs()
    settings = {
        "4x4": dict(images=photos, grid=(4, 4)),
        "8x8": dict(images=photos, grid=(8, 8)),
        "432 tiles (28 px, 504x672)": dict(images=scaled_for_432_tiles(photos), tile=TILE_432),
        "28 px, native resolution": dict(images=photos, tile=28),
        "3,348 tiles (16 px, native)": dict(images={LARGE: photos[LARGE]}, tile=16),
    }
    rows, detail = [], {}
    for name, setting in settings.items():
        results = evaluate_tiles(seed=args.seed, **setting)
        detail[name] = results
        mean = lambda key, results=results: sum(r[key] for r in results) / len(results)
        rows.append(
            {
                "puzzle": name,
                "images": len(results),
                "direct %": 100 * mean("direct"),
                "neighbour %": 100 * mean("neighbour"),
                "worst neighbour %": 100 * min(r["neighbour"] for r in results),
                "mean s": mean("seconds"),
                "max s": max(r["seconds"] for r in results),
            }
        )
        for r in results:
            if "tile" in setting:
                r.update(measure_diagnosis(setting["images"][r["image"]], setting["tile"], r["arrangement"]))
            diagnosis = (
                f"  best candidate {r['best candidate']:.3f}  cost ratio {r['cost ratio']:.2f}"
                if "tile" in setting
                else ""
            )
            print(
                f"  {name:28s} {r['image']:22s} direct {r['direct']:.3f} neighbour {r['neighbour']:.3f} "
                f"{r['seconds']:.2f} s{diagnosis}",
                flush=True,
            )
    out = report(
        "bench_tiles", f"tile jigsaw on {len(photos)} scikit-image photographs, seed {args.seed}", rows, list(rows[0])
    )
    for r in (r for results in detail.values() for r in results):
        del r["arrangement"]
    out.with_name("bench_tiles_per_image.json").write_text(json.dumps(detail, indent=2) + "\n")


if __name__ == "__main__":
    main()
