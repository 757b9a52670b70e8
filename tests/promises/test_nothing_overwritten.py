"""Promise: no input is ever overwritten, and no output without --force — not even by another run at the same time."""

import shutil

import numpy as np
import pytest
from PIL import Image

from jigsaw.errors import JigsawError
from jigsaw.runs import claimed_folder
from tests.promises.helpers import one_line_error, photo, run


@pytest.mark.parametrize("command", [["shuffle", "{image}", "{same}"], ["solve", "{image}", "--out", "{same}"]])
def test_the_output_is_never_the_input_even_with_force(tmp_path, command):
    image = photo(tmp_path / "photo.png")
    before = image.read_bytes()
    same = tmp_path / "." / "photo.png"
    result = run(*(part.format(image=image, same=same) for part in command), "--force", "--mode", "tiles")
    one_line_error(result, "is the input")
    assert image.read_bytes() == before


def test_evaluate_never_writes_over_its_images(tmp_path):
    images = tmp_path / "EV"
    images.mkdir()
    photo(images / "a.png")
    photo(images / "a-solution.png", (96, 64))
    before = (images / "a-solution.png").read_bytes()
    one_line_error(
        run("evaluate", "--mode", "tiles", "--images", images, "--out", images, "--tile", 32, "--force"),
        "is the image folder",
    )
    report = tmp_path / "report"
    report.mkdir()
    (report / "a-solution.png").symlink_to(images / "a-solution.png")
    result = run("evaluate", "--mode", "tiles", "--images", images, "--out", report, "--tile", 32, "--force")
    one_line_error(result, "is the input")
    assert (images / "a-solution.png").read_bytes() == before


def test_images_of_the_same_stem_get_a_picture_each(tmp_path):
    images = tmp_path / "images"
    images.mkdir()
    photo(images / "b.png")
    Image.fromarray(np.full((64, 64, 3), 90, np.uint8)).save(images / "b.jpg")
    out = tmp_path / "report"
    result = run("evaluate", "--mode", "tiles", "--images", images, "--out", out, "--tile", 32)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == ["b-jpg-solution.png", "b-png-solution.png", "metrics.json"]


def test_training_never_writes_over_its_data(tmp_path, dataset_root):
    data = tmp_path / "data"
    shutil.copytree(dataset_root, data)
    labels = data / "MNIST" / "raw" / "train-labels-idx1-ubyte.gz"
    before = labels.read_bytes()
    for command in (
        ["train", "classifier", "--out", labels, "--force"],
        ["train", "index-opt", "--out", data / "MNIST" / "raw", "--force"],
        ["train", "solver-nets", "--out", data / "MNIST", "--force"],
    ):
        one_line_error(run(*command, "--data-dir", data, "--limit", 64, "--epochs", 1), "inside the training data")
    assert labels.read_bytes() == before and not (data / "MNIST" / "raw" / "checkpoint.pt").exists()


def test_a_folder_holding_only_a_best_checkpoint_and_preview_is_not_replaced(tmp_path, dataset_root):
    out = tmp_path / "keepbest"
    out.mkdir()
    (out / "best.pt").write_bytes(b"my best model")
    (out / "grid.png").write_bytes(b"my picture")
    result = run("train", "sortgan", "--out", out, "--epochs", 1, "--limit", 64, "--data-dir", dataset_root)
    one_line_error(result, "already holds a run")
    assert (out / "best.pt").read_bytes() == b"my best model" and (out / "grid.png").read_bytes() == b"my picture"


@pytest.mark.parametrize("trainer", ["index-opt", "sortgan"])
def test_a_second_training_on_a_folder_in_use_is_refused(tmp_path, dataset_root, trainer):
    out = tmp_path / "run"
    with claimed_folder(out):  # the first training, still running
        (out / "log.jsonl").write_text("first run's log\n")
        result = run(
            "train", trainer, "--out", out, "--force", "--epochs", 1, "--limit", 64, "--data-dir", dataset_root
        )
        one_line_error(result, "is in use by another training")
        assert sorted(p.name for p in out.iterdir()) == [".lock", "log.jsonl"]
        assert (out / "log.jsonl").read_text() == "first run's log\n"
    assert sorted(p.name for p in out.iterdir()) == ["log.jsonl"]  # the first run's end releases the folder
    with claimed_folder(out):
        pass  # and another may take it


def test_the_lock_is_released_when_a_training_fails(tmp_path):
    with pytest.raises(RuntimeError), claimed_folder(tmp_path / "run"):
        raise RuntimeError("the training broke")
    assert not (tmp_path / "run").exists()  # created by the claim, left empty: taken back
    with claimed_folder(tmp_path / "run"):
        with pytest.raises(JigsawError, match="in use"), claimed_folder(tmp_path / "run"):
            pass


class Killed(BaseException):
    """Stands for kill -9 in the middle of the training."""


def test_a_solver_nets_training_stopped_halfway_leaves_the_old_nets_whole(tmp_path, dataset_root, monkeypatch):
    from jigsaw.pixels import classifier_solver
    from jigsaw.pixels.classifier_solver import BAG_FILES, load_solver_nets, train_solver_nets

    nets = tmp_path / "nets"
    train_solver_nets("mnist", nets, epochs=1, member_epochs=1, data_root=dataset_root, limit=64)
    before = {name: (nets / name).read_bytes() for name in BAG_FILES}

    def killed(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(classifier_solver, "train_discriminator", killed)
    with pytest.raises(Killed):
        train_solver_nets("mnist", nets, seed=5, epochs=1, member_epochs=1, data_root=dataset_root, limit=64)
    assert {name: (nets / name).read_bytes() for name in BAG_FILES} == before
    load_solver_nets(nets)  # still one set


def test_nets_of_different_trainings_are_refused(tmp_path, dataset_root):
    from jigsaw.pixels.classifier_solver import BAG_FILES, load_solver_nets, train_solver_nets

    first, second = tmp_path / "first", tmp_path / "second"
    for folder in (first, second):
        train_solver_nets("mnist", folder, epochs=1, member_epochs=1, data_root=dataset_root, limit=64)
    shutil.copy(second / BAG_FILES[0], first / BAG_FILES[0])  # what a killed --force run used to leave
    with pytest.raises(JigsawError, match="come from different trainings"):
        load_solver_nets(first)
    digit = tmp_path / "digit.png"
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(digit)
    result = run(
        "solve", digit, "--method", "classifier", "--classifiers", first, "--label", 1, "--out", tmp_path / "s.png"
    )
    one_line_error(result, "come from different trainings")
    assert not (tmp_path / "s.png").exists()
