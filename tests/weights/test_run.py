import json

import pytest
import torch

from jigsaw.errors import JigsawError
from jigsaw.permute import to_groups
from jigsaw.weights.run import IndexOptConfig, IndexOptRun, load_splits, train_run


def tiny(**overrides):
    return IndexOptConfig(**{"epochs": 2, "limit": 256, "seed": 0, **overrides})


@pytest.mark.slow
def test_resume_continues_exactly_where_it_stopped(tmp_path, dataset_root):
    straight = IndexOptRun(tiny())
    train_run(straight, tmp_path / "a", dataset_root)

    first = IndexOptRun(tiny(epochs=1))
    train_run(first, tmp_path / "b", dataset_root)
    resumed = IndexOptRun.load(tmp_path / "b" / "checkpoint.pt")
    resumed.config.epochs = 2
    train_run(resumed, tmp_path / "b", dataset_root)

    assert [r["test_accuracy"] for r in resumed.history] == [r["test_accuracy"] for r in straight.history]
    assert all(
        torch.equal(a, b) for a, b in zip(straight.model.state_dict().values(), resumed.model.state_dict().values())
    )
    log = [json.loads(line) for line in (tmp_path / "b" / "log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in log] == [1, 2]


def test_laperm_run_ends_each_epoch_on_a_permutation(tmp_path, dataset_root):
    run = IndexOptRun(tiny(ste=False, sync_every=7, granularity="kernel", epochs=1))
    train_run(run, tmp_path, dataset_root)
    for name, weight in run.model.state_dict().items():
        if weight.dim() >= 2:
            after, before = to_groups(weight, "kernel"), to_groups(run.initial_state[name], "kernel")
            assert torch.equal(after.sort(-1).values, before.sort(-1).values)


@pytest.mark.parametrize(
    "overrides,message",
    [
        ({"model": "vgg"}, "trains on cifar10"),
        ({"init": "zeros"}, "unknown init"),
        ({"granularity": "pixel"}, "unknown granularity"),
        ({"plain": True, "ste": False}, "do not combine"),
        ({"lr_decay": 0.95}, "--lr-decay must be at least 1"),
    ],
)
def test_bad_configs(overrides, message):
    with pytest.raises(JigsawError, match=message):
        IndexOptRun(tiny(**overrides))


def test_lr_decay_divides_the_learning_rate_once_per_epoch(tmp_path, dataset_root):
    run = IndexOptRun(tiny(lr=1e-3, lr_decay=1 / 0.95, limit=64))
    train_run(run, tmp_path, dataset_root)
    assert run.optimizer.param_groups[0]["lr"] == pytest.approx(1e-3 * 0.95**2)


def test_inputs_are_standardised_with_the_training_split_statistics(dataset_root):
    train, test = load_splits(tiny(), dataset_root)
    assert abs(float(train.images.mean())) < 1e-4 and abs(float(train.images.std()) - 1) < 1e-3
    assert abs(float(test.images.mean())) < 0.1  # same shift and scale, not the test split's own
    raw_train, _ = load_splits(tiny(normalize=False), dataset_root)
    assert 0 <= float(raw_train.images.min()) and float(raw_train.images.max()) <= 1


def test_checkpoints_from_before_normalize_and_shift_load_as_raw_pixel_runs(tmp_path, dataset_root):
    run = IndexOptRun(tiny(epochs=1, normalize=False, shift=0))
    train_run(run, tmp_path, dataset_root)
    payload = torch.load(tmp_path / "checkpoint.pt", weights_only=True)
    del payload["config"]["normalize"], payload["config"]["shift"]
    torch.save(payload, tmp_path / "old.pt")
    config = IndexOptRun.load(tmp_path / "old.pt").config
    assert config.normalize is False and config.shift == 0


def test_shift_changes_what_the_network_trains_on(tmp_path, dataset_root):
    weights = []
    for shift in (0, 2):
        run = IndexOptRun(tiny(epochs=1, shift=shift))
        train_run(run, tmp_path / str(shift), dataset_root)
        weights.append(run.model.conv1.weight.detach().clone())
    assert not torch.equal(*weights)


def test_amp_trains_in_bfloat16_and_keeps_every_multiset(tmp_path, dataset_root):
    exact, mixed = IndexOptRun(tiny(epochs=1, limit=1024)), IndexOptRun(tiny(epochs=1, limit=1024, amp=True))
    train_run(exact, tmp_path / "exact", dataset_root)
    train_run(mixed, tmp_path / "mixed", dataset_root)
    loss = lambda run: run.history[0]["train_loss"]
    assert mixed.optimizer.holds_permutations() and mixed.history[0]["test_accuracy"] > 0.25  # chance is 0.1
    assert loss(mixed) != loss(exact) and abs(loss(mixed) - loss(exact)) < 0.05 * loss(exact)  # bfloat16 forward
    assert IndexOptRun.load(tmp_path / "mixed" / "checkpoint.pt").config.amp


@pytest.mark.slow
def test_resnet34_trains_on_an_image_folder_and_resumes(tmp_path):
    from jigsaw.weights.run import with_folder_classes
    from tests.test_imagefolder import make_image_folder

    root = make_image_folder(tmp_path / "images", train_per_class=4, val_per_class=1)
    config = with_folder_classes(
        IndexOptConfig(model="resnet34", dataset="imagefolder", image_size=32, batch_size=4, epochs=1), root
    )
    assert config.classes == 2
    train_run(IndexOptRun(config), tmp_path / "run", root, workers=2)
    resumed = IndexOptRun.load(tmp_path / "run" / "checkpoint.pt")  # refuses weights that are not permutations
    resumed.config.epochs = 2
    train_run(resumed, tmp_path / "run", root)
    assert [r["epoch"] for r in resumed.history] == [1, 2] and resumed.model.fc.out_features == 2
