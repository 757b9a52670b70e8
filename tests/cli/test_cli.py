import re

import pytest
import torch
from skimage import data as skdata
from typer.testing import CliRunner

from jigsaw.cli import app
from jigsaw.figures import layout_for, read_cell
from jigsaw.files import read_image, read_metadata, write_image
from jigsaw.tiles.grid import cut

runner = CliRunner()


@pytest.fixture
def photo(tmp_path):
    """A real photograph (scikit-image's astronaut, 512x512 RGB) saved as PNG."""
    path = tmp_path / "astronaut.png"
    write_image(torch.from_numpy(skdata.astronaut()).permute(2, 0, 1).float() / 255, path)
    return path


def run(*args):
    return runner.invoke(app, [str(a) for a in args])


def sorted_pixels(image):
    return sorted(map(tuple, image.flatten(1).t().tolist()))


def test_shuffle_pixels_of_a_photo(photo, tmp_path):
    out = tmp_path / "shuffled.png"
    result = run("shuffle", photo, out, "--mode", "pixels", "--seed", "0")
    assert result.exit_code == 0, result.output
    original, shuffled = read_image(photo), read_image(out)
    assert shuffled.shape == original.shape and not torch.equal(shuffled, original)
    assert sorted_pixels(shuffled) == sorted_pixels(original)  # same pixels, colours kept together
    assert read_metadata(out) == {"jigsaw-mode": "pixels"}


def test_shuffle_is_reproducible(photo, tmp_path):
    for name, seed in [("a.png", 1), ("b.png", 1), ("c.png", 2)]:
        assert run("shuffle", photo, tmp_path / name, "--seed", seed).exit_code == 0
    a, b, c = (read_image(tmp_path / n) for n in ("a.png", "b.png", "c.png"))
    assert torch.equal(a, b) and not torch.equal(a, c)


@pytest.mark.parametrize("option", [["--grid", "4x4"], ["--tile", "128"]])
def test_shuffle_tiles_of_a_photo(photo, tmp_path, option):
    out = tmp_path / "tiles.png"
    result = run("shuffle", photo, out, "--mode", "tiles", *option)
    assert result.exit_code == 0, result.output
    original, shuffled = read_image(photo), read_image(out)
    tiles_of = lambda image: sorted(tile.flatten().tolist() for tile in cut(image, 4, 4))
    assert tiles_of(shuffled) == tiles_of(original) and not torch.equal(shuffled, original)
    assert read_metadata(out)["jigsaw-grid"] == "4x4"


def test_shuffle_tiles_with_crop_keeps_the_centre(photo, tmp_path):
    out = tmp_path / "tiles.png"
    assert run("shuffle", photo, out, "--mode", "tiles", "--tile", "100").exit_code == 2  # 512 is no multiple of 100
    result = run("shuffle", photo, out, "--mode", "tiles", "--tile", "100", "--crop")
    assert result.exit_code == 0, result.output
    shuffled, centre = read_image(out), read_image(photo)[:, 6:506, 6:506]
    tiles_of = lambda image: sorted(tile.flatten().tolist() for tile in cut(image, 5, 5))
    assert shuffled.shape == (3, 500, 500) and tiles_of(shuffled) == tiles_of(centre)
    refused = run("shuffle", photo, tmp_path / "x.png", "--mode", "tiles", "--grid", "3x3")
    assert refused.exit_code == 2 and "add --crop to centre-crop it to 510x510" in refused.output
    assert not (tmp_path / "x.png").exists()


def test_a_grid_with_crop_keeps_the_largest_centre(tmp_path):
    photo = tmp_path / "photo.png"
    picture = torch.rand(3, 300, 451, generator=torch.Generator().manual_seed(0))
    write_image(picture, photo)
    out = tmp_path / "tiles.png"
    result = run("shuffle", photo, out, "--mode", "tiles", "--grid", "4x4", "--crop")
    assert result.exit_code == 0, result.output
    shuffled, centre = read_image(out), read_image(photo)[:, :, 1:449]  # 451 -> 448 columns, rows already fit
    tiles_of = lambda image: sorted(tile.flatten().tolist() for tile in cut(image, 4, 4))
    assert shuffled.shape == (3, 300, 448) and tiles_of(shuffled) == tiles_of(centre)
    solved = tmp_path / "solved.png"
    assert run("solve", out, "--out", solved).exit_code == 0  # the mode and grid come from the puzzle's metadata


def test_a_jpeg_puzzle_is_written_with_a_warning(photo, tmp_path):
    import subprocess
    import sys

    out = tmp_path / "p.jpg"
    command = [sys.executable, "-m", "jigsaw", "shuffle", str(photo), str(out), "--mode", "tiles"]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0 and out.exists()
    assert "warning: .jpg is lossy" in result.stderr and result.stderr.count("\n") == 1


def test_a_jpeg_puzzle_solves_back_to_the_photo(photo, tmp_path):
    puzzle, solved = tmp_path / "p.jpg", tmp_path / "solved.png"
    assert run("shuffle", photo, puzzle, "--mode", "tiles", "--tile", "32").exit_code == 0
    result = run("solve", puzzle, "--out", solved, "--tile", "32")
    assert result.exit_code == 0, result.output
    # every tile back in place: what differs from the photo is JPEG's error, not a misplaced tile
    assert (read_image(solved) - read_image(photo)).abs().mean() < 0.02


def test_a_wrong_grid_is_solved_with_a_warning(photo, tmp_path):
    import subprocess
    import sys

    puzzle = tmp_path / "p.png"
    assert run("shuffle", photo, puzzle, "--mode", "tiles", "--grid", "8x8").exit_code == 0
    right = run("solve", puzzle, "--out", tmp_path / "right.png")
    assert right.exit_code == 0 and "warning" not in right.output
    assert float(re.search(r"confidence (\d\.\d\d)", right.output).group(1)) > 0.8
    wrong = [sys.executable, "-m", "jigsaw", "solve", str(puzzle), "--out", str(tmp_path / "w.png"), "--grid", "4x4"]
    result = subprocess.run(wrong, capture_output=True, text=True)
    assert result.returncode == 0 and "warning: only" in result.stderr and "--grid" in result.stderr


def test_shuffle_an_mnist_digit(mnist_test, tmp_path):
    digit = tmp_path / "digit.png"
    write_image(mnist_test[0][0], digit)
    out = tmp_path / "digit_shuffled.png"
    assert run("shuffle", digit, out).exit_code == 0
    shuffled = read_image(out)
    assert shuffled.shape == (1, 28, 28)
    assert torch.equal(shuffled.flatten().sort().values, read_image(digit).flatten().sort().values)


def test_refuses_to_overwrite_without_force(photo, tmp_path):
    out = tmp_path / "out.png"
    out.write_bytes(b"keep me")
    result = run("shuffle", photo, out)
    assert result.exit_code == 2 and "--force" in result.output
    assert out.read_bytes() == b"keep me"
    assert run("shuffle", photo, out, "--force").exit_code == 0
    assert read_image(out).shape == (3, 512, 512)


ERROR_CASES = [
    (["missing.png"], "no such file"),
    (["FOLDER"], "is a folder, not an image file"),
    (["notes.txt"], "not a readable image"),
    (["PHOTO", "--mode", "tiles", "--grid", "0x0"], "at least one row"),
    (["PHOTO", "--mode", "tiles", "--grid", "3x3"], "does not divide"),
    (["PHOTO", "--mode", "tiles", "--tile", "100"], "does not divide"),
    (["PHOTO", "--mode", "tiles", "--tile", "1024"], "larger than"),
    (["PHOTO", "--mode", "tiles", "--grid", "2x2", "--tile", "8"], "not both"),
    (["PHOTO", "--grid", "2x2"], "only apply to --mode tiles"),
]


@pytest.mark.parametrize("args,message", ERROR_CASES)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(photo, tmp_path, args, message):
    (tmp_path / "notes.txt").write_text("hello")
    named = {"PHOTO": str(photo), "FOLDER": str(tmp_path)}
    args = [named.get(a) or (str(tmp_path / a) if a.endswith((".png", ".txt")) else a) for a in args]
    out = tmp_path / "out.png"
    result = runner.invoke(app, ["shuffle", args[0], str(out), *args[1:]])
    assert result.exit_code == 2
    assert message in result.output
    assert result.output.strip().count("\n") == 0 and "Traceback" not in result.output
    assert not out.exists()


def test_unsupported_output_type(photo, tmp_path):
    result = run("shuffle", photo, tmp_path / "out.gif")
    assert result.exit_code == 2 and "unsupported image type" in result.output
    assert not (tmp_path / "out.gif").exists()


@pytest.mark.slow
def test_evaluate_writes_table_json_grid_and_refuses_to_overwrite(tmp_path, dataset_root):
    import json

    out = tmp_path / "report"
    args = [
        "evaluate",
        "--out",
        out,
        "--limit",
        200,
        "--seed",
        0,
        "--data-dir",
        dataset_root,
        "--method",
        "shuffled",
        "--method",
        "knn-1",
    ]
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "knn-1" in result.output and "PSNR" in result.output
    report = json.loads((out / "metrics.json").read_text())
    assert report["images"] == 200 and set(report["results"]) == {"original", "shuffled", "knn-1"}
    assert report["results"]["knn-1"]["psnr"] > report["results"]["shuffled"]["psnr"] + 2
    grid = read_image(out / "grid.png")
    assert grid.shape == (1, *layout_for([torch.zeros(10, 1, 28, 28)] * 3).size())  # original, shuffled, knn-1
    before = (out / "metrics.json").read_bytes()
    again = run(*args)
    assert again.exit_code == 2 and "--force" in again.output
    assert (out / "metrics.json").read_bytes() == before
    assert run(*args, "--force").exit_code == 0


def test_evaluate_rejects_unknown_method(tmp_path):
    result = run("evaluate", "--out", tmp_path / "r", "--method", "magic")
    assert result.exit_code == 2 and "unknown method 'magic'" in result.output
    assert not (tmp_path / "r").exists()


@pytest.mark.slow
def test_train_index_opt_resume_and_plot(tmp_path, dataset_root):
    out = tmp_path / "run"
    common = ["--out", out, "--limit", 256, "--data-dir", dataset_root, "--granularity", "kernel"]
    assert run("train", "index-opt", *common, "--epochs", 1).exit_code == 0
    again = run("train", "index-opt", *common, "--epochs", 1)
    assert again.exit_code == 2 and "--resume" in again.output
    resumed = run("train", "index-opt", *common, "--epochs", 2, "--resume")
    assert resumed.exit_code == 0, resumed.output
    assert len((out / "log.jsonl").read_text().splitlines()) == 2

    hist = tmp_path / "hist.png"
    result = run("plot", "weights", out / "checkpoint.pt", "--out", hist)
    assert result.exit_code == 0 and read_image(hist).shape[0] == 3
    assert run("plot", "weights", out / "checkpoint.pt", "--out", hist).exit_code == 2  # no overwrite


@pytest.fixture
def restore_threads():
    threads = torch.get_num_threads()
    yield
    torch.set_num_threads(threads)


def test_train_threads_fixes_the_thread_count_and_the_run_repeats_exactly(tmp_path, dataset_root, restore_threads):
    logs = []
    for name in ("a", "b"):
        result = run(
            "train",
            "--threads",
            1,
            "index-opt",
            "--out",
            tmp_path / name,
            "--limit",
            256,
            "--epochs",
            1,
            "--data-dir",
            dataset_root,
        )
        assert result.exit_code == 0, result.output
        assert torch.get_num_threads() == 1
        logs.append((tmp_path / name / "log.jsonl").read_text())
    assert logs[0] == logs[1]
    assert run("train", "--threads", 0, "index-opt", "--out", tmp_path / "c").exit_code == 2


def test_plot_rejects_a_classifier_checkpoint(tmp_path):
    from jigsaw.pixels.judges import bundled_judge_path

    result = run("plot", "weights", bundled_judge_path("mnist"), "--out", tmp_path / "h.png")
    assert result.exit_code == 2 and "expected 'index-opt'" in result.output


def test_shuffle_then_solve_tiles_round_trip(photo, tmp_path):
    puzzle, solved = tmp_path / "puzzle.png", tmp_path / "solved.png"
    assert run("shuffle", photo, puzzle, "--mode", "tiles", "--grid", "4x4", "--seed", 3).exit_code == 0
    result = run("solve", puzzle, "--mode", "tiles", "--out", solved)  # grid read from the PNG's metadata
    assert result.exit_code == 0, result.output
    assert torch.equal(read_image(solved), read_image(photo))


@pytest.mark.parametrize(
    "args,message",
    [
        (["--tile", "100"], "does not divide"),
        (["--tile", "1024"], "larger than"),
        (["--tile", "1"], "too small to solve"),
        ([], "cannot tell the tile size"),  # an unshuffled photo that records no grid: no seams to find
    ],
)
def test_solve_tiles_errors(photo, tmp_path, args, message):
    out = tmp_path / "solved.png"
    result = run("solve", photo, "--mode", "tiles", "--out", out, *args)
    assert result.exit_code == 2 and message in result.output and not out.exists()


def test_solve_rejects_non_images(tmp_path):
    (tmp_path / "notes.png").write_text("hello")
    result = run("solve", tmp_path / "notes.png", "--mode", "tiles", "--grid", "2x2", "--out", tmp_path / "s.png")
    assert result.exit_code == 2 and "not a readable image" in result.output


def test_evaluate_tiles_on_a_folder(tmp_path):
    folder = tmp_path / "photos"
    folder.mkdir()
    y, x = torch.meshgrid(torch.linspace(0, 1, 64), torch.linspace(0, 1, 96), indexing="ij")
    image = torch.stack([x, y, (x * y) ** 0.5])
    write_image(image, folder / "gradient.png")
    out = tmp_path / "report"
    result = run("evaluate", "--mode", "tiles", "--images", folder, "--tile", 16, "--out", out)
    assert result.exit_code == 0, result.output
    import json

    rows = json.loads((out / "metrics.json").read_text())["results"]
    assert rows[0]["tiles"] == 24 and rows[0]["neighbour"] == 1.0
    assert rows[0]["arrangement"] == list(range(24))  # solved exactly: every cell shows its own tile
    assert run("evaluate", "--mode", "tiles", "--images", folder, "--tile", 16, "--out", out).exit_code == 2


@pytest.fixture(scope="module")
def small_sortgan(tmp_path_factory):
    """An untrained sortGAN exported like the shipped ones (the CLI plumbing does not depend on training)."""
    from jigsaw.pixels.sortgan import SortGANConfig, SortGANRun, export_solver

    folder = tmp_path_factory.mktemp("sortgan")
    SortGANRun(SortGANConfig(input="sorted")).save(folder / "checkpoint.pt")
    return export_solver(folder / "checkpoint.pt", folder / "small.pt")


@pytest.fixture
def shuffled_digit(mnist_test, tmp_path):
    digit, puzzle = tmp_path / "digit.png", tmp_path / "puzzle.png"
    write_image(mnist_test[0][0], digit)
    assert run("shuffle", digit, puzzle, "--seed", 5).exit_code == 0
    return puzzle


@pytest.mark.parametrize("label", [["--label", "7"], []])
def test_solve_pixels_writes_a_permutation_of_the_puzzle(small_sortgan, shuffled_digit, tmp_path, label):
    out = tmp_path / "recovered.png"
    result = run("solve", shuffled_digit, "--model", small_sortgan, "--out", out, *label)
    assert result.exit_code == 0, result.output
    assert ("guessed" in result.output) == (not label)
    recovered, puzzle = read_image(out), read_image(shuffled_digit)
    assert torch.equal(recovered.flatten().sort().values, puzzle.flatten().sort().values)


def test_solve_pixels_errors(small_sortgan, shuffled_digit, photo, tmp_path):
    from jigsaw.pixels.judges import bundled_judge_path

    out = tmp_path / "recovered.png"
    cases = [
        (["solve", photo, "--model", small_sortgan], "28x28 grayscale"),
        (["solve", shuffled_digit, "--model", bundled_judge_path("mnist")], "expected 'sortgan'"),
        (["solve", shuffled_digit, "--model", small_sortgan, "--label", "10"], "from 0 to 9, got 10"),
        (["solve", tmp_path / "missing.png", "--model", small_sortgan], "no such file"),
        (["solve", shuffled_digit, "--model", tmp_path / "none.pt"], "no such checkpoint"),
    ]
    for args, message in cases:
        result = run(*args, "--out", out)
        assert result.exit_code == 2 and message in result.output, (args, result.output)
        assert result.output.strip().count("\n") == 0 and not out.exists()


@pytest.mark.parametrize("dataset", ["mnist", "fashion-mnist"])
def test_demo_runs_on_the_bundled_model_and_samples(tmp_path, dataset):
    from jigsaw.pixels.sortgan import bundled_samples

    out = tmp_path / "demo.png"
    result = run("demo", "--dataset", dataset, "--out", out)
    assert result.exit_code == 0, result.output
    grid = read_image(out)
    layout = layout_for([torch.zeros(10, 1, 28, 28)] * 3)
    assert grid.shape == (1, *layout.size()) and layout.scale == 3  # digits shown 84 pixels tall, under titles
    cells = lambda column: torch.stack([read_cell(grid, layout, row, column)[0] for row in range(10)])
    originals, shuffled, recovered = cells(0), cells(1), cells(2)
    assert torch.equal(originals, bundled_samples(dataset)[:, 0])
    assert torch.equal(recovered.flatten(1).sort(1).values, shuffled.flatten(1).sort(1).values)
    # the bundled model does much better than leaving the pixels shuffled
    assert (recovered - originals).pow(2).mean() < 0.6 * (shuffled - originals).pow(2).mean()
    assert run("demo", "--dataset", dataset, "--out", out).exit_code == 2


@pytest.mark.parametrize(
    "args,message",
    [
        (["shuffle", "a.png", "b.png", "--mode", "foo"], "'foo' is not one of"),
        (["shuffle"], "Missing argument"),
        (["bogus"], "No such command"),
        (["shuffle", "missing.png", "b.png"], "missing.png: no such file"),
    ],
)
def test_the_installed_command_prints_one_line_errors(tmp_path, args, message):
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "jigsaw", *args], cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 2
    assert message in result.stderr and result.stderr.strip().count("\n") == 0, result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "b.png").exists()


@pytest.mark.slow
def test_train_solver_nets_then_solve_with_classifiers(tmp_path, shuffled_digit, dataset_root):
    nets = tmp_path / "nets"
    result = run("train", "solver-nets", "--out", nets, "--epochs", 1, "--limit", 2000, "--data-dir", dataset_root)
    assert result.exit_code == 0, result.output
    assert run("train", "solver-nets", "--out", nets, "--data-dir", dataset_root).exit_code == 2  # no overwrite
    out = tmp_path / "recovered.png"
    result = run(
        "solve",
        shuffled_digit,
        "--method",
        "classifier",
        "--classifiers",
        nets,
        "--label",
        7,
        "--steps",
        20,
        "--out",
        out,
    )
    assert result.exit_code == 0, result.output
    assert torch.equal(read_image(out).flatten().sort().values, read_image(shuffled_digit).flatten().sort().values)
    missing_label = run(
        "solve", shuffled_digit, "--method", "classifier", "--classifiers", nets, "--out", out, "--force"
    )
    assert missing_label.exit_code == 2 and "needs --label" in missing_label.output


def test_no_option_help_uses_square_brackets():
    """Rich reads ``[...]`` in a help text as markup and silently drops it (defaults vanished from --help)."""
    import typer.main

    def commands(command):
        yield command
        for sub in getattr(command, "commands", {}).values():
            yield from commands(sub)

    helps = [
        (command.name, param.name, param.help)
        for command in commands(typer.main.get_command(app))
        for param in command.params
        if getattr(param, "help", None)
    ]
    assert helps and not [h for h in helps if "[" in h[2]]


def test_a_plain_png_with_no_grid_is_solved_from_its_seams(tmp_path):
    import subprocess
    import sys

    from PIL import Image

    from jigsaw.tiles.grid import shuffle_tiles

    picture = torch.from_numpy(skdata.coffee()).permute(2, 0, 1).float()[:, :384, :576] / 255  # 384x576
    shuffled, _ = shuffle_tiles(picture, 8, 12, seed=5)  # 48-pixel tiles, a rectangular grid
    puzzle = tmp_path / "made-elsewhere.png"
    Image.fromarray((shuffled.permute(1, 2, 0) * 255).round().byte().numpy()).save(puzzle)  # no jigsaw metadata
    solved = tmp_path / "solved.png"
    command = [sys.executable, "-m", "jigsaw", "solve", str(puzzle), "--out", str(solved)]
    result = subprocess.run(command, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "note:" in result.stderr and "found 48x48-pixel tiles" in result.stderr and "8x12 grid" in result.stderr
    assert torch.equal(read_image(solved), (picture * 255).round() / 255)


def test_turned_tiles_are_recorded_and_solved(photo, tmp_path):
    puzzle, solved = tmp_path / "p.png", tmp_path / "solved.png"
    assert run("shuffle", photo, puzzle, "--mode", "tiles", "--grid", "8x8", "--rotate").exit_code == 0
    assert read_metadata(puzzle) == {"jigsaw-mode": "tiles", "jigsaw-grid": "8x8", "jigsaw-rotations": "yes"}
    original = read_image(photo)
    assert not torch.equal(read_image(puzzle), original)
    result = run("solve", puzzle, "--out", solved)  # --rotations read from the puzzle
    assert result.exit_code == 0, result.output
    turns = [torch.rot90(original, k, dims=(-2, -1)) for k in range(4)]
    assert any(torch.equal(read_image(solved), turned) for turned in turns)


def test_rotations_need_square_tiles_and_tile_mode(photo, tmp_path):
    puzzle = tmp_path / "p.png"
    assert run("shuffle", photo, puzzle, "--mode", "tiles", "--grid", "4x8").exit_code == 0
    result = run("solve", puzzle, "--out", tmp_path / "s.png", "--rotations")
    assert result.exit_code == 2 and "only square tiles" in result.output and not (tmp_path / "s.png").exists()
    result = run("shuffle", photo, tmp_path / "r.png", "--mode", "tiles", "--grid", "4x8", "--rotate")
    assert result.exit_code == 2 and "only square tiles" in result.output and not (tmp_path / "r.png").exists()
    result = run("shuffle", photo, tmp_path / "q.png", "--rotate")
    assert result.exit_code == 2 and "--rotate only apply to --mode tiles" in result.output
