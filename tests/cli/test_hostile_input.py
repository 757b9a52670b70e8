"""Hostile and unusual input through the CLI: one line on stderr, exit code 2, nothing written, nothing lost."""

import os
import pickle
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image
from typer.testing import CliRunner

from jigsaw.checkpoint import load_checkpoint, save_checkpoint
from jigsaw.cli import app
from jigsaw.files import read_image
from jigsaw.weights.run import IndexOptConfig, IndexOptRun

runner = CliRunner()


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def one_line_error(result, text):
    assert result.exit_code == 2, result.output
    assert text in result.output, result.output
    assert result.output.strip().count("\n") == 0, result.output
    assert "Traceback" not in result.output and "Warning" not in result.output


def bomb_png(path, width, height, mode_byte=0, depth=8):
    """A tiny PNG whose header claims ``width x height`` pixels (its data is one empty row)."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, depth, mode_byte, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0")) + chunk(b"IEND", b"")
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("width,height,depth", [(60000, 60000, 8), (30000, 30000, 1), (20000, 20000, 8)])
@pytest.mark.parametrize(
    "command",
    [
        ["shuffle", "{bomb}", "{out}"],
        ["shuffle", "{bomb}", "{out}", "--mode", "tiles"],
        ["solve", "{bomb}", "--out", "{out}", "--mode", "tiles", "--grid", "2x2"],
        ["solve", "{bomb}", "--out", "{out}"],
    ],
)
def test_decompression_bombs_are_refused_by_their_claimed_size(tmp_path, width, height, depth, command):
    bomb = bomb_png(tmp_path / "bomb.png", width, height, depth=depth)
    out = tmp_path / "out.png"
    result = run(*(part.format(bomb=bomb, out=out) for part in command))
    one_line_error(result, f"claims to be {width}x{height} = {width * height:,} pixels")
    assert "JIGSAW_MAX_PIXELS" in result.output and not out.exists()


def test_the_pixel_limit_is_configurable(tmp_path, monkeypatch):
    image = tmp_path / "small.png"
    Image.fromarray(np.zeros((40, 50), np.uint8)).save(image)
    monkeypatch.setenv("JIGSAW_MAX_PIXELS", "1000")
    one_line_error(run("shuffle", image, tmp_path / "a.png"), "limit of 1,000")
    monkeypatch.setenv("JIGSAW_MAX_PIXELS", "2000")
    assert run("shuffle", image, tmp_path / "a.png").exit_code == 0
    monkeypatch.setenv("JIGSAW_MAX_PIXELS", "lots")
    one_line_error(run("shuffle", image, tmp_path / "b.png"), "JIGSAW_MAX_PIXELS must be")


def test_16_bit_grayscale_is_scaled_not_clipped(tmp_path):
    gradient = np.tile(np.linspace(0, 65535, 64).astype(np.uint16), (48, 1))
    image = tmp_path / "deep.png"
    Image.fromarray(gradient).save(image)
    read = read_image(image)
    assert torch.allclose(read[0], torch.from_numpy(gradient / 65535.0).float(), atol=1e-6)
    out = tmp_path / "tiles.png"
    assert run("shuffle", image, out, "--mode", "tiles", "--grid", "4x4").exit_code == 0
    shuffled = read_image(out)
    assert (shuffled == 1.0).float().mean() < 0.05  # clipped, 99.6 % was pure white
    solved = tmp_path / "solved.png"
    assert run("solve", out, "--out", solved, "--mode", "tiles").exit_code == 0
    assert torch.allclose(read_image(solved), read, atol=0.5 / 255 + 1e-6)  # 8-bit output of the same picture


def test_an_unwritable_folder_is_refused_before_any_work(tmp_path, monkeypatch):
    import jigsaw.files

    image = tmp_path / "photo.png"
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(image)
    locked = tmp_path / "locked"
    locked.mkdir()
    real_access = jigsaw.files.os.access
    writable = lambda path, mode: not (str(path) == str(locked) and mode & os.W_OK) and real_access(path, mode)
    monkeypatch.setattr(jigsaw.files.os, "access", writable)  # as a user without write permission (tests run as root)
    for args in (
        ["shuffle", image, locked / "p.png"],
        ["solve", image, "--mode", "tiles", "--grid", "2x2", "--out", locked / "s.png"],
        ["evaluate", "--mode", "tiles", "--images", tmp_path, "--out", locked / "report"],
        ["evaluate", "--out", locked, "--data-dir", tmp_path / "nothing"],
    ):
        one_line_error(run(*args), f"cannot write in folder {locked}: permission denied")
    assert list(locked.iterdir()) == [] and not (tmp_path / "nothing").exists()


def test_a_write_refused_by_the_system_is_one_line(tmp_path, monkeypatch):
    image = tmp_path / "photo.png"
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(image)

    def refuse(self, target):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "replace", refuse)
    result = run("shuffle", image, tmp_path / "p.png")
    monkeypatch.undo()
    one_line_error(result, "cannot write")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.png"]


def test_an_error_inside_the_tile_solver_prints_no_progress_bar(tmp_path):
    image = tmp_path / "photo.png"
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(image)
    one_line_error(run("solve", image, "--mode", "tiles", "--tile", "1", "--out", tmp_path / "s.png"), "too small")


def test_a_failed_download_leaves_no_folders_behind(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = run("evaluate", "--out", tmp_path / "report", "--data-dir", empty, "--method", "class-mean")
    one_line_error(result, "could not be downloaded")
    assert list(empty.iterdir()) == [] and not (tmp_path / "report").exists()


@pytest.mark.parametrize("command", [["shuffle", "{image}", "{same}"], ["solve", "{image}", "--out", "{same}"]])
def test_the_output_is_never_the_input_even_with_force(tmp_path, command):
    image = tmp_path / "photo.png"
    Image.fromarray(np.arange(64 * 64 * 3, dtype=np.uint8).reshape(64, 64, 3)).save(image)
    before = image.read_bytes()
    same = tmp_path / "." / "photo.png"
    result = run(*(part.format(image=image, same=same) for part in command), "--force", "--mode", "tiles")
    one_line_error(result, "is the input")
    assert image.read_bytes() == before


# ----------------------------------------------------------------------------------------------------------------
# Damaged checkpoints
# ----------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def index_checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("run") / "checkpoint.pt"
    IndexOptRun(IndexOptConfig(epochs=1)).save(path)
    return path


def damaged(tmp_path, source, change):
    payload = load_checkpoint(source, ("index-opt", "sortgan"))
    change(payload)
    path = tmp_path / "run" / "checkpoint.pt"
    path.parent.mkdir(exist_ok=True)
    save_checkpoint(path, payload["kind"], payload["config"], payload["state_dict"], payload["meta"])
    return path


INDEX_DAMAGE = {
    "optimizer removed": (lambda p: p["meta"].pop("optimizer"), "meta lacks 'optimizer'"),
    "optimizer emptied": (lambda p: p["meta"].update(optimizer={}), "the optimizer state does not fit"),
    "epochs not a number": (lambda p: p["config"].update(epochs="many"), "config epochs = 'many' is not of type int"),
    "unknown config key": (lambda p: p["config"].update(colour="red"), "unknown config key 'colour'"),
    "history damaged": (lambda p: p["meta"].update(history=[{"epoch": 7}]), "history record 1 is damaged"),
    "weights of another shape": (
        lambda p: p.update(state_dict={k: torch.zeros(2, 2) for k in p["state_dict"]}),
        "weights do not fit the model",
    ),
    "initial weights missing": (lambda p: p["meta"].pop("initial_state_dict"), "meta lacks 'initial_state_dict'"),
    "initial weights of another shape": (
        lambda p: p["meta"].update(initial_state_dict={k: torch.zeros(2, 2) for k in p["state_dict"]}),
        "initial weights do not fit the model",
    ),
    "weights not a permutation": (
        lambda p: p["state_dict"]["conv1.weight"].mul_(2),
        "not permutations of the initial weights",
    ),
    "latent of another shape": (
        lambda p: p["meta"]["optimizer"]["index"]["state"][0].update(latent=torch.zeros(3)),
        "the optimizer state does not fit",
    ),
}


@pytest.mark.parametrize("damage", INDEX_DAMAGE)
def test_damaged_index_checkpoints_are_one_line(tmp_path, index_checkpoint, damage):
    change, message = INDEX_DAMAGE[damage]
    path = damaged(tmp_path, index_checkpoint, change)
    one_line_error(run("train", "index-opt", "--out", path.parent, "--resume", "--data-dir", tmp_path), message)
    one_line_error(run("plot", "weights", path, "--out", tmp_path / "w.png"), message)
    assert not (tmp_path / "w.png").exists() and sorted(p.name for p in path.parent.iterdir()) == ["checkpoint.pt"]


SORTGAN_DAMAGE = {
    "int tensors": (
        lambda p: p["state_dict"].update({k: v.to(torch.int32) for k, v in p["state_dict"].items() if "bias" in k}),
        "not floating point",
    ),
    "int8 without scale": (
        lambda p: p.update(state_dict={k: v for k, v in p["state_dict"].items() if not k.endswith(".scale")}),
        "need int8 values and a float .scale entry",
    ),
    "a list instead of a tensor": (
        lambda p: p["state_dict"].update({"generator.0.bias": [0.0, 1.0]}),
        "is not a named tensor",
    ),
    "extra config key": (lambda p: p["config"].update(extra=1), "unknown config key 'extra'"),
}


@pytest.mark.parametrize("damage", SORTGAN_DAMAGE)
def test_damaged_sortgan_models_are_one_line(tmp_path, damage):
    from jigsaw.pixels.sortgan import bundled_solver_path

    change, message = SORTGAN_DAMAGE[damage]
    model = damaged(tmp_path, bundled_solver_path("mnist"), change)
    digit = tmp_path / "digit.png"
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(digit)
    one_line_error(run("solve", digit, "--model", model, "--out", tmp_path / "s.png"), message)
    assert not (tmp_path / "s.png").exists()


def test_a_sortgan_run_with_an_extra_config_key_does_not_resume(tmp_path):
    from jigsaw.pixels.sortgan import SortGANConfig, SortGANRun

    (tmp_path / "g").mkdir()
    SortGANRun(SortGANConfig(epochs=1)).save(tmp_path / "g" / "checkpoint.pt")
    path = damaged(tmp_path, tmp_path / "g" / "checkpoint.pt", lambda p: p["config"].update(extra=1))
    one_line_error(run("train", "sortgan", "--out", path.parent, "--resume"), "unknown config key 'extra'")


def test_a_raw_pickle_is_refused_without_warnings(tmp_path):
    path = tmp_path / "model.pt"
    path.write_bytes(pickle.dumps({"kind": "sortgan", "evil": object}))
    digit = tmp_path / "digit.png"
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(digit)
    one_line_error(run("solve", digit, "--model", path, "--out", tmp_path / "s.png"), "not a jigsaw checkpoint")


@pytest.mark.parametrize(
    "arrange, message",
    [
        (lambda root: None, "ImageFolder layout"),  # no folder at all
        (lambda root: (root / "train").mkdir(parents=True), "has no class folders"),
    ],
)
def test_a_missing_image_folder_is_one_line_and_writes_nothing(tmp_path, arrange, message):
    root, out = tmp_path / "imagenet", tmp_path / "run"
    arrange(root)
    command = ["train", "index-opt", "--model", "resnet34", "--dataset", "imagefolder", "--data-dir", root]
    one_line_error(run(*command, "--out", out, "--device", "cpu"), message)
    assert not out.exists()


def test_resnet34_on_digits_is_refused(tmp_path):
    one_line_error(run("train", "index-opt", "--model", "resnet34", "--out", tmp_path / "r"), "trains on imagefolder")


def test_a_puzzle_too_large_for_free_memory_is_one_line_and_writes_nothing(tmp_path, monkeypatch):
    from jigsaw.files import write_image as write
    from jigsaw.tiles import solver

    puzzle, out = tmp_path / "p.png", tmp_path / "s.png"
    write(torch.rand(3, 64, 64), puzzle, metadata={"jigsaw-mode": "tiles", "jigsaw-grid": "8x8"})
    monkeypatch.setattr(solver, "available_memory", lambda: 1000)  # bytes: not even these 64 tiles fit
    one_line_error(run("solve", puzzle, "--out", out), "64 tiles need about 0.0 GiB to solve")
    assert not out.exists()
