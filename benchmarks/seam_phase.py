"""Does a tile boundary's position change how well the seam measure finds the true neighbour? 432-tile puzzles.

    python benchmarks/seam_phase.py

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

from common import COLS_432, ROWS_432, report, scaled_for_432_tiles
from jigsaw.files import skimage_photographs
from jigsaw.tiles.grid import cut
from jigsaw.tiles.seams import dissimilarities, first_choices


def main() -> None:
    rows = []
    for name, image in scaled_for_432_tiles(skimage_photographs()).items():
        right_first, down_first = first_choices(*dissimilarities(cut(image, ROWS_432, COLS_432)), ROWS_432, COLS_432)
        row = {"photograph": name}
        for k in range(3):
            row[f"right, mod 3 = {k}"] = 100 * float(right_first[:, k::3].float().mean())
        for k in range(3):
            row[f"down, mod 3 = {k}"] = 100 * float(down_first[k::3].float().mean())
        rows.append(row)
    report("seam_phase", "true neighbour ranked first (%) by tile boundary mod 3, 432 tiles", rows, list(rows[0]))


if __name__ == "__main__":
    main()
