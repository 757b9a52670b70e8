"""Promise: files as people really have them — phone photos, animations, palettes with transparency, 16-bit images
with alpha, named pipes, spreadsheets' CSV — are read as the docs say, or refused in one line."""

import os
import struct
import warnings
import zlib

import numpy as np
import pytest
import torch
from PIL import Image

from jigsaw.files import read_image
from tests.promises.helpers import one_line_error, run, run_installed


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


def phone_photo(path, orientation: int):
    """A JPEG stored 256 wide and 192 high, with its top half bright, whose EXIF says how the camera was held."""
    pixels = np.zeros((192, 256, 3), np.uint8)
    pixels[:96] = 230
    exif = Image.Exif()
    exif[0x0112] = orientation
    Image.fromarray(pixels).save(path, exif=exif, quality=95)
    return path


def test_a_phone_photo_is_read_upright(tmp_path):
    image = read_image(phone_photo(tmp_path / "phone.jpg", 6))  # 6: turned a quarter clockwise to be seen
    assert image.shape == (3, 256, 192)  # seen as 192 wide, 256 high
    assert image[:, :, -40:].mean() > 0.8 and image[:, :, :40].mean() < 0.1  # the bright half is now on the right
    out = tmp_path / "puzzle.png"
    assert run("shuffle", tmp_path / "phone.jpg", out, "--mode", "tiles", "--grid", "4x4").exit_code == 0
    assert Image.open(out).size == (192, 256)
    assert read_image(phone_photo(tmp_path / "upright.jpg", 1)).shape == (3, 192, 256)


def test_a_phone_photo_is_measured_upright_before_it_is_read(tmp_path):
    from jigsaw.files import image_size

    assert image_size(phone_photo(tmp_path / "phone.jpg", 8)) == (192, 256)


@pytest.mark.parametrize("suffix", [".gif", ".png"])
def test_an_animation_is_refused_not_cut_to_its_first_frame(tmp_path, suffix):
    frames = [Image.fromarray(np.full((32, 32, 3), v, np.uint8)) for v in (0, 120, 240)]
    image = tmp_path / f"moving{suffix}"
    frames[0].save(image, save_all=True, append_images=frames[1:], duration=100)
    one_line_error(run("shuffle", image, tmp_path / "p.png"), "an animation of 3 frames")
    assert not (tmp_path / "p.png").exists()


def test_a_palette_png_with_transparency_reads_without_a_warning(tmp_path):
    image = Image.fromarray((np.arange(64 * 64) % 16).astype(np.uint8).reshape(64, 64), "P")
    image.putpalette([v for i in range(16) for v in (i * 16, 255 - i * 16, 90)])
    path = tmp_path / "palette.png"
    image.save(path, transparency=bytes([0, 128] + [255] * 14))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        read = read_image(path)
        assert run("shuffle", path, tmp_path / "p.png", "--mode", "tiles").exit_code == 0
    assert read.shape == (3, 64, 64)


def gray_alpha_16_bit_png(path, width=8, height=6):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = (
        b"\0" + b"".join(struct.pack(">HH", (x * 8000 + y * 500) % 65536, 65535) for x in range(width))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 16, 4, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )
    return path


def test_16_bit_gray_with_alpha_stays_one_channel(tmp_path):
    image = read_image(gray_alpha_16_bit_png(tmp_path / "ga16.png"))
    assert image.shape == (1, 6, 8)
    assert abs(float(image[0, 0, 1]) - 8000 / 65535) < 1 / 255


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes")
@pytest.mark.parametrize("extra", [[], ["--mode", "tiles"]])
def test_a_named_pipe_is_named_as_such_and_never_waited_on(tmp_path, extra):
    os.mkfifo(tmp_path / "fifo.png")
    result = run_installed("solve", "fifo.png", "--out", "x.png", *extra, cwd=tmp_path, timeout=60)
    assert result.returncode == 2 and "fifo.png is a named pipe, not a regular file" in result.stderr, result.stderr
    result = run_installed("shuffle", "fifo.png", "p.png", cwd=tmp_path, timeout=60)
    assert "fifo.png is a named pipe" in result.stderr and not (tmp_path / "p.png").exists()


def pixel_puzzles(tmp_path, names):
    folder = tmp_path / "puzzles"
    folder.mkdir()
    for name in names:
        Image.fromarray(np.zeros((28, 28), np.uint8)).save(folder / name)
    return folder


def test_labels_from_excel_csv_utf8_with_a_byte_order_mark(tmp_path):
    folder = pixel_puzzles(tmp_path, ["a.png", " b.png"])
    labels = tmp_path / "labels.csv"
    labels.write_bytes("file,label\r\na.png,3\r\n b.png,4\r\n".encode("utf-8-sig"))
    from jigsaw.puzzle_folders import read_labels

    assert read_labels(labels, ["a.png", " b.png"], ["a.png", " b.png"]) == {"a.png": 3, " b.png": 4}
    result = run("solve", folder, "--labels", labels, "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [" b.png", "a.png"]


@pytest.mark.parametrize("label", ["²", "٣", "33", "-1", ""])
def test_a_label_that_is_no_class_is_one_line(tmp_path, label):
    folder = pixel_puzzles(tmp_path, ["a.png"])
    labels = tmp_path / "labels.csv"
    labels.write_text(f"file,label\na.png,{label}\n")
    one_line_error(run("solve", folder, "--labels", labels, "--out", tmp_path / "out"), "line 2: expected a file name")
    assert not (tmp_path / "out").exists()
