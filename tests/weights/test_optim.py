import copy

import pytest
import torch
import torch.nn.functional as F

from jigsaw.models import LeNet5, SmallVGG
from jigsaw.permute import GRANULARITIES, to_groups
from jigsaw.training import Split, fit
from jigsaw.weights.optim import IndexOptimizer, initialize


def sorted_groups(model, granularity):
    return {
        n: to_groups(p.detach(), granularity).sort(-1).values.clone()
        for n, p in model.named_parameters()
        if p.dim() >= 2
    }


def random_steps(model, optimizer, steps, seed=0, shape=(16, 1, 28, 28)):
    g = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        x, y = torch.randn(shape, generator=g), torch.randint(0, 10, (shape[0],), generator=g)
        optimizer.zero_grad()
        F.cross_entropy(model(x), y).backward()
        optimizer.step()


@pytest.mark.parametrize("granularity", GRANULARITIES)
@pytest.mark.parametrize("ste,sync_every", [(True, 1), (False, 1), (False, 3)])
def test_multiset_of_every_group_never_changes(granularity, ste, sync_every):
    torch.manual_seed(0)
    model = initialize(LeNet5(), "normal", seed=0)
    before = sorted_groups(model, granularity)
    weights_before = {n: p.detach().clone() for n, p in model.named_parameters()}
    optimizer = IndexOptimizer(model.parameters(), lr=1e-2, granularity=granularity, ste=ste, sync_every=sync_every)
    random_steps(model, optimizer, 30)  # a multiple of sync_every
    after = sorted_groups(model, granularity)
    assert all(torch.equal(before[n], after[n]) for n in before)  # exact, bit for bit
    assert any(not torch.equal(weights_before[n], p) for n, p in model.named_parameters() if p.dim() >= 2)
    # biases are trained by the base optimizer, not permuted
    assert not torch.equal(weights_before["fc3.bias"], model.fc3.bias)


def test_ste_gradient_reaches_the_latent_weights():
    torch.manual_seed(0)
    layer = torch.nn.Linear(4, 3, bias=False)
    optimizer = IndexOptimizer(layer.parameters(), base="sgd", lr=0.5)
    latent_before = optimizer.state[layer.weight]["latent"].clone()
    layer.weight.grad = torch.ones_like(layer.weight)
    optimizer.step()
    # plain SGD on ŵ: ŵ <- ŵ - lr * grad, the gradient taken at the constrained weights is passed through unchanged
    assert torch.allclose(optimizer.state[layer.weight]["latent"], latent_before - 0.5)


def test_kernel_granularity_keeps_each_kernel():
    torch.manual_seed(0)
    conv = torch.nn.Conv2d(2, 3, 3)
    before = conv.weight.detach().clone()
    optimizer = IndexOptimizer(conv.parameters(), lr=0.1, granularity="kernel")
    conv.weight.grad = torch.randn_like(conv.weight)
    optimizer.step()
    for o in range(3):
        for i in range(2):
            assert torch.equal(conv.weight[o, i].flatten().sort().values, before[o, i].flatten().sort().values)


def test_state_dict_round_trip_resumes_identically():
    def make():
        torch.manual_seed(0)
        model = initialize(LeNet5(), "uniform", seed=1)
        opt = IndexOptimizer(model.parameters(), lr=1e-2, granularity="out_channel")
        sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=0.5)
        return model, opt, sched

    model, opt, sched = make()
    random_steps(model, opt, 5, seed=1)
    sched.step()
    saved = copy.deepcopy((model.state_dict(), opt.state_dict(), sched.state_dict()))
    random_steps(model, opt, 5, seed=2)
    sched.step()

    resumed, opt2, sched2 = make()
    resumed.load_state_dict(saved[0])
    opt2.load_state_dict(saved[1])
    sched2.load_state_dict(saved[2])
    assert opt2.param_groups[0]["lr"] == pytest.approx(5e-3)
    random_steps(resumed, opt2, 5, seed=2)
    sched2.step()
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), resumed.state_dict().values()))
    assert opt2.param_groups is opt2.base.param_groups and opt2.param_groups[0]["lr"] == pytest.approx(2.5e-3)


def test_scheduler_changes_the_base_learning_rate():
    model = LeNet5()
    opt = IndexOptimizer(model.parameters(), lr=1e-3)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=1 / 1.01)
    opt.step()
    sched.step()
    assert opt.base.param_groups[0]["lr"] == pytest.approx(1e-3 / 1.01)


@pytest.mark.slow
def test_learns_a_tiny_mnist_subset(mnist_train, mnist_test):
    torch.manual_seed(0)
    model = initialize(LeNet5(), "normal", seed=0)
    optimizer = IndexOptimizer(model.parameters(), lr=1e-3)
    train, test = Split(mnist_train[0][:2000], mnist_train[1][:2000]), Split(*mnist_test)
    history = fit(model, optimizer, train, test, epochs=2, seed=0, batch_size=64)  # 64 steps
    assert history[-1]["test_accuracy"] > 0.6  # chance is 0.1


@pytest.mark.parametrize("init", ["normal", "uniform", "sparse"])
def test_inits(init):
    model = initialize(LeNet5(), init, seed=0)
    w = model.fc1.weight
    # keeping the 10 % largest magnitudes of N(0, s) leaves a standard deviation of about 0.66 s
    assert w.std().item() == pytest.approx((2 / 400) ** 0.5 * (0.66 if init == "sparse" else 1), rel=0.1)
    zeros = (w == 0).float().mean().item()
    assert zeros == pytest.approx(0.9, abs=0.01) if init == "sparse" else zeros < 0.01
    assert torch.equal(model.fc1.bias, torch.zeros(120))
    assert torch.equal(initialize(LeNet5(), init, seed=0).fc1.weight, w)


@pytest.mark.parametrize("build,shape", [(SmallVGG, (4, 3, 32, 32))])
def test_vgg_and_resnet_smoke(build, shape):
    torch.manual_seed(0)
    model = initialize(build(), "normal", seed=0)
    before = sorted_groups(model, "kernel")
    optimizer = IndexOptimizer(model.parameters(), base="sgd", lr=0.05, momentum=0.9, granularity="kernel")
    random_steps(model, optimizer, 2, shape=shape)
    after = sorted_groups(model, "kernel")
    assert all(torch.equal(before[n], after[n]) for n in before)
