import pytest
import torch

from jigsaw.errors import JigsawError
from jigsaw.permute import is_permutation_of, random_permutations, shuffle_pixels
from jigsaw.pixels.sortgan import SortGAN, SortGANConfig, SortGANRun, export_solver, load_solver, train, train_step


@pytest.fixture(scope="module")
def batch(mnist_test):
    images, labels = mnist_test
    return images[:64].flatten(1), labels[:64]


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"input": "sorted", "score_weight": 1.0, "label_smoothing": 0.1},
        {"input": "sorted", "discriminator": "conv"},
        {"input": "sorted", "discriminator": "conv", "generator": "conv", "score_weight": 100.0},
        {"input": "sorted", "discriminator": "conv", "spectral_norm": True},
    ],
)
def test_one_step_changes_both_networks(batch, overrides):
    training = SortGANRun(SortGANConfig(**overrides))
    before = {k: v.clone() for k, v in training.model.state_dict().items()}
    losses = train_step(
        training.model, training.opt_g, training.opt_d, *batch, random_permutations(64, 784, seed=0), training.config
    )
    after = training.model.state_dict()
    changed = lambda prefix: any(not torch.equal(before[k], after[k]) for k in before if k.startswith(prefix))
    assert changed("generator.") and changed("discriminator.")
    assert set(losses) == {"d_loss", "g_loss", "g_mse"} and all(v == v for v in losses.values())


@pytest.mark.parametrize("input", ["shuffled", "sorted"])
def test_recovered_image_is_an_exact_permutation_of_the_input(mnist_test, input):
    shuffled, _ = shuffle_pixels(mnist_test[0][:100], seed=1)
    recovered, labels = SortGAN(input).solve(shuffled, mnist_test[1][:100])
    assert is_permutation_of(recovered, shuffled) and torch.equal(labels, mnist_test[1][:100])
    unlabelled, guessed = SortGAN(input).solve(shuffled[:5])
    assert is_permutation_of(unlabelled, shuffled[:5]) and guessed.shape == (5,)
    assert guessed.min() >= 0 and guessed.max() <= 9


@pytest.mark.slow
def test_short_training_lowers_validation_mse_and_resumes(tmp_path, dataset_root):
    config = SortGANConfig(input="sorted", score_weight=1.0, lr=1e-3, epochs=1, limit=3200, validation=200)
    training = SortGANRun(config)
    from jigsaw.datasets import load_dataset
    from jigsaw.pixels.sortgan import validate

    images, labels = load_dataset("mnist", train=False, root=dataset_root)
    shuffled, _ = shuffle_pixels(images[:200], seed=0)
    untrained = validate(training.model, images[:200], shuffled, labels[:200])["val_mse"]
    history = train(training, tmp_path, dataset_root)
    assert history[-1]["val_mse"] < untrained
    assert (tmp_path / "best.pt").exists() and (tmp_path / "log.jsonl").read_text().count("\n") == 1

    resumed = SortGANRun.load(tmp_path / "checkpoint.pt")
    assert resumed.history == history
    assert all(
        torch.equal(a, b) for a, b in zip(resumed.model.state_dict().values(), training.model.state_dict().values())
    )
    small = export_solver(tmp_path / "checkpoint.pt", tmp_path / "small.pt")
    solver, _ = load_solver(small)
    recovered, _ = solver.solve(shuffled[:10], labels[:10])
    assert is_permutation_of(recovered, shuffled[:10])
    with pytest.raises(JigsawError, match="cannot be resumed"):
        SortGANRun.load(small)


def test_bad_config():
    with pytest.raises(JigsawError, match="unknown input"):
        SortGANRun(SortGANConfig(input="reversed"))
    with pytest.raises(JigsawError, match="gradient clip"):
        SortGANRun(SortGANConfig(grad_clip=-1.0))
    with pytest.raises(JigsawError, match="EMA decay"):
        SortGANRun(SortGANConfig(ema=1.0))


def test_ema_follows_the_generator_by_its_decay(batch):
    training = SortGANRun(SortGANConfig(input="sorted", score_weight=100.0, ema=0.9))
    before = [p.clone() for p in training.ema.parameters()]
    train_step(
        training.model, training.opt_g, training.opt_d, *batch, random_permutations(64, 784, seed=0), training.config
    )
    training.update_ema()
    for average, old, weight in zip(training.ema.parameters(), before, training.model.generator.parameters()):
        assert torch.allclose(average, 0.9 * old + 0.1 * weight)
        assert not average.requires_grad
    assert training.solving_generator is training.ema


def test_an_ema_run_ships_the_average_and_resumes_exactly(tmp_path, dataset_root, mnist_test):
    config = lambda epochs: SortGANConfig(input="sorted", score_weight=100.0, lr=1e-3, ema=0.5, epochs=epochs,
                                          limit=256, validation=50)  # fmt: skip
    straight = SortGANRun(config(2))
    train(straight, tmp_path / "a", dataset_root)
    first = SortGANRun(config(1))
    train(first, tmp_path / "b", dataset_root)
    resumed = SortGANRun.load(tmp_path / "b" / "checkpoint.pt")
    resumed.config.epochs = 2
    train(resumed, tmp_path / "b", dataset_root)
    assert resumed.history == straight.history
    for a, b in ((straight.model, resumed.model), (straight.ema, resumed.ema)):
        assert all(torch.equal(x, y) for x, y in zip(a.state_dict().values(), b.state_dict().values()))

    solver, _ = load_solver(tmp_path / "b" / "checkpoint.pt")  # what `jigsaw solve --model` and export read
    shipped, average = solver.generator.state_dict(), resumed.ema.state_dict()
    assert all(torch.equal(shipped[name], average[name]) for name in average)
    trained = resumed.model.generator.state_dict()
    assert not all(torch.equal(shipped[name], trained[name]) for name in trained)
    shuffled, _ = shuffle_pixels(mnist_test[0][:20], seed=1)
    ours, _ = solver.solve(shuffled, mnist_test[1][:20])
    theirs, _ = resumed.model.solve(shuffled, mnist_test[1][:20], generator=resumed.ema)
    assert torch.equal(ours, theirs)


@pytest.mark.parametrize("clip", [0.0, 1e-3])
def test_grad_clip_bounds_the_generator_gradient(batch, clip):
    training = SortGANRun(SortGANConfig(input="sorted", score_weight=100.0, grad_clip=clip))
    train_step(
        training.model, training.opt_g, training.opt_d, *batch, random_permutations(64, 784, seed=0), training.config
    )
    norm = torch.nn.utils.get_total_norm([p.grad for p in training.model.generator.parameters()])
    assert (norm <= 1e-3 * 1.001) == bool(clip)  # unclipped, the regression term's gradient is far larger


def test_quantized_export_solves_almost_exactly_like_the_original(tmp_path, mnist_test):
    torch.manual_seed(0)
    training = SortGANRun(SortGANConfig(input="sorted"))
    training.save(tmp_path / "full.pt")
    small = export_solver(tmp_path / "full.pt", tmp_path / "small.pt")
    assert small.stat().st_size < 0.3 * (tmp_path / "full.pt").stat().st_size
    full, _ = load_solver(tmp_path / "full.pt")
    quantized, _ = load_solver(small)
    shuffled, _ = shuffle_pixels(mnist_test[0][:200], seed=0)
    a, _ = full.solve(shuffled, mnist_test[1][:200])
    b, _ = quantized.solve(shuffled, mnist_test[1][:200])
    assert (a - b).pow(2).mean() < 0.02 * a.pow(2).mean()


def test_a_conv_discriminator_sees_the_label_and_survives_export(tmp_path, mnist_test):
    from jigsaw.pixels.sortgan import ConvDiscriminator

    torch.manual_seed(0)
    critic = ConvDiscriminator()
    images = mnist_test[0][:8].flatten(1)
    zeros, ones = torch.zeros(8, dtype=torch.long), torch.ones(8, dtype=torch.long)
    with torch.no_grad():
        critic.embed.weight.normal_()
    assert critic(images, zeros).shape == (8,) and not torch.allclose(critic(images, zeros), critic(images, ones))
    training = SortGANRun(SortGANConfig(input="sorted", discriminator="conv"))
    training.save(tmp_path / "checkpoint.pt")
    solver, config = load_solver(export_solver(tmp_path / "checkpoint.pt", tmp_path / "small.pt"))
    assert solver.conv_discriminator and config["discriminator"] == "conv"
    shuffled, _ = shuffle_pixels(mnist_test[0][:5], seed=2)
    solver.guess_classes = None  # the discriminator's guess runs through the convolutions
    recovered, guessed = solver.solve(shuffled)
    assert is_permutation_of(recovered, shuffled) and guessed.shape == (5,)


def test_an_unknown_discriminator_is_refused():
    with pytest.raises(JigsawError, match="unknown discriminator 'gru'"):
        SortGANConfig(discriminator="gru").validate()
    with pytest.raises(JigsawError, match="unknown generator 'gru'"):
        SortGANConfig(generator="gru").validate()


def test_a_conv_generator_draws_every_position_and_survives_export(tmp_path, mnist_test):
    from jigsaw.pixels.sortgan import ConvGenerator

    torch.manual_seed(0)
    drawer = ConvGenerator()
    values = torch.rand(4, 794)
    scores = drawer(values)
    scores.sum().backward()
    assert scores.shape == (4, 784) and torch.isfinite(scores).all()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in drawer.parameters())  # every layer is used
    training = SortGANRun(SortGANConfig(input="sorted", generator="conv", ema=0.9))
    training.save(tmp_path / "checkpoint.pt")
    resumed = SortGANRun.load(tmp_path / "checkpoint.pt")
    assert isinstance(resumed.model.generator, ConvGenerator) and resumed.config.generator == "conv"
    solver, config = load_solver(export_solver(tmp_path / "checkpoint.pt", tmp_path / "small.pt"))
    assert isinstance(solver.generator, ConvGenerator) and config["generator"] == "conv"
    shuffled, labels = shuffle_pixels(mnist_test[0][:5], seed=2)[0], mnist_test[1][:5]
    recovered, _ = solver.solve(shuffled, labels)
    exact, _ = training.model.solve(shuffled, labels)
    assert is_permutation_of(recovered, shuffled)
    assert (recovered - exact).abs().gt(0).float().mean() < 0.1  # int8 weights barely move the order


def test_a_checkpoint_from_before_the_generator_options_loads_with_the_mlp(tmp_path):
    training = SortGANRun(SortGANConfig(input="sorted"))
    training.save(tmp_path / "checkpoint.pt")
    payload = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    del payload["config"]["generator"], payload["config"]["spectral_norm"]
    torch.save(payload, tmp_path / "old.pt")
    solver, _ = load_solver(tmp_path / "old.pt")
    assert isinstance(solver.generator, torch.nn.Sequential)  # the MLP


@pytest.mark.parametrize("discriminator", ["mlp", "conv"])
def test_spectral_norm_holds_each_critic_layer_at_one_and_survives_export(tmp_path, batch, discriminator):
    from torch.nn.utils.parametrize import is_parametrized

    training = SortGANRun(SortGANConfig(input="sorted", discriminator=discriminator, spectral_norm=True))
    for _ in range(3):  # the power iteration sharpens its estimate with every training forward pass
        train_step(
            training.model, training.opt_g, training.opt_d, *batch, random_permutations(64, 784, 0), training.config
        )
    layers = [m for m in training.model.discriminator.modules() if isinstance(m, (torch.nn.Linear, torch.nn.Conv2d))]
    assert layers and all(is_parametrized(m, "weight") for m in layers)
    training.model.eval().requires_grad_(False)
    for layer in layers:
        assert float(torch.linalg.matrix_norm(layer.weight.flatten(1), ord=2)) == pytest.approx(1.0, abs=0.1)
    training.save(tmp_path / "checkpoint.pt")
    resumed = SortGANRun.load(tmp_path / "checkpoint.pt")
    resumed.model.eval()  # in training mode every forward pass would take another power-iteration step
    with torch.no_grad():
        assert torch.equal(resumed.model.realism(*batch), training.model.realism(*batch))
    solver, config = load_solver(export_solver(tmp_path / "checkpoint.pt", tmp_path / "small.pt"))
    assert config["spectral_norm"] and torch.allclose(solver.realism(*batch), training.model.realism(*batch), atol=0.05)
