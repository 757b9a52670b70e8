"""How well two tiles fit side by side: edge dissimilarities between all pairs of tiles, for the tile solver.

Every measure here compares the pixel lines on either side of a seam; tiles of known orientation, so only "j right
of i" and "j below i" are needed.
"""

from __future__ import annotations

import torch
from torch import Tensor


def perceptual(tiles_rgb: Tensor) -> Tensor:
    """CIE L*a*b* for RGB tiles, L* alone for grayscale; ``(N, C, h, w)`` in [0, 1] -> ``(N, C', h, w)``."""
    if tiles_rgb.shape[1] == 1:
        return tiles_rgb * 100.0
    from skimage.color import rgb2lab

    lab = rgb2lab(tiles_rgb.permute(0, 2, 3, 1).double().numpy())
    return torch.from_numpy(lab).permute(0, 3, 1, 2).float()


def luma(tiles_rgb: Tensor) -> Tensor:
    """JPEG's own brightness channel (JFIF's Y = 0.299 R + 0.587 G + 0.114 B), on L*'s 0..100 scale; ``(N, C, h, w)``
    -> ``(N, 1, h, w)``. JPEG keeps Y at full resolution and quantises it finest; its two colour channels are
    subsampled and coarsely quantised, and their errors at a tile's edge outweigh the seam itself."""
    if tiles_rgb.shape[1] == 1:
        return tiles_rgb * 100.0
    weights = torch.tensor([0.299, 0.587, 0.114], dtype=tiles_rgb.dtype).view(1, 3, 1, 1)
    return (tiles_rgb * weights).sum(1, keepdim=True) * 100.0


GRADIENT_NOISE = 1.0
"""Standard deviation (L*a*b* units, about 2.5 grey levels of L*) assumed for any edge gradient: the floor of the MGC
covariance. Measured by ``python benchmarks/tune_tiles.py --sweep measure``."""

PREDICTION_WEIGHT = 3.0
"""Weight of the prediction measure against MGC, each divided by its median over all pairs: MGC misses flat regions,
where the prediction's plain pixel differences still carry faint shading. Measured by
``python benchmarks/tune_tiles.py --sweep measure``."""


def edge_gaussian(last: Tensor, before_last: Tensor) -> tuple[Tensor, Tensor]:
    """MGC's Gaussian of each tile's edge gradients (``last - before_last``, lines ``(N, L, C)`` in float64): the line
    it expects across the seam (its last line plus the mean gradient) ``(N, L, C)``, and the inverse covariance
    ``(N, C, C)`` with the :data:`GRADIENT_NOISE` floor."""
    inside = last - before_last
    mean = inside.mean(1, keepdim=True)
    centred = inside - mean
    channels = inside.shape[2]
    covariance = centred.transpose(1, 2) @ centred / max(inside.shape[1] - 1, 1)
    precision = torch.linalg.inv(covariance + GRADIENT_NOISE**2 * torch.eye(channels, dtype=torch.float64))
    return last + mean, precision


def _one_sided_mgc(last: Tensor, before_last: Tensor, first: Tensor) -> Tensor:
    """Gallagher's Mahalanobis gradient compatibility from tile ``i``'s side, ``(N, N)``.

    Strips are ``(N, L, C)``: tile ``i``'s last and second-to-last pixel lines and tile ``j``'s first line. The
    gradients inside ``i`` near its edge (last - before_last) define a Gaussian; a good neighbour ``j`` continues it
    across the seam, so ``first_j - last_i`` has a small Mahalanobis distance under it. The covariance gets a floor
    of :data:`GRADIENT_NOISE` (the role of Gallagher's dummy gradients): in flat regions the measured spread is
    near zero and would turn 8-bit rounding into confident mistakes.

    The sum over lines of ``(f - a)^T P (f - a)``, with ``a`` = ``i``'s last line plus its mean gradient and ``P``
    its inverse covariance, is expanded into three matrix products, so no ``(N, N, L, C)`` difference is ever
    built (in float64: the expansion subtracts large, nearly equal terms).
    """
    return mgc_between(mgc_gaussians(last, before_last), mgc_lines(first))


def mgc_gaussians(last: Tensor, before_last: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """What :func:`_one_sided_mgc` needs of the predicting tiles' strips ``(N, L, C)``: their inverse covariances
    ``(N, C*C)``, expected lines times those ``(N, L*C)``, and the constant term ``(N, 1)``."""
    expected, precision = edge_gaussian(last.double(), before_last.double())
    weighted = expected @ precision  # (N, L, C); precision is symmetric
    return precision.flatten(1), weighted.flatten(1), (weighted * expected).sum((1, 2))[:, None]


def mgc_lines(first: Tensor) -> tuple[Tensor, Tensor]:
    """What :func:`_one_sided_mgc` needs of the predicted tiles' first lines ``(M, L, C)``: the sums over lines of
    ``f f^T`` ``(M, C*C)``, and the lines ``(M, L*C)``, in float64."""
    first = first.double()
    return (first.transpose(1, 2) @ first).flatten(1), first.flatten(1)


def mgc_between(gaussians: tuple[Tensor, Tensor, Tensor], lines: tuple[Tensor, Tensor]) -> Tensor:
    """:func:`_one_sided_mgc` ``(N, M)`` from :func:`mgc_gaussians` and :func:`mgc_lines` (each computed once where
    one side meets many blocks of the other)."""
    (precision, weighted, constant), (first_moments, first) = gaussians, lines
    mgc = precision @ first_moments.T - 2 * weighted @ first.T + constant
    return mgc.clamp(min=0).float()


def _mgc(lines_i: tuple[Tensor, Tensor], lines_j: tuple[Tensor, Tensor]) -> Tensor:
    """Symmetric MGC: ``i``'s edge predicts ``j`` and ``j``'s edge predicts ``i``. Lines are ``(N, L, C)``."""
    (last, before_last), (first, after_first) = lines_i, lines_j
    return _one_sided_mgc(last, before_last, first) + _one_sided_mgc(first, after_first, last).T


def _prediction(lines_i: tuple[Tensor, Tensor], lines_j: tuple[Tensor, Tensor]) -> Tensor:
    """Pomeranz et al.'s prediction compatibility (L1), both ways: each tile's edge extrapolated one pixel across
    the seam against the other tile's edge. Lines are ``(N, L, C)``; returns ``(N, N)``."""
    (last, before_last), (first, after_first) = lines_i, lines_j
    ahead, behind = 2 * last - before_last, 2 * first - after_first
    l1 = lambda a, b: torch.cdist(a.flatten(1), b.flatten(1), p=1)  # all pairs, without an (N, N, L, C) tensor
    return l1(ahead, first) + l1(last, behind)


def _seam(lines_i: tuple[Tensor, Tensor], lines_j: tuple[Tensor, Tensor]) -> Tensor:
    """MGC plus :data:`PREDICTION_WEIGHT` times the prediction measure, each on the scale of its median."""
    mgc, prediction = _mgc(lines_i, lines_j), _prediction(lines_i, lines_j)
    scale = lambda d: d.median().clamp(min=1e-12)  # a flat image has zero everywhere
    return mgc / scale(mgc) + PREDICTION_WEIGHT * prediction / scale(prediction)


Lines = tuple[Tensor, Tensor, Tensor, Tensor]
"""A seam's pixel lines ``(N, L, C)``: tile ``i``'s last and second-to-last lines, tile ``j``'s first and second."""


def edge_lines(tiles: Tensor, lossy: bool = False) -> tuple[Lines, Lines]:
    """The lines every seam measure reads, in its colour space (:func:`perceptual`, or :func:`luma` when
    ``lossy``): for "j right of i" the columns ``(N, h, C)``, for "j below i" the rows ``(N, w, C)``, each in
    :data:`Lines` order. Only these two lines per side are converted: the conversion is per pixel, and the rest of
    a tile is never read."""
    convert = luma if lossy else perceptual
    edges = [-1, -2, 0, 1]
    columns, rows = convert(tiles[..., edges]), convert(tiles[..., edges, :])  # (N, C, h, 4), (N, C, 4, w)
    right = tuple(columns[..., k].transpose(1, 2).contiguous() for k in range(4))
    down = tuple(rows[..., k, :].transpose(1, 2).contiguous() for k in range(4))
    return right, down  # type: ignore[return-value]


def dissimilarities(tiles: Tensor, lossy: bool = False) -> tuple[Tensor, Tensor]:
    """``(right, down)``: ``right[i, j]`` is how unlikely tile ``j`` sits right of tile ``i``, ``down[i, j]`` below it.

    Tiles ``(N, C, h, w)`` in [0, 1], compared in L*a*b* by MGC plus the prediction measure; both matrices
    ``(N, N)`` with ``inf`` on the diagonal. Tiles of a ``lossy`` (JPEG) puzzle are compared in :func:`luma`
    alone: there the colour channels carry more compression error than seam.
    """
    (last, before_last, first, after_first), (bottom, above_bottom, top, below_top) = edge_lines(tiles, lossy)
    right = _seam((last, before_last), (first, after_first))
    down = _seam((bottom, above_bottom), (top, below_top))
    eye = torch.eye(len(tiles), dtype=torch.bool)
    return right.masked_fill(eye, float("inf")), down.masked_fill(eye, float("inf"))


TURNS = 4
"""Orientations of a square tile: 0, 1, 2, 3 quarter turns counter-clockwise."""


def oriented(tiles: Tensor) -> Tensor:
    """Every tile in every orientation: ``(N, C, s, s)`` -> ``(4 N, C, s, s)``, candidate ``4 t + k`` being tile ``t``
    turned by ``k`` quarter turns counter-clockwise."""
    return torch.stack([torch.rot90(tiles, k, dims=(-2, -1)) for k in range(TURNS)], 1).flatten(0, 1)


def oriented_dissimilarities(tiles: Tensor, lossy: bool = False) -> tuple[Tensor, Tensor]:
    """:func:`dissimilarities` between the :func:`oriented` candidates of square tiles ``(N, C, s, s)``: both
    ``(4 N, 4 N)``, ``inf`` between two orientations of one tile (a tile cannot sit beside itself)."""
    right, down = dissimilarities(oriented(tiles), lossy)
    same = torch.arange(len(right)) // TURNS
    itself = same[:, None] == same[None, :]
    return right.masked_fill(itself, float("inf")), down.masked_fill(itself, float("inf"))


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


def best_buddies(dissimilarity: Tensor) -> Tensor:
    """``(N, N)`` bool: ``j`` is ``i``'s best candidate and ``i`` is ``j``'s (Pomeranz et al.'s "best buddies")."""
    n = len(dissimilarity)
    rows = torch.arange(n)
    buddies = torch.zeros(n, n, dtype=torch.bool)
    buddies[rows, dissimilarity.argmin(1)] = True
    return buddies & (dissimilarity.argmin(0)[None, :] == rows[:, None])


def first_choices(right: Tensor, down: Tensor, rows: int, cols: int) -> tuple[Tensor, Tensor]:
    """How well the measure knows an *unshuffled* ``rows x cols`` puzzle: ``(rows, cols - 1)`` bool, whether tile
    ``(r, c)``'s true right neighbour is its first choice among all tiles, and ``(rows - 1, cols)`` for the lower
    neighbour. Where these are mostly false, no placement can be accurate."""
    ids = torch.arange(rows * cols).view(rows, cols)
    return right[ids[:, :-1]].argmin(-1) == ids[:, 1:], down[ids[:-1]].argmin(-1) == ids[1:]
