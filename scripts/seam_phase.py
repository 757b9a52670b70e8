"""Does a tile boundary's position change how well the seam measure finds the true neighbour? 432-tile puzzles.

    python scripts/seam_phase.py

For the puzzles of bench_tiles.py's 432-tile row (each photograph scaled to cover 504x672, 18x24 tiles of 28
pixels), the fraction of true right / lower neighbours that the seam dissimilarities rank first, split by the
boundary's index modulo 3 (boundary k lies after tile column, or row, k).

Why modulo 3: the 512-pixel photographs (astronaut, camera, immunohistochemistry, moon) are scaled by 21/16 to cover
672 pixels. Where the output pixels fall between the input pixels repeats every 21 pixels, and every third 28-pixel
boundary (84 = 4 x 21) lands on the same place in that pattern. moon is a 256-pixel picture doubled by repeating each
pixel, which makes the pattern strong: the steps between doubled pixels land at fixed places in every 21, and a
measure that predicts a seam from the lines next to it sees an edge where the picture has none.
"""

from __future__ import annotations

import torch

from jigsaw.data import resize_to_cover, skimage_photographs
from jigsaw.seams import dissimilarities
from jigsaw.tiles import cut

ROWS, COLS, TILE = 18, 24, 28


def first_choice_by_phase(image: torch.Tensor) -> tuple[list[float], list[float]]:
    """Best-candidate rates of the right seams by column boundary mod 3, and of the lower seams by row boundary."""
    right, down = dissimilarities(cut(image, ROWS, COLS))
    ids = torch.arange(ROWS * COLS).view(ROWS, COLS)
    right_hit = (right[ids[:, :-1]].argmin(-1) == ids[:, 1:]).float()  # (rows, cols - 1)
    down_hit = (down[ids[:-1]].argmin(-1) == ids[1:]).float()  # (rows - 1, cols)
    return ([float(right_hit[:, k::3].mean()) for k in range(3)],
            [float(down_hit[k::3].mean()) for k in range(3)])


def main() -> None:
    print(f"{'photograph':22s} {'right, boundary mod 3 = 0 / 1 / 2':>36s} {'down, boundary mod 3 = 0 / 1 / 2':>36s}")
    for name, photo in skimage_photographs().items():
        right, down = first_choice_by_phase(resize_to_cover(photo, ROWS * TILE, COLS * TILE))
        show = lambda rates: " / ".join(f"{100 * r:5.1f} %" for r in rates)
        print(f"{name:22s} {show(right):>36s} {show(down):>36s}", flush=True)


if __name__ == "__main__":
    main()
