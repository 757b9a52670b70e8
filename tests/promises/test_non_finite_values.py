"""Promise: NaN and infinity never pass silently — not in pixels, weights, options or a training's losses."""

import numpy as np
import pytest
import torch
from PIL import Image

from jigsaw.pixels.sortgan import bundled_solver_path
from tests.promises.helpers import damaged, error_after_work, one_line_error, run


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_a_float_image_with_a_non_finite_pixel_is_refused(tmp_path, bad):
    pixels = np.random.default_rng(0).random((64, 64)).astype(np.float32)
    pixels[3, 5] = bad
    image = tmp_path / "float.tif"
    Image.fromarray(pixels, "F").save(image)
    for command in (["shuffle", image, tmp_path / "p.png"], ["solve", image, "--out", tmp_path / "p.png"]):
        one_line_error(run(*command), "has NaN or infinite pixels")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["float.tif"]


def non_finite(value):
    def change(payload):
        weights = next(k for k, v in payload["state_dict"].items() if v.is_floating_point() and v.dim() == 1)
        payload["state_dict"][weights][0] = value

    return change


@pytest.mark.parametrize("value", [float("nan"), float("inf")])
def test_a_sortgan_model_with_non_finite_weights_is_refused(tmp_path, value):
    model = damaged(tmp_path / "model", bundled_solver_path("mnist"), non_finite(value))
    digit = tmp_path / "digit.png"
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(digit)
    one_line_error(run("solve", digit, "--model", model, "--out", tmp_path / "s.png"), "hold NaN or infinite values")
    assert not (tmp_path / "s.png").exists()


def test_a_judge_with_nan_weights_is_refused(tmp_path):
    from jigsaw.pixels.judges import bundled_judge_path

    judge = damaged(tmp_path / "judge", bundled_judge_path("mnist"), non_finite(float("nan")), kinds="classifier")
    result = run("evaluate", "--judge", judge, "--method", "shuffled", "--limit", 10, "--out", tmp_path / "r")
    assert result.exit_code == 2 and "hold NaN or infinite values" in result.output, result.output
    assert "Traceback" not in result.output and not (tmp_path / "r").exists()


def test_solver_nets_with_nan_weights_are_refused(tmp_path, dataset_root):
    from jigsaw.pixels.classifier_solver import BAG_FILES, train_solver_nets

    nets = tmp_path / "nets"
    train_solver_nets("mnist", nets, epochs=1, member_epochs=1, data_root=dataset_root, limit=64)
    path = nets / BAG_FILES[1]
    damaged(tmp_path / "copy", path, non_finite(float("nan")), kinds="classifier").replace(path)
    digit = tmp_path / "digit.png"
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(digit)
    result = run(
        "solve", digit, "--method", "classifier", "--classifiers", nets, "--label", 3, "--out", tmp_path / "s.png"
    )
    one_line_error(result, "hold NaN or infinite values")


@pytest.mark.parametrize("trainer", ["index-opt", "sortgan"])
def test_a_training_whose_loss_is_not_finite_stops_and_keeps_the_last_finite_epoch(
    tmp_path, dataset_root, monkeypatch, trainer
):
    out = tmp_path / "run"
    common = ["--limit", 64, "--data-dir", dataset_root, "--out", out]
    assert run("train", trainer, "--epochs", 1, *common).exit_code == 0
    kept = (out / "checkpoint.pt").read_bytes()
    monkeypatch.setattr(torch.nn.functional, "mse_loss", lambda *a, **k: torch.tensor(float("nan"), requires_grad=True))
    monkeypatch.setattr(
        torch.nn.functional, "cross_entropy", lambda *a, **k: torch.tensor(float("nan"), requires_grad=True)
    )
    result = run("train", trainer, "--epochs", 2, "--resume", *common)
    error_after_work(result, "is nan: the run stopped and its checkpoint keeps epoch 1")
    assert (out / "checkpoint.pt").read_bytes() == kept
    assert len((out / "log.jsonl").read_text().splitlines()) == 1
