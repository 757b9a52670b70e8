import torch

from jigsaw.files import skimage_photographs
from jigsaw.tiles.grid import cut
from jigsaw.tiles.seams import best_buddies, confidence, dissimilarities, first_choices, luma


def test_compatibility_ranks_the_true_neighbour_first_on_a_photo():
    photo = skimage_photographs()["astronaut"]
    rows, cols = 16, 16
    right, down = dissimilarities(cut(photo, rows, cols))
    ids = torch.arange(rows * cols).view(rows, cols)
    left_of, right_of = ids[:, :-1].flatten(), ids[:, 1:].flatten()
    above, below = ids[:-1].flatten(), ids[1:].flatten()
    assert (right[left_of].argmin(1) == right_of).float().mean() > 0.8
    assert (down[above].argmin(1) == below).float().mean() > 0.8


def test_best_buddies_are_mutual_best_candidates():
    inf = float("inf")
    d = torch.tensor([[inf, 1.0, 5.0], [2.0, inf, 3.0], [4.0, 0.5, inf]])
    # row bests: 0->1, 1->0, 2->1; column bests: col0<-1, col1<-2, col2<-1
    assert best_buddies(d).nonzero().tolist() == [[1, 0], [2, 1]]  # not (0, 1): tile 1 prefers 2 on its left


def test_confidence_trusts_a_pair_only_when_both_tiles_prefer_it():
    d = torch.rand(6, 6, generator=torch.Generator().manual_seed(0)) + 1.0
    d.fill_diagonal_(float("inf"))
    d[2, 4] = 0.1  # tile 4 is tile 2's clear first choice on that side, and 2 is 4's
    cost = confidence(d)
    assert cost[2, 4] < 2
    first_of_neither = (d > d.min(1, keepdim=True).values) & (d > d.min(0, keepdim=True).values) & d.isfinite()
    assert (cost[first_of_neither] > 2).all()


def test_first_choices_marks_the_true_neighbours_ranked_first():
    inf = float("inf")
    # a 1x3 puzzle in its true order, tiles 0 1 2
    right = torch.tensor([[inf, 1.0, 2.0], [0.5, inf, 3.0], [1.0, 1.0, inf]])
    down = torch.full((3, 3), inf)
    right_first, down_first = first_choices(right, down, 1, 3)
    assert right_first.tolist() == [[True, False]]  # 0 -> 1 is 0's first choice; 1 -> 2 is not 1's (it prefers 0)
    assert down_first.shape == (0, 3)


def test_luma_is_jpegs_brightness_on_the_l_star_scale():
    tiles = torch.rand(5, 3, 4, 6, generator=torch.Generator().manual_seed(0))
    expected = (0.299 * tiles[:, 0] + 0.587 * tiles[:, 1] + 0.114 * tiles[:, 2]) * 100
    assert torch.allclose(luma(tiles), expected[:, None])
    assert torch.equal(luma(tiles[:, :1]), tiles[:, :1] * 100)  # grayscale is its own brightness


def test_lossy_measure_ignores_colour():
    tiles = torch.rand(6, 3, 8, 8, generator=torch.Generator().manual_seed(1))
    recoloured = tiles.clone()
    recoloured[:, 0] += 0.1 * torch.rand(6, 1, 1)  # shift red and compensate in green: same brightness
    recoloured[:, 1] -= recoloured[:, 0].sub(tiles[:, 0]) * 0.299 / 0.587
    for a, b in zip(dissimilarities(tiles, lossy=True), dissimilarities(recoloured, lossy=True)):
        assert torch.allclose(a, b, atol=1e-3)
    assert not torch.allclose(dissimilarities(tiles)[0], dissimilarities(recoloured)[0], atol=1e-3)
