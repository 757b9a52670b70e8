"""Tile jigsaw grids: parse and check a grid, cut an image into tiles, shuffle them, assemble them again.

A tile layout is a permutation ``perm`` over grid cells in row-major order: cell ``i`` of the assembled image shows
tile ``perm[i]``.
"""

from __future__ import annotations

import re

import torch
from torch import Tensor

from jigsaw.errors import JigsawError
from jigsaw.permute import random_permutations


def parse_grid(text: str) -> tuple[int, int]:
    """``"4x6"`` -> ``(4, 6)`` (rows, columns)."""
    match = re.fullmatch(r"\s*([0-9]{1,9})\s*[xX×]\s*([0-9]{1,9})\s*", text)  # not '²'; no 5,000-digit sides
    if not match:
        raise JigsawError(f"grid {text!r} is not ROWSxCOLS, e.g. 4x4")
    rows, cols = int(match.group(1)), int(match.group(2))
    if rows < 1 or cols < 1:
        raise JigsawError(f"grid {text!r} needs at least one row and one column")
    return rows, cols


def grid_for_tile_size(height: int, width: int, tile: int) -> tuple[int, int]:
    """The grid of square ``tile``-pixel tiles that covers an image exactly."""
    if tile < 1:
        raise JigsawError(f"tile size must be at least 1 pixel, got {tile}")
    if tile > height or tile > width:
        raise JigsawError(f"tile size {tile} is larger than the {width}x{height} image")
    if height % tile or width % tile:
        raise JigsawError(f"tile size {tile} does not divide the {width}x{height} image (width x height)")
    return height // tile, width // tile


def resolve_grid(height: int, width: int, grid: str | None, tile: int | None, default: str = "4x4") -> tuple[int, int]:
    """The ``(rows, cols)`` of a ``height x width`` image from ``--grid ROWSxCOLS`` or ``--tile N`` (one of them at
    most; ``default`` when neither is given)."""
    if grid is not None and tile is not None:
        raise JigsawError("give either --grid or --tile, not both")
    if tile is not None:
        return grid_for_tile_size(height, width, tile)
    rows, cols = parse_grid(grid or default)
    check_grid(height, width, rows, cols)
    return rows, cols


def check_grid(height: int, width: int, rows: int, cols: int) -> None:
    if rows > height or cols > width:
        raise JigsawError(f"a {rows}x{cols} grid has more cells than the {width}x{height} image has pixels")
    if height % rows or width % cols:
        raise JigsawError(
            f"a {rows}x{cols} grid does not divide the {width}x{height} image (width x height) into equal tiles"
        )


def cut(image: Tensor, rows: int, cols: int) -> Tensor:
    """``(C, H, W)`` -> ``(rows * cols, C, H / rows, W / cols)`` tiles in row-major order."""
    c, h, w = image.shape
    check_grid(h, w, rows, cols)
    th, tw = h // rows, w // cols
    return image.reshape(c, rows, th, cols, tw).permute(1, 3, 0, 2, 4).reshape(rows * cols, c, th, tw)


def assemble(tiles: Tensor, rows: int, cols: int) -> Tensor:
    """Inverse of :func:`cut`: ``(rows * cols, C, th, tw)`` -> ``(C, rows * th, cols * tw)``."""
    n, c, th, tw = tiles.shape
    if n != rows * cols:
        raise JigsawError(f"{n} tiles do not fill a {rows}x{cols} grid")
    return tiles.reshape(rows, cols, c, th, tw).permute(2, 0, 3, 1, 4).reshape(c, rows * th, cols * tw)


def shuffle_tiles(image: Tensor, rows: int, cols: int, seed: int) -> tuple[Tensor, Tensor]:
    """Shuffle the tiles of ``image``; returns ``(shuffled image, perm)`` with cell ``i`` showing tile ``perm[i]``."""
    tiles = cut(image, rows, cols)
    perm = random_permutations(1, rows * cols, seed)[0]
    return assemble(tiles[perm], rows, cols), perm


def unshuffle_tiles(shuffled: Tensor, rows: int, cols: int, perm: Tensor) -> Tensor:
    """Put every tile of a shuffled image back, given the permutation :func:`shuffle_tiles` used."""
    tiles = cut(shuffled, rows, cols)
    restored = torch.empty_like(tiles)
    restored[perm] = tiles
    return assemble(restored, rows, cols)


def turn_tiles(tiles: Tensor, turns: Tensor) -> Tensor:
    """Each tile of ``(N, C, s, s)`` turned by ``turns[i]`` quarter turns counter-clockwise (``torch.rot90``)."""
    return torch.stack([torch.rot90(tile, int(k), dims=(-2, -1)) for tile, k in zip(tiles, turns)])


def random_turns(count: int, seed: int) -> Tensor:
    """``(count,)`` quarter turns in 0..3, from ``seed`` (a stream of its own, apart from the shuffle's)."""
    return torch.randint(0, 4, (count,), generator=torch.Generator().manual_seed(seed + 7_919))


def shuffle_and_turn_tiles(
    image: Tensor, rows: int, cols: int, seed: int, turn: bool = True
) -> tuple[Tensor, Tensor, Tensor]:
    """:func:`shuffle_tiles` (the same ``perm``) and, with ``turn``, every tile turned at random (square tiles only);
    returns ``(puzzle, perm, turns)``: cell ``i`` shows tile ``perm[i]`` turned by ``turns[i]`` quarter turns
    counter-clockwise (all 0 without ``turn``)."""
    if not turn:
        shuffled, perm = shuffle_tiles(image, rows, cols, seed)
        return shuffled, perm, torch.zeros(rows * cols, dtype=torch.long)
    tiles = cut(image, rows, cols)
    if tiles.shape[-1] != tiles.shape[-2]:
        raise JigsawError(
            f"only square tiles can turn in place; a {rows}x{cols} grid of this image gives "
            f"{tiles.shape[-1]}x{tiles.shape[-2]}-pixel tiles"
        )
    perm = random_permutations(1, rows * cols, seed)[0]
    turns = random_turns(rows * cols, seed)
    return assemble(turn_tiles(tiles[perm], turns), rows, cols), perm, turns
