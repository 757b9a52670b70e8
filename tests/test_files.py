import numpy as np
import pytest
import torch
from PIL import Image

from jigsaw.errors import JigsawError
from jigsaw.files import check_writable, read_image, read_metadata, write_image


@pytest.mark.parametrize(
    "mode,channels,suffix",
    [
        ("L", 1, ".png"),
        ("RGB", 3, ".png"),
        ("RGBA", 3, ".png"),
        ("P", 3, ".png"),
        ("I;16", 1, ".png"),
        ("L", 1, ".jpg"),
        ("RGB", 3, ".jpg"),
    ],
)
def test_read_image_modes(tmp_path, mode, channels, suffix):
    array = (np.arange(12 * 10 * 3) % 256).astype(np.uint8).reshape(12, 10, 3)
    image = Image.fromarray(array).convert(mode)
    path = tmp_path / f"img{suffix}"
    image.save(path)
    tensor = read_image(path)
    assert tensor.shape == (channels, 12, 10) and tensor.dtype == torch.float32
    assert 0.0 <= tensor.min() <= tensor.max() <= 1.0


@pytest.mark.parametrize("channels", [1, 3])
def test_png_round_trip_is_exact(tmp_path, channels):
    image = torch.randint(0, 256, (channels, 9, 13)).float() / 255
    path = write_image(image, tmp_path / "x.png", metadata={"jigsaw-grid": "3x3"})
    assert torch.equal(read_image(path), image)
    assert read_metadata(path) == {"jigsaw-grid": "3x3"}


def test_write_refuses_to_overwrite(tmp_path):
    path = tmp_path / "x.png"
    path.write_bytes(b"precious")
    with pytest.raises(JigsawError, match="--force"):
        write_image(torch.zeros(1, 4, 4), path)
    assert path.read_bytes() == b"precious"
    write_image(torch.zeros(1, 4, 4), path, force=True)
    assert read_image(path).shape == (1, 4, 4)
    assert [p.name for p in tmp_path.iterdir()] == ["x.png"]  # no temporary file left behind


def test_read_errors(tmp_path):
    with pytest.raises(JigsawError, match="no such file"):
        read_image(tmp_path / "missing.png")
    (tmp_path / "notes.png").write_text("not an image")
    with pytest.raises(JigsawError, match="not a readable image"):
        read_image(tmp_path / "notes.png")


def test_check_writable_needs_existing_folder(tmp_path):
    with pytest.raises(JigsawError, match="does not exist"):
        check_writable(tmp_path / "no" / "x.png", force=False)


def test_resize_to_cover_and_crop_to_multiple():
    from jigsaw.files import crop_to_multiple, resize_to_cover

    image = torch.rand(3, 300, 451)
    assert resize_to_cover(image, 504, 672).shape == (3, 504, 672)
    assert crop_to_multiple(image, 28, 28).shape == (3, 280, 448)
    with pytest.raises(JigsawError, match="smaller than one"):
        crop_to_multiple(image, 400, 400)
    with pytest.raises(JigsawError, match="at least 1 pixel"):
        crop_to_multiple(image, 0, 0)


def test_corner_windows_are_the_image_corners():
    from jigsaw.files import CORNERS, corner_windows

    image = torch.rand(3, 30, 40)
    windows = corner_windows(image, 10, 15)
    assert list(windows) == list(CORNERS)
    assert torch.equal(windows["top-left"], image[:, :10, :15])
    assert torch.equal(windows["top-right"], image[:, :10, 25:])
    assert torch.equal(windows["bottom-left"], image[:, 20:, :15])
    assert torch.equal(windows["bottom-right"], image[:, 20:, 25:])
    with pytest.raises(JigsawError, match="no 41x10 corner windows"):
        corner_windows(image, 10, 41)
