"""Promise: bad input is one line on stderr and exit code 2 — never a traceback — whatever the value's type."""

import pickle
import struct
import zlib

import numpy as np
import pytest
import torch
from PIL import Image

from jigsaw.pixels.sortgan import SortGANConfig, SortGANRun
from jigsaw.runs import MAX_SEED
from jigsaw.weights.run import IndexOptConfig, IndexOptRun
from tests.promises.helpers import damaged, one_line_error, photo, run, run_installed


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


def test_the_pixel_limit_is_configurable_and_read_as_ascii_digits(tmp_path, monkeypatch):
    image = tmp_path / "small.png"
    Image.fromarray(np.zeros((40, 50), np.uint8)).save(image)
    monkeypatch.setenv("JIGSAW_MAX_PIXELS", "1000")
    one_line_error(run("shuffle", image, tmp_path / "a.png"), "limit of 1,000")
    monkeypatch.setenv("JIGSAW_MAX_PIXELS", "2000")
    assert run("shuffle", image, tmp_path / "a.png").exit_code == 0
    for value in ("lots", "²", "9" * 5000):
        monkeypatch.setenv("JIGSAW_MAX_PIXELS", value)
        one_line_error(run("shuffle", image, tmp_path / "b.png"), "JIGSAW_MAX_PIXELS must be")
        one_line_error(run("solve", tmp_path, "--out", tmp_path / "solved"), "JIGSAW_MAX_PIXELS must be")
    assert not (tmp_path / "b.png").exists() and not (tmp_path / "solved").exists()


def test_an_error_inside_the_tile_solver_prints_no_progress_bar(tmp_path):
    image = tmp_path / "photo.png"
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(image)
    one_line_error(run("solve", image, "--mode", "tiles", "--tile", "1", "--out", tmp_path / "s.png"), "too small")


@pytest.mark.parametrize(
    "args",
    [
        ["shuffle", "{photo}", "{dir}/p.png", "--seed"],
        ["demo", "--out", "{dir}/d.png", "--seed"],
        ["evaluate", "--mode", "tiles", "--out", "{dir}/r", "--seed"],
        ["train", "index-opt", "--out", "{dir}/run", "--seed"],
        ["train", "sortgan", "--out", "{dir}/run", "--seed"],
    ],
)
@pytest.mark.parametrize("seed", [MAX_SEED + 1, 2**63, 1180591620717411303424, -1])
def test_seeds_outside_what_the_generators_take_are_refused(tmp_path, args, seed):
    photo(tmp_path / "photo.png")
    result = run(*(a.format(photo=tmp_path / "photo.png", dir=tmp_path) for a in args), seed)
    assert result.exit_code == 2 and "--seed" in result.output, result.output
    assert ("4294967295" if seed > 0 else "greater than or equal to 0") in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.png"]


def test_the_range_of_seeds_is_said_in_help():
    assert "4294967295" in run("shuffle", "--help").output


@pytest.mark.parametrize("grid", ["9" * 5000, "²x2", "4x٤"])
def test_grids_of_absurd_or_foreign_digits_are_one_line(tmp_path, grid):
    image = photo(tmp_path / "photo.png")
    one_line_error(
        run("shuffle", image, tmp_path / "p.png", "--mode", "tiles", "--grid", f"{grid}x4"), "is not ROWSxCOLS"
    )
    puzzle = tmp_path / "puzzle.png"
    from jigsaw.files import write_image

    write_image(torch.rand(3, 64, 64), puzzle, metadata={"jigsaw-mode": "tiles", "jigsaw-grid": f"{'1' * 100_000}x4"})
    one_line_error(run("solve", puzzle, "--out", tmp_path / "s.png"), "is not ROWSxCOLS")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["photo.png", "puzzle.png"]


@pytest.mark.parametrize(
    "command,message",
    [
        (["train", "index-opt", "--lr", "-1"], "--lr -1.0: it must be a positive finite number"),
        (["train", "index-opt", "--lr", "nan"], "--lr nan: it must be a positive finite number"),
        (["train", "classifier", "--lr", "nan"], "--lr nan: it must be a positive finite number"),
        (["train", "sortgan", "--lr", "inf"], "--lr inf: it must be a positive finite number"),
        (["train", "sortgan", "--lr", "0"], "--lr 0.0: it must be a positive finite number"),
    ],
)
def test_learning_rates_no_optimizer_takes_are_one_line(tmp_path, dataset_root, command, message):
    out = tmp_path / ("c.pt" if "classifier" in command else "run")
    one_line_error(run(*command, "--out", out, "--data-dir", dataset_root, "--limit", 64), message)
    assert not out.exists()


@pytest.fixture(scope="module")
def index_checkpoint(tmp_path_factory):
    path = tmp_path_factory.mktemp("run") / "checkpoint.pt"
    IndexOptRun(IndexOptConfig(epochs=1)).save(path)
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
    "lr NaN": (lambda p: p["config"].update(lr=float("nan")), "config lr = nan: it must be a positive finite number"),
    "limit 0": (lambda p: p["config"].update(limit=0), "config limit = 0: it must be at least 1"),
    "limit -1": (lambda p: p["config"].update(limit=-1), "config limit = -1: it must be at least 1"),
    "seed 2**70": (lambda p: p["config"].update(seed=2**70), f"config seed = {2**70}: it must be a whole number"),
    "scheduler's last epoch a string": (
        lambda p: p["meta"]["scheduler"].update(last_epoch="x"),
        "the scheduler state last_epoch = 'x' is not a int",
    ),
    "history value a string": (
        lambda p: p["meta"].update(history=[{"epoch": 1, "test_accuracy": "x"}]),
        "history record 1 has test_accuracy = 'x', not a number",
    ),
    "format a string": (lambda p: p.update(format="1"), "checkpoint format '1' is not supported (expected 1)"),
    "NaN weights": (lambda p: p["state_dict"]["fc3.bias"].fill_(float("nan")), "hold NaN or infinite values"),
}


@pytest.mark.parametrize("damage", INDEX_DAMAGE)
def test_damaged_index_checkpoints_are_one_line(tmp_path, index_checkpoint, damage):
    change, message = INDEX_DAMAGE[damage]
    path = damaged(tmp_path / "run", index_checkpoint, lambda p: None if damage == "format a string" else change(p))
    if damage == "format a string":  # save_checkpoint always writes the right format: change the file by hand
        payload = torch.load(path, weights_only=True)
        change(payload)
        torch.save(payload, path)
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
    model = damaged(tmp_path / "model", bundled_solver_path("mnist"), change)
    digit = tmp_path / "digit.png"
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(digit)
    one_line_error(run("solve", digit, "--model", model, "--out", tmp_path / "s.png"), message)
    assert not (tmp_path / "s.png").exists()


def test_a_sortgan_run_with_an_extra_config_key_does_not_resume(tmp_path):
    (tmp_path / "g").mkdir()
    SortGANRun(SortGANConfig(epochs=1)).save(tmp_path / "g" / "checkpoint.pt")
    path = damaged(tmp_path / "run", tmp_path / "g" / "checkpoint.pt", lambda p: p["config"].update(extra=1))
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


def test_an_existing_folder_as_an_image_output_is_told_so_once(tmp_path):
    image = photo(tmp_path / "photo.png")
    (tmp_path / "out.png").mkdir()
    for force in ([], ["--force"]):
        one_line_error(run("shuffle", image, tmp_path / "out.png", *force), "is a folder, not a file")


def test_a_file_given_as_the_classifiers_folder_is_named_as_a_file(tmp_path):
    digit = tmp_path / "digit.png"
    Image.fromarray(np.zeros((28, 28), np.uint8)).save(digit)
    result = run(
        "solve", digit, "--method", "classifier", "--classifiers", digit, "--label", 1, "--out", tmp_path / "s.png"
    )
    one_line_error(result, "is a file; --classifiers takes the folder written by `jigsaw train solver-nets`")


def test_the_installed_command_turns_usage_errors_into_one_line(tmp_path):
    result = run_installed("shuffle", "a.png", "b.png", "--seed", 2**70, cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.strip().count("\n") == 0, result.stderr
    assert "4294967295" in result.stderr and "Traceback" not in result.stderr
