import pytest
import torch
from skimage import data as skdata

from jigsaw.errors import JigsawError
from jigsaw.files import from_8bit
from jigsaw.tiles.grid import shuffle_tiles
from jigsaw.tiles.infer import infer_grid, period_scores

ASTRONAUT = from_8bit(skdata.astronaut())  # (3, 512, 512)


def smooth(height: int, width: int) -> torch.Tensor:
    y, x = torch.meshgrid(torch.linspace(0, 1, height), torch.linspace(0, 1, width), indexing="ij")
    return torch.stack([x, y, (x * y) ** 0.5])


@pytest.mark.parametrize("tile_h,tile_w", [(16, 16), (32, 32), (64, 64), (32, 64)])
def test_the_seams_of_a_shuffled_photo_give_its_tile_size(tile_h, tile_w):
    shuffled, _ = shuffle_tiles(ASTRONAUT, 512 // tile_h, 512 // tile_w, seed=1)
    found = infer_grid(shuffled)
    assert (found.tile_height, found.tile_width, found.rows, found.cols) == (
        tile_h,
        tile_w,
        512 // tile_h,
        512 // tile_w,
    )


def test_a_rectangular_grid_of_a_smooth_picture():
    shuffled, _ = shuffle_tiles(smooth(96, 200), 4, 5, seed=0)  # 24x40-pixel tiles
    found = infer_grid(shuffled)
    assert (found.rows, found.cols, found.tile_height, found.tile_width) == (4, 5, 24, 40)


def test_half_the_tile_size_scores_far_lower_and_unrelated_sizes_lower_still():
    picture = ASTRONAUT[:, :480, :480]  # 480 has divisors that are no multiple of 24: 10, 20, 40, 80, ...
    shuffled, _ = shuffle_tiles(picture, 20, 20, seed=0)  # 24-pixel tiles
    scores = period_scores(shuffled, 2)
    assert scores[24] > 2 and scores[12] < 0.8 * scores[24]
    assert max(s for size, s in scores.items() if 24 % size and size % 24) < 0.8 * scores[24]


@pytest.mark.parametrize(
    "image",
    [ASTRONAUT, torch.zeros(3, 128, 128), shuffle_tiles(ASTRONAUT, 1, 8, seed=0)[0]],
    ids=["not shuffled", "blank", "one row of tiles"],
)
def test_no_clear_grid_is_one_sentence_asking_for_the_tile_size(image):
    with pytest.raises(JigsawError, match="pass --tile N or --grid"):
        infer_grid(image)
