"""Every kind of image people have, through `jigsaw shuffle` and `jigsaw solve`: read by the stated rules, solved."""

import numpy as np
import pytest
import torch
from PIL import Image
from skimage import data as skdata
from typer.testing import CliRunner

from jigsaw.cli import app
from jigsaw.files import read_image
from jigsaw.tiles.grid import cut

runner = CliRunner()
PHOTO = np.asarray(Image.fromarray(skdata.astronaut()).resize((96, 96), Image.Resampling.LANCZOS))
GRAY = np.asarray(Image.fromarray(PHOTO).convert("L"))


def make(mode: str) -> Image.Image:
    """A 96x96 photograph in ``mode``."""
    if mode == "RGBA":
        return Image.fromarray(np.dstack([PHOTO, np.full((96, 96), 128, np.uint8)]))
    if mode == "LA":
        return Image.fromarray(np.dstack([GRAY, np.full((96, 96), 200, np.uint8)]), "LA")
    if mode == "I;16":
        return Image.fromarray(GRAY.astype(np.uint16) * 257)
    if mode == "I":
        return Image.fromarray(GRAY.astype(np.int32) * 257, "I")
    if mode == "F":
        return Image.fromarray(GRAY.astype(np.float32) / 255.0, "F")
    if mode == "1":
        return Image.fromarray(GRAY).convert("1", dither=Image.Dither.NONE)
    if mode == "P":
        return Image.fromarray(PHOTO).quantize(256)
    if mode == "CMYK":
        return Image.fromarray(PHOTO).convert("CMYK")
    return Image.fromarray(GRAY if mode == "L" else PHOTO)


KINDS = {  # mode: (file suffix, channels read, exactly solved)
    "1": (".png", 1, False),  # bilevel: large flat areas, seams without gradient
    "L": (".png", 1, True),
    "LA": (".png", 1, True),
    "P": (".png", 3, True),
    "RGB": (".png", 3, True),
    "RGBA": (".png", 3, True),
    "I;16": (".png", 1, True),
    "I": (".tif", 1, True),
    "F": (".tif", 1, True),
    "CMYK": (".jpg", 3, True),
}


@pytest.mark.parametrize("mode", KINDS)
def test_every_image_kind_shuffles_and_solves(tmp_path, mode):
    suffix, channels, exact = KINDS[mode]
    source = tmp_path / f"photo{suffix}"
    make(mode).save(source, quality=95) if suffix == ".jpg" else make(mode).save(source)
    original = read_image(source)
    assert original.shape == (channels, 96, 96)
    if mode == "I;16":  # scaled from 0..65535, never clipped
        assert torch.allclose(original[0], torch.from_numpy(GRAY / 255.0).float(), atol=1e-6)
    puzzle, solved = tmp_path / "puzzle.png", tmp_path / "solved.png"
    shuffled = runner.invoke(app, ["shuffle", str(source), str(puzzle), "--mode", "tiles", "--grid", "4x4"])
    assert shuffled.exit_code == 0, shuffled.output
    result = runner.invoke(app, ["solve", str(puzzle), "--out", str(solved)])
    assert result.exit_code == 0, result.output
    eight_bit = (original * 255).round() / 255  # what the 8-bit puzzle file holds
    tiles = lambda image: sorted(t.flatten().tolist() for t in cut(image, 4, 4))
    assert tiles(read_image(solved)) == tiles(eight_bit)  # the same tiles, rearranged
    if exact:
        assert torch.equal(read_image(solved), eight_bit)
