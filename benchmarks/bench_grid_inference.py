"""Does `jigsaw solve` find the tile size of a puzzle that records no grid? Right, wrong or refused, per tile size.

    python benchmarks/bench_grid_inference.py [--set ../shared/data/tiles/mit-432] [--seed 0]

Each photograph (scikit-image's nine, and the images of ``--set`` when given), centre-cropped to a multiple of the
tile size, is shuffled with square tiles of 16, 24, 28, 32, 48 and 64 pixels and with 32x48-pixel tiles (a
rectangular grid), and the grid is inferred from the shuffled picture alone. The unshuffled photographs must be
refused (no seams to find). A wrong answer is worse than a refusal: the refusal asks the user for ``--tile``.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from common import report
from jigsaw.errors import JigsawError
from jigsaw.files import centre_crop, read_image_folder, skimage_photographs
from jigsaw.tiles.grid import shuffle_tiles
from jigsaw.tiles.infer import infer_grid

SIZES = [(16, 16), (24, 24), (28, 28), (32, 32), (48, 48), (64, 64), (32, 48)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=None)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    photos = {**skimage_photographs(), **(read_image_folder(args.set) if args.set else {})}
    rows = []
    for th, tw in [*SIZES, (0, 0)]:
        right = wrong = refused = 0
        for name, photo in photos.items():
            if th:
                image = centre_crop(photo, photo.shape[1] // th * th, photo.shape[2] // tw * tw)
                image, _ = shuffle_tiles(image, image.shape[1] // th, image.shape[2] // tw, args.seed)
            else:
                image = photo
            try:
                found = infer_grid(image)
            except JigsawError:
                refused += 1
                continue
            ok = (found.tile_height, found.tile_width) == (th, tw)
            right, wrong = right + ok, wrong + (not ok)
            if not ok:
                print(f"  {name}: tiles {th}x{tw} taken for {found.tile_height}x{found.tile_width}", flush=True)
        rows.append(
            {"tiles": f"{th}x{tw}" if th else "not shuffled", "right": right, "wrong": wrong, "refused": refused}
        )
        print(rows[-1], flush=True)
    report(
        "bench_grid_inference", f"grid inference on {len(photos)} photographs, seed {args.seed}", rows, list(rows[0])
    )


if __name__ == "__main__":
    main()
