import pytest
import torch
from typer.testing import CliRunner

from jigsaw.cli import app
from jigsaw.datasets import load_dataset
from jigsaw.errors import JigsawError
from jigsaw.files import read_image, skimage_photographs, write_image
from jigsaw.permute import shuffle_pixels
from jigsaw.pixels.solvers import SolverSettings, solve_digit
from jigsaw.puzzle_folders import solve_folder
from jigsaw.tiles.grid import shuffle_tiles


@pytest.fixture
def puzzles(tmp_path, dataset_root):
    """Five shuffled MNIST test digits and one 3x3 tile puzzle (scikit-image's camera) in one folder, with the
    digits' labels."""
    images, labels = load_dataset("mnist", train=False, root=dataset_root)
    folder = tmp_path / "puzzles"
    folder.mkdir()
    for k in range(5):
        write_image(
            shuffle_pixels(images[k : k + 1], seed=k)[0][0],
            folder / f"digit{k}.png",
            metadata={"jigsaw-mode": "pixels"},
        )
    shuffled, _ = shuffle_tiles(skimage_photographs()["camera"][:, :510, :510], 3, 3, seed=0)
    write_image(shuffled, folder / "camera.png", metadata={"jigsaw-mode": "tiles", "jigsaw-grid": "3x3"})
    return folder, {f"digit{k}.png": int(labels[k]) for k in range(5)}


def write_csv(path, rows):
    path.write_text("file,label\n" + "".join(f"{name},{label}\n" for name, label in rows))
    return path


def test_a_folder_solves_as_each_file_alone(tmp_path, puzzles):
    folder, labels = puzzles
    out = tmp_path / "solved"
    done = solve_folder(folder, out, SolverSettings(), labels_csv=write_csv(tmp_path / "l.csv", labels.items()))
    assert (done.pixels, done.tiles, done.guessed) == (5, 1, 0)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in folder.iterdir())
    for name, label in labels.items():
        alone, _ = solve_digit("sortgan", folder / name, label, SolverSettings())
        assert torch.equal(read_image(out / name), (alone * 255).round() / 255)
    camera = read_image(out / "camera.png")
    assert torch.equal(camera, skimage_photographs()["camera"][:, :510, :510])


def test_turned_tile_puzzles_in_a_folder_are_solved_with_turns(tmp_path):
    from jigsaw.tiles.grid import shuffle_and_turn_tiles

    folder = tmp_path / "puzzles"
    folder.mkdir()
    camera = skimage_photographs()["camera"][:, :512, :512]
    puzzle, _, _ = shuffle_and_turn_tiles(camera, 4, 4, seed=0)
    metadata = {"jigsaw-mode": "tiles", "jigsaw-grid": "4x4", "jigsaw-rotations": "yes"}
    write_image(puzzle, folder / "camera.png", metadata=metadata)
    solve_folder(folder, tmp_path / "solved", SolverSettings())
    solved = read_image(tmp_path / "solved" / "camera.png")
    assert any(torch.equal(solved, torch.rot90(camera, k, dims=(-2, -1))) for k in range(4))


def test_without_labels_every_class_is_guessed(tmp_path, puzzles):
    folder, _ = puzzles
    assert solve_folder(folder, tmp_path / "solved", SolverSettings()).guessed == 5


@pytest.mark.parametrize(
    "content, message",
    [
        ("name,class\ndigit0.png,7\n", "header file,label"),
        ("file,label\nother.png,7\n", "other.png is not a PNG"),
        ("file,label\ndigit0.png,7\ndigit0.png,7\n", "labelled twice"),
        ("file,label\ndigit0.png,12\n", "a class from 0 to 9"),
        ("file,label\ndigit0.png,7\n", "no label for digit1.png (and 3 more)"),
    ],
)
def test_a_bad_label_file_is_refused_and_nothing_is_written(tmp_path, puzzles, content, message):
    folder, _ = puzzles
    (tmp_path / "l.csv").write_text(content)
    with pytest.raises(JigsawError, match=message.replace("(", r"\(").replace(")", r"\)")):
        solve_folder(folder, tmp_path / "solved", SolverSettings(), labels_csv=tmp_path / "l.csv")
    assert not (tmp_path / "solved").exists()


def test_the_puzzle_folder_itself_and_existing_solutions_are_refused(tmp_path, puzzles):
    folder, _ = puzzles
    with pytest.raises(JigsawError, match="would overwrite the puzzles"):
        solve_folder(folder, folder, SolverSettings(), force=True)
    out = tmp_path / "solved"
    out.mkdir()
    (out / "digit3.png").write_bytes(b"mine")
    with pytest.raises(JigsawError, match="digit3.png exists"):
        solve_folder(folder, out, SolverSettings())
    assert (out / "digit3.png").read_bytes() == b"mine" and len(list(out.iterdir())) == 1


def test_the_cli_solves_a_folder(tmp_path, puzzles):
    folder, labels = puzzles
    csv = write_csv(tmp_path / "l.csv", labels.items())
    result = CliRunner().invoke(app, ["solve", str(folder), "--out", str(tmp_path / "s"), "--labels", str(csv)])
    assert result.exit_code == 0, result.output
    assert "solved 5 pixel and 1 tile puzzles" in result.output
    one = CliRunner().invoke(
        app, ["solve", str(folder / "digit0.png"), "--out", str(tmp_path / "x.png"), "--labels", str(csv)]
    )
    assert one.exit_code == 2 and "--labels is for a folder" in one.output
