"""Every placement the tile solver makes on a fixed set of puzzles, for proving that a change to the solver's code
leaves its answers alone: run it before and after, then compare.

    OMP_NUM_THREADS=1 python scripts/tile_placements.py before.json [--sets ../shared/data/tiles]
    OMP_NUM_THREADS=1 python scripts/tile_placements.py after.json --compare before.json

Puzzles (28-px tiles, image k of a set shuffled with seed k): the MIT set with known orientation on the dense and on
the listed table, its first 8 images with turned tiles (the first 4 on the listed table too), and scikit-image's
photographs at 756x560 (540 pieces) with known orientation and three of them with turned tiles. Each entry: the
placement and the confidence (6 places).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from jigsaw.files import crop_to_multiple, read_image_folder, resize_to_cover, skimage_photographs
from jigsaw.tiles.grid import cut, shuffle_and_turn_tiles
from jigsaw.tiles.solver import solve_tiles_with_confidence

try:
    from jigsaw.tiles.solver import solve_large
except ImportError:  # up to 0.3.0 the listed table's solver had its own module
    from jigsaw.tiles.large import solve_large  # type: ignore[no-redef]

TILE = 28


def placements(images: dict, turns: bool = False, listed: bool = False, size: tuple | None = None) -> dict:
    found = {}
    for k, (name, image) in enumerate(images.items()):
        image = crop_to_multiple(resize_to_cover(image, *size) if size else image, TILE, TILE)
        rows, cols = image.shape[1] // TILE, image.shape[2] // TILE
        shuffled, _, _ = shuffle_and_turn_tiles(image, rows, cols, k, turns)
        tiles = cut(shuffled, rows, cols)
        solve = solve_large if listed else solve_tiles_with_confidence
        placement, confidence = solve(tiles, rows, cols, turns=turns)
        found[name] = [placement.tolist(), round(confidence, 6)]
        print(name, flush=True)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--sets", type=Path, default=Path("../shared/data/tiles"))
    parser.add_argument("--compare", type=Path, default=None, help="an earlier output: say which placements differ")
    args = parser.parse_args()
    mit = read_image_folder(args.sets / "mit-432")
    photos = skimage_photographs()
    results = {
        "mit": placements(mit),
        "mit listed": placements(mit, listed=True),
        "mit turned": placements(dict(list(mit.items())[:8]), turns=True),
        "mit listed turned": placements(dict(list(mit.items())[:4]), turns=True, listed=True),
        "skimage 540": placements(photos, size=(560, 756)),
        "skimage 540 turned": placements(
            {n: photos[n] for n in ("astronaut", "moon", "camera")}, turns=True, size=(560, 756)
        ),
    }
    args.out.write_text(json.dumps(results))
    if args.compare:
        earlier = json.loads(args.compare.read_text())
        pairs = [(group, name) for group in results for name in results[group]]
        differ = [f"{g}/{n}" for g, n in pairs if earlier.get(g, {}).get(n) != results[g][n]]
        print(f"{len(pairs) - len(differ)} of {len(pairs)} placements identical; differ: {differ or 'none'}")


if __name__ == "__main__":
    main()
