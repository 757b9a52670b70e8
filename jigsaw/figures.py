"""Labelled picture grids: image batches side by side under column titles, small images scaled up to be read.

Drawn with Pillow (no plotting library needed for a grid of pictures). The layout is fixed by :class:`GridLayout`, so
a test or a script can find every cell again.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from torch import Tensor

from jigsaw.files import atomic_write, check_image_output, to_pil

TITLE_HEIGHT, GAP, FONT_SIZE = 22, 4, 14


@dataclass(frozen=True)
class GridLayout:
    """Where cell ``(row, column)`` of a grid of ``rows x columns`` images of ``height x width`` pixels lies."""

    rows: int
    columns: int
    height: int
    width: int
    scale: int

    def cell(self, row: int, column: int) -> tuple[int, int]:
        """``(top, left)`` pixel of a cell."""
        return TITLE_HEIGHT + GAP + row * (self.height * self.scale + GAP), GAP + column * (
            self.width * self.scale + GAP
        )

    def size(self) -> tuple[int, int]:
        """``(height, width)`` of the whole figure."""
        bottom, right = self.cell(self.rows, self.columns)
        return bottom, right


def layout_for(columns: list[Tensor], min_cell: int = 84) -> GridLayout:
    """The layout of :func:`labelled_grid` for ``columns``: images scaled by a whole factor to at least ``min_cell``
    pixels (28-pixel digits become 84)."""
    n, _, h, w = columns[0].shape
    return GridLayout(n, len(columns), h, w, max(1, -(-min_cell // max(h, w))))


def labelled_grid(columns: list[Tensor], titles: Sequence[str]) -> Image.Image:
    """Column ``j`` shows the images of ``columns[j]`` (each ``(n, C, H, W)`` in [0, 1], the same ``n``) top to
    bottom under the title ``titles[j]``; every image is enlarged by whole pixels (nearest neighbour), so what is
    shown is exactly what was computed."""
    layout = layout_for(columns)
    height, width = layout.size()
    colour = any(c.shape[1] == 3 for c in columns)
    figure = Image.new("RGB" if colour else "L", (width, height), "white")
    draw = ImageDraw.Draw(figure)
    font = _font()
    cell_w = layout.width * layout.scale
    for j, (images, title) in enumerate(zip(columns, titles)):
        _, left = layout.cell(0, j)
        text_w = draw.textlength(title, font=font)
        draw.text((left + max(0, (cell_w - text_w) / 2), 3), title, fill="black", font=font)
        for i, image in enumerate(images):
            image = image.expand(3, -1, -1) if colour and image.shape[0] == 1 else image
            cell = to_pil(image).resize((cell_w, layout.height * layout.scale), Image.Resampling.NEAREST)
            top, left = layout.cell(i, j)
            figure.paste(cell, (left, top))
    return figure


def write_labelled_grid(
    columns: list[Tensor], titles: Sequence[str], path: str | os.PathLike, force: bool = False
) -> Path:
    """:func:`labelled_grid` written as an image file."""
    path = check_image_output(path, force)
    figure = labelled_grid(columns, titles)
    atomic_write(path, lambda tmp: figure.save(tmp, format="PNG"))
    return path


def read_cell(figure: Tensor, layout: GridLayout, row: int, column: int) -> Tensor:
    """The image shown in a cell, at its own size: ``figure`` ``(C, H, W)`` -> ``(C, height, width)``."""
    top, left = layout.cell(row, column)
    cell = figure[:, top : top + layout.height * layout.scale, left : left + layout.width * layout.scale]
    return cell[:, :: layout.scale, :: layout.scale].contiguous()


def _font() -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=FONT_SIZE)
    except TypeError:  # Pillow < 10.1 has only its small bitmap font
        return ImageFont.load_default()
