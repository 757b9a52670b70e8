import pytest
import torch

from jigsaw.permute import (
    GRANULARITIES,
    apply_permutation,
    from_groups,
    group_shape,
    inverse_permutation,
    random_permutations,
    rank_match,
    shuffle_pixels,
    stable_argsort,
    to_groups,
    unshuffle_pixels,
)


def ranks(x: torch.Tensor) -> torch.Tensor:
    return torch.sort(torch.sort(x, stable=True).indices, stable=True).indices


@pytest.mark.parametrize("shape", [(7,), (5, 13), (3, 4, 50), (2, 61706)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_rank_match_properties(shape, dtype):
    g = torch.Generator().manual_seed(0)
    scores = torch.randn(shape, generator=g, dtype=dtype)
    values = torch.randint(0, 50, shape, generator=g).to(dtype)  # many ties among the values
    out = rank_match(scores, values)
    # the multiset of every row is the values' multiset ...
    assert torch.equal(out.sort(-1).values, values.sort(-1).values)
    # ... and read in the order of the scores it is sorted: the k-th smallest score holds the k-th smallest value
    assert torch.equal(out.gather(-1, scores.sort(dim=-1, stable=True).indices), values.sort(-1).values)
    distinct = torch.randperm(shape[-1], generator=g).to(dtype).expand(shape)
    assert torch.equal(ranks(rank_match(scores, distinct)), ranks(scores))


def test_rank_match_avoids_the_classic_slip():
    scores = torch.tensor([0.2, 0.0, 0.3, 0.1])
    values = torch.tensor([40.0, 10.0, 30.0, 20.0])
    # smallest score (index 1) gets the smallest value, the next (index 3) the next, and so on
    assert rank_match(scores, values).tolist() == [30.0, 10.0, 40.0, 20.0]
    assert values.sort().values[scores.argsort()].tolist() == [20.0, 40.0, 10.0, 30.0]  # the slip differs


def test_rank_match_with_presorted_values_equals_unsorted():
    g = torch.Generator().manual_seed(1)
    scores, values = torch.randn(4, 100, generator=g), torch.randn(4, 100, generator=g)
    assert torch.equal(rank_match(scores, values), rank_match(scores, values.sort(-1).values, values_sorted=True))


def test_ties_are_broken_by_position_deterministically():
    scores = torch.tensor([[1.0, 0.0, 1.0, 0.0, 1.0, -0.0]])
    values = torch.tensor([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]])
    # equal scores: earlier position gets the smaller value; -0.0 ties with 0.0
    assert rank_match(scores, values).tolist() == [[4.0, 1.0, 5.0, 2.0, 6.0, 3.0]]
    assert rank_match(scores.double(), values.double()).tolist() == [[4.0, 1.0, 5.0, 2.0, 6.0, 3.0]]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_stable_argsort_matches_torch_stable_sort(dtype):
    g = torch.Generator().manual_seed(2)
    x = torch.randint(-5, 5, (8, 300), generator=g).to(dtype) * torch.randn(1, generator=g).to(dtype)
    x[0, :10] = float("inf")
    x[1, :10] = -float("inf")
    assert torch.equal(stable_argsort(x), torch.sort(x, stable=True).indices)
    assert torch.equal(stable_argsort(x.t().contiguous().t()), torch.sort(x, stable=True).indices)


def test_gradient_is_exactly_the_upstream_gradient():
    g = torch.Generator().manual_seed(3)
    scores = torch.randn(6, 20, generator=g, requires_grad=True)
    values = torch.randn(6, 20, generator=g)
    upstream = torch.randn(6, 20, generator=g)
    rank_match(scores, values).backward(upstream)
    assert torch.equal(scores.grad, upstream)
    assert values.grad is None


def test_values_that_require_grad_get_the_routed_gradient():
    g = torch.Generator().manual_seed(4)
    scores = torch.randn(3, 9, generator=g, dtype=torch.float64)
    values = torch.randn(3, 9, generator=g, dtype=torch.float64, requires_grad=True)
    # for fixed scores the map values -> output is linear (a permutation), so gradcheck is exact
    assert torch.autograd.gradcheck(lambda v: rank_match(scores, v), (values,))


def test_rank_match_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="same shape"):
        rank_match(torch.zeros(3), torch.zeros(4))


def test_rank_match_is_deterministic():
    g = torch.Generator().manual_seed(5)
    scores = torch.randint(0, 3, (4, 500), generator=g).float()
    values = torch.randn(4, 500, generator=g)
    assert torch.equal(rank_match(scores, values), rank_match(scores.clone(), values.clone()))


SHAPES_AND_GROUPS = [
    # shape, layer, out_channel, kernel
    ((6, 1, 5, 5), (1, 150), (6, 25), (6, 25)),
    ((16, 6, 5, 5), (1, 2400), (16, 150), (96, 25)),
    ((120, 400), (1, 48000), (120, 400), (120, 400)),
    ((10,), (1, 10), (1, 10), (1, 10)),
]


@pytest.mark.parametrize("shape,layer,out_channel,kernel", SHAPES_AND_GROUPS)
def test_group_shapes(shape, layer, out_channel, kernel):
    expected = {"layer": layer, "out_channel": out_channel, "kernel": kernel}
    for granularity in GRANULARITIES:
        assert group_shape(shape, granularity) == expected[granularity]


@pytest.mark.parametrize("shape", [s[0] for s in SHAPES_AND_GROUPS])
@pytest.mark.parametrize("granularity", GRANULARITIES)
def test_grouping_round_trips(shape, granularity):
    w = torch.randn(shape)
    grouped = to_groups(w, granularity)
    assert grouped.dim() == 2
    assert torch.equal(from_groups(grouped, shape), w)


def test_kernel_group_is_one_kernel():
    w = torch.randn(4, 3, 5, 5)
    assert torch.equal(to_groups(w, "kernel")[1 * 3 + 2], w[1, 2].flatten())
    assert torch.equal(to_groups(w, "out_channel")[2], w[2].flatten())


def test_unknown_granularity():
    with pytest.raises(ValueError, match="unknown granularity"):
        group_shape((3, 3), "pixel")


def test_random_permutations_are_permutations_and_seeded():
    p = random_permutations(50, 784, seed=7)
    assert torch.equal(p.sort(-1).values, torch.arange(784).expand(50, 784))
    assert torch.equal(p, random_permutations(50, 784, seed=7))
    assert not torch.equal(p, random_permutations(50, 784, seed=8))
    assert not torch.equal(p[0], p[1])  # a fresh permutation per row


def test_inverse_permutation_is_exact():
    p = random_permutations(5, 30, seed=0)
    x = torch.randn(5, 30)
    assert torch.equal(apply_permutation(apply_permutation(x, p), inverse_permutation(p)), x)
    assert torch.equal(apply_permutation(inverse_permutation(p), p), torch.arange(30).expand(5, 30))


def test_shuffle_pixels_round_trip_moves_channels_together():
    images = torch.rand(4, 3, 8, 6)
    shuffled, perm = shuffle_pixels(images, seed=0)
    assert not torch.equal(shuffled, images)
    assert torch.equal(unshuffle_pixels(shuffled, perm), images)
    # each shuffled pixel is an original pixel with all of its channels
    flat, flat_shuffled = images.flatten(2), shuffled.flatten(2)
    assert torch.equal(flat_shuffled[2, :, 5], flat[2, :, perm[2, 5]])
