"""Tile jigsaw: cut an image into a grid of tiles, shuffle them, assemble them again.

A tile layout is a permutation ``perm`` over grid cells in row-major order: cell ``i`` of the assembled image shows
tile ``perm[i]``.
"""

from __future__ import annotations

import re

import torch
from torch import Tensor

from jigsaw.errors import JigsawError
from jigsaw.permute import random_permutations, stable_argsort


def parse_grid(text: str) -> tuple[int, int]:
    """``"4x6"`` -> ``(4, 6)`` (rows, columns)."""
    match = re.fullmatch(r"\s*(\d+)\s*[xX×]\s*(\d+)\s*", text)
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


def check_grid(height: int, width: int, rows: int, cols: int) -> None:
    if rows > height or cols > width:
        raise JigsawError(f"a {rows}x{cols} grid has more cells than the {width}x{height} image has pixels")
    if height % rows or width % cols:
        raise JigsawError(f"a {rows}x{cols} grid does not divide the {width}x{height} image (width x height) "
                          "into equal tiles")


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


# --------------------------------------------------------------------------------------------------------------------
# Solving: edge compatibility and placement (tiles of known orientation, known grid)
# --------------------------------------------------------------------------------------------------------------------
def perceptual(tiles_rgb: Tensor) -> Tensor:
    """CIE L*a*b* for RGB tiles, L* alone for grayscale; ``(N, C, h, w)`` in [0, 1] -> ``(N, C', h, w)``."""
    if tiles_rgb.shape[1] == 1:
        return tiles_rgb * 100.0
    from skimage.color import rgb2lab

    lab = rgb2lab(tiles_rgb.permute(0, 2, 3, 1).double().numpy())
    return torch.from_numpy(lab).permute(0, 3, 1, 2).float()


def _one_sided_mgc(last: Tensor, before_last: Tensor, first: Tensor) -> Tensor:
    """Gallagher's Mahalanobis gradient compatibility from tile ``i``'s side, ``(N, N)``.

    Strips are ``(N, L, C)``: tile ``i``'s last and second-to-last pixel lines and tile ``j``'s first line. The
    gradients inside ``i`` near its edge (last - before_last) define a Gaussian; a good neighbour ``j`` continues it
    across the seam, so ``first_j - last_i`` has a small Mahalanobis distance under it.
    """
    inside = last - before_last  # (N, L, C)
    mean = inside.mean(1, keepdim=True)
    centred = inside - mean
    channels = inside.shape[2]
    covariance = centred.transpose(1, 2) @ centred / max(inside.shape[1] - 1, 1)
    covariance = covariance + 1e-3 * torch.eye(channels) * (1 + covariance.diagonal(dim1=1, dim2=2).mean(1))[:, None, None]
    whiten = torch.linalg.inv(torch.linalg.cholesky(covariance))  # (N, C, C): W S W^T = I
    across = first.unsqueeze(0) - last.unsqueeze(1) - mean.unsqueeze(1)  # (N_i, N_j, L, C)
    white = torch.einsum("icd,ijld->ijlc", whiten, across)
    return white.pow(2).sum((2, 3))


def _mgc(lines_i: tuple[Tensor, Tensor], lines_j: tuple[Tensor, Tensor]) -> Tensor:
    """Symmetric MGC: ``i``'s edge predicts ``j`` and ``j``'s edge predicts ``i``. Lines are ``(N, L, C)``."""
    (last, before_last), (first, after_first) = lines_i, lines_j
    return _one_sided_mgc(last, before_last, first) + _one_sided_mgc(first, after_first, last).T


def dissimilarities(tiles: Tensor) -> tuple[Tensor, Tensor]:
    """``(right, down)``: ``right[i, j]`` is how unlikely tile ``j`` sits right of tile ``i``, ``down[i, j]`` below it.

    Tiles ``(N, C, h, w)`` in [0, 1], compared in L*a*b*; both matrices ``(N, N)`` with ``inf`` on the diagonal.
    """
    t = perceptual(tiles)
    columns = lambda k: t[..., k].transpose(1, 2)  # (N, h, C)
    lines = lambda k: t[..., k, :].transpose(1, 2)  # (N, w, C)
    right = _mgc((columns(-1), columns(-2)), (columns(0), columns(1)))
    down = _mgc((lines(-1), lines(-2)), (lines(0), lines(1)))
    eye = torch.eye(len(tiles), dtype=torch.bool)
    return right.masked_fill(eye, float("inf")), down.masked_fill(eye, float("inf"))


def confidence(dissimilarity: Tensor) -> Tensor:
    """Ratio of each candidate's dissimilarity to the best alternative, from both tiles' points of view.

    A seam is trusted when it is clearly better than the runner-up for *both* tiles (Gallagher-style
    normalisation); lower is better.
    """
    two_best_rows = dissimilarity.topk(2, dim=1, largest=False).values  # for tile i: best and second best j
    two_best_cols = dissimilarity.topk(2, dim=0, largest=False).values  # for tile j: best and second best i
    eps = 1e-6
    # compare with the best *other* candidate: the second best where this pair is the best
    other_row = torch.where(dissimilarity <= two_best_rows[:, :1], two_best_rows[:, 1:], two_best_rows[:, :1])
    other_col = torch.where(dissimilarity <= two_best_cols[:1, :], two_best_cols[1:, :], two_best_cols[:1, :])
    return dissimilarity / (other_row + eps) + dissimilarity / (other_col + eps)


class _Clusters:
    """Union of tile clusters, each a rigid block of tiles at relative (row, col) positions."""

    def __init__(self, n: int, rows: int, cols: int):
        self.rows, self.cols = rows, cols
        self.root = list(range(n))
        self.cells: dict[int, dict[tuple[int, int], int]] = {i: {(0, 0): i} for i in range(n)}
        self.position = [(0, 0)] * n  # of each tile within its cluster

    def find(self, i: int) -> int:
        while self.root[i] != i:
            self.root[i] = self.root[self.root[i]]
            i = self.root[i]
        return i

    def join(self, i: int, j: int, dr: int, dc: int) -> bool:
        """Place tile ``j`` at offset ``(dr, dc)`` from tile ``i`` if the two blocks fit together in the grid."""
        a, b = self.find(i), self.find(j)
        if a == b:
            return False
        if len(self.cells[a]) < len(self.cells[b]):  # move the smaller block
            a, b, i, j, dr, dc = b, a, j, i, -dr, -dc
        (ri, ci), (rj, cj) = self.position[i], self.position[j]
        shift_r, shift_c = ri + dr - rj, ci + dc - cj
        big, small = self.cells[a], self.cells[b]
        moved = {(r + shift_r, c + shift_c): t for (r, c), t in small.items()}
        if any(cell in big for cell in moved):
            return False
        all_r = [r for r, _ in big] + [r for r, _ in moved]
        all_c = [c for _, c in big] + [c for _, c in moved]
        if max(all_r) - min(all_r) >= self.rows or max(all_c) - min(all_c) >= self.cols:
            return False
        big.update(moved)
        for cell, t in moved.items():
            self.position[t] = cell
            self.root[t] = a
        self.root[b] = a
        del self.cells[b]
        return True


def _edge_order(right: Tensor, down: Tensor, candidates: int | None) -> list[tuple[int, int, int, int]]:
    """Edges ``(i, j, dr, dc)`` from most to least trusted; only each tile's best ``candidates`` when given."""
    n = len(right)
    scores = torch.stack([right, down])  # (2, N, N)
    if candidates is not None and candidates < n - 1:
        keep = torch.zeros_like(scores, dtype=torch.bool)
        keep.scatter_(2, scores.topk(candidates, dim=2, largest=False).indices, True)
        keep |= torch.zeros_like(keep).scatter_(1, scores.topk(candidates, dim=1, largest=False).indices, True)
        scores = scores.masked_fill(~keep, float("inf"))
    flat = scores.flatten()
    order = stable_argsort(flat)
    order = order[torch.isfinite(flat[order])].tolist()
    steps = ((0, 1), (1, 0))
    return [(k % (n * n) // n, k % n, *steps[k // (n * n)]) for k in order]


def _fill(grid: Tensor, right: Tensor, down: Tensor) -> Tensor:
    """Greedily put the tiles missing from ``grid`` ``(rows, cols)`` (-1 = empty) into empty cells next to placed
    tiles: each round places the (cell, tile) pair with the lowest mean seam dissimilarity to its placed neighbours,
    preferring cells with more neighbours."""
    grid = grid.clone()
    n = grid.numel()
    unplaced = torch.ones(n, dtype=torch.bool)
    unplaced[grid[grid >= 0]] = False
    if not (grid >= 0).any():
        grid[0, 0] = 0
        unplaced[0] = False
    padded = lambda g: torch.nn.functional.pad(g, (1, 1, 1, 1), value=-1)
    while unplaced.any():
        candidates = unplaced.nonzero().squeeze(1)
        p = padded(grid)
        # neighbour ids of every cell: left, right, up, down; and which dissimilarity each side uses
        sides = [(p[1:-1, :-2], lambda t: right[t][:, candidates]), (p[1:-1, 2:], lambda t: right[:, t][candidates].T),
                 (p[:-2, 1:-1], lambda t: down[t][:, candidates]), (p[2:, 1:-1], lambda t: down[:, t][candidates].T)]
        empty = (grid < 0).flatten()
        cost = torch.zeros(n, len(candidates))
        count = torch.zeros(n)
        for neighbours, seam in sides:
            ids = neighbours.flatten()
            has = (ids >= 0) & empty
            if has.any():
                cost[has] += seam(ids[has])
                count[has] += 1
        usable = count > 0
        score = torch.full_like(cost, float("inf"))
        score[usable] = cost[usable] / count[usable, None] * (1.0 - 0.05 * count[usable, None])
        k = int(score.argmin())
        cell, tile = k // len(candidates), int(candidates[k % len(candidates)])
        grid.view(-1)[cell] = tile
        unplaced[tile] = False
    return grid


def solve_tiles(tiles: Tensor, rows: int, cols: int, candidates: tuple[int, ...] = (1, 3, 8, 32)) -> Tensor:
    """Arrange shuffled tiles ``(N, C, h, w)`` of known orientation on a ``rows x cols`` grid.

    Greedy growth in the order of seam confidence (Kruskal-style, as in Gallagher's tree-based reassembly): a seam
    joins two blocks of tiles when they do not overlap and still fit in the grid; the seams considered widen
    from each tile's best candidate to its best ``candidates[-1]``. Leftover tiles fill the gaps greedily. Returns ``placement`` ``(rows * cols,)``: cell ``k`` (row-major) gets tile ``placement[k]``.
    """
    n = len(tiles)
    if n != rows * cols:
        raise JigsawError(f"{n} tiles do not fill a {rows}x{cols} grid")
    if n == 1:
        return torch.zeros(1, dtype=torch.long)
    right, down = dissimilarities(tiles)
    clusters = _Clusters(n, rows, cols)
    merges = 0
    for limit in candidates:  # trust the clearest seams first: each tile's best candidate, then wider
        for i, j, dr, dc in _edge_order(confidence(right), confidence(down), limit):
            if clusters.join(i, j, dr, dc):
                merges += 1
                if merges == n - 1:
                    break
        if merges == n - 1:
            break
    block = max(clusters.cells.values(), key=len)
    top, left = min(r for r, _ in block), min(c for _, c in block)
    grid = torch.full((rows, cols), -1, dtype=torch.long)
    for (r, c), t in block.items():
        grid[r - top, c - left] = t
    return _fill(grid, right, down).flatten()


def solve_image(puzzle: Tensor, rows: int, cols: int) -> Tensor:
    """Solve a shuffled-tile image ``(C, H, W)``; returns the reassembled image."""
    tiles = cut(puzzle, rows, cols)
    return assemble(tiles[solve_tiles(tiles, rows, cols)], rows, cols)
