"""Promise: an option the user gives is used, or refused in one line — never silently ignored."""

import numpy as np
import torch
from PIL import Image

from jigsaw.files import read_image, write_image
from jigsaw.tiles.grid import cut, shuffle_and_turn_tiles
from tests.promises.helpers import one_line_error, run


def test_rotations_apply_to_every_puzzle_of_a_folder(tmp_path):
    from skimage import data as samples

    picture = torch.from_numpy(samples.astronaut()[::4, ::4].copy()).permute(2, 0, 1).float() / 255  # 128x128
    shuffled, _, _ = shuffle_and_turn_tiles(picture, 4, 4, seed=3, turn=True)
    folder = tmp_path / "puzzles"
    folder.mkdir()
    write_image(shuffled, folder / "turned.png", metadata={"jigsaw-mode": "tiles", "jigsaw-grid": "4x4"})  # no key
    alone, together = tmp_path / "alone.png", tmp_path / "out"
    assert run("solve", folder / "turned.png", "--out", alone, "--rotations").exit_code == 0
    result = run("solve", folder, "--out", together, "--rotations")
    assert result.exit_code == 0, result.output
    assert torch.equal(read_image(together / "turned.png"), read_image(alone))
    eight_bit = (picture * 255).round() / 255
    assert torch.equal(read_image(alone), eight_bit)
    assert len(cut(read_image(alone), 4, 4)) == 16


def test_a_label_for_a_tile_puzzle_is_refused(tmp_path):
    puzzle = tmp_path / "tiles.png"
    write_image(torch.rand(3, 64, 64), puzzle, metadata={"jigsaw-mode": "tiles", "jigsaw-grid": "2x2"})
    one_line_error(run("solve", puzzle, "--out", tmp_path / "s.png", "--label", 3), "is a tile puzzle")
    assert not (tmp_path / "s.png").exists()


def test_seeds_beyond_32_bits_are_refused_not_folded_onto_small_ones(tmp_path):
    image = tmp_path / "photo.png"
    Image.fromarray((np.arange(64 * 64 * 3) % 251).astype(np.uint8).reshape(64, 64, 3)).save(image)
    result = run("shuffle", image, tmp_path / "p.png", "--mode", "tiles", "--seed", 4294967296)
    assert result.exit_code == 2 and not (tmp_path / "p.png").exists()


def test_a_resumed_run_refuses_settings_that_differ_from_its_record(tmp_path, dataset_root):
    out = tmp_path / "run"
    common = ["--out", out, "--limit", 64, "--data-dir", dataset_root]
    assert run("train", "index-opt", "--epochs", 1, *common).exit_code == 0
    before = (out / "checkpoint.pt").read_bytes()
    for changed, message in (
        (["--lr", 0.01], "--lr 0.01 differs from the run's recorded 0.001"),
        (["--model", "conv7"], "--model conv7 differs from the run's recorded 'lenet5'"),
        (["--dataset", "fashion-mnist"], "--dataset fashion-mnist differs"),
        (["--granularity", "kernel"], "--granularity kernel differs from the run's recorded 'layer'"),
    ):
        one_line_error(run("train", "index-opt", "--epochs", 2, "--resume", *changed, *common), message)
    assert (out / "checkpoint.pt").read_bytes() == before
    same = run("train", "index-opt", "--epochs", 2, "--resume", "--lr", 0.001, *common)  # the recorded value
    assert same.exit_code == 0, same.output


def test_a_resumed_sortgan_run_refuses_a_changed_learning_rate(tmp_path, dataset_root):
    out = tmp_path / "run"
    common = ["--out", out, "--limit", 64, "--data-dir", dataset_root]
    assert run("train", "sortgan", "--epochs", 1, *common).exit_code == 0
    one_line_error(run("train", "sortgan", "--epochs", 2, "--resume", "--lr", 1e-4, *common), "--lr 0.0001 differs")
