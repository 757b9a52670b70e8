import pytest
import torch

from jigsaw.errors import JigsawError
from jigsaw.permute import is_permutation_of, shuffle_pixels
from jigsaw.pixels.classifier_solver import (
    SolverConfig,
    boundary_loss,
    load_solver_nets,
    smoothness_loss,
    solve,
    total_loss,
    train_solver_nets,
)


@pytest.fixture(scope="module")
def nets(tmp_path_factory, dataset_root):
    folder = tmp_path_factory.mktemp("solver-nets")
    train_solver_nets("mnist", folder, seed=0, epochs=1, member_epochs=1, data_root=dataset_root, limit=3000)
    return load_solver_nets(folder)


@pytest.fixture(scope="module")
def digits(mnist_test):
    images, labels = mnist_test[0][:16], mnist_test[1][:16]
    shuffled, _ = shuffle_pixels(images, seed=0)
    return images, shuffled, labels


def test_boundary_and_smoothness_prefer_real_digits(digits):
    images, shuffled, _ = digits
    assert (boundary_loss(images, 3) < 0.05).all() and (boundary_loss(shuffled, 3) > 0.05).all()
    assert (smoothness_loss(images) < 0.6 * smoothness_loss(shuffled)).all()
    assert torch.equal(boundary_loss(torch.zeros(1, 1, 28, 28), 3), torch.zeros(1))


@pytest.mark.slow
def test_trained_terms_are_low_on_originals_and_high_on_shuffles(nets, digits):
    images, shuffled, labels = digits
    config = SolverConfig()
    real, fake = total_loss(images, labels, nets, config), total_loss(shuffled, labels, nets, config)
    for term in ("ce", "discriminator", "total"):
        assert real[term].mean() < fake[term].mean(), term


@pytest.mark.slow
def test_solving_lowers_the_loss_keeps_a_permutation_and_leaves_nets_frozen(nets, digits):
    images, shuffled, labels = digits
    config = SolverConfig(steps=40)
    frozen = [p.clone() for net in [*nets.classifiers, nets.discriminator] for p in net.parameters()]
    recovered = solve(shuffled, labels, nets, config)
    assert is_permutation_of(recovered, shuffled)
    with torch.no_grad():
        before = total_loss(shuffled, labels, nets, config)["total"].mean()
        after = total_loss(recovered, labels, nets, config)["total"].mean()
    assert after < 0.7 * before
    assert all(
        torch.equal(a, b)
        for a, b in zip(frozen, (p for net in [*nets.classifiers, nets.discriminator] for p in net.parameters()))
    )


def test_bag_members_share_everything_but_the_input_layer(nets):
    first, second = nets.classifiers[0].state_dict(), nets.classifiers[1].state_dict()
    assert not torch.equal(first["conv1.weight"], second["conv1.weight"])
    assert all(torch.equal(first[k], second[k]) for k in first if not k.startswith("conv1."))


def test_missing_folder_is_a_clear_error(tmp_path):
    with pytest.raises(JigsawError, match="train solver-nets"):
        load_solver_nets(tmp_path / "nothing")


@pytest.mark.slow
def test_restarts_keep_the_best_run_per_image(nets, digits):
    _, shuffled, labels = digits
    one = SolverConfig(steps=15, restarts=1)
    three = SolverConfig(steps=15, restarts=3)
    single, best = solve(shuffled, labels, nets, one), solve(shuffled, labels, nets, three)
    assert is_permutation_of(best, shuffled)
    with torch.no_grad():
        loss_single = total_loss(single, labels, nets, one)["total"]
        loss_best = total_loss(best, labels, nets, three)["total"]
    assert (loss_best <= loss_single + 1e-6).all() and (loss_best < loss_single).any()
