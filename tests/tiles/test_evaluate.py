import torch

from jigsaw.tiles.evaluate import OUTLINE, evaluate_tiles, misplaced_outlined, picture_path
from jigsaw.tiles.grid import cut


def test_the_error_picture_outlines_exactly_the_misplaced_tiles():
    image = torch.rand(1, 20, 30, generator=torch.Generator().manual_seed(0)) * 0.5  # never pure red
    arrangement = torch.tensor([0, 2, 1, 3, 4, 5])  # a 2x3 grid with tiles 1 and 2 swapped
    picture = misplaced_outlined(image, arrangement, 2, 3)
    assert picture.shape == (3, 20, 30)
    red = torch.tensor(OUTLINE).view(3, 1, 1)
    for k, tile in enumerate(cut(picture, 2, 3)):
        outlined = bool((tile[:, 0, :] == red[:, 0]).all())  # the top edge of the cell is red
        assert outlined == (k in (1, 2)), k
        inner = tile[:, 2:-2, 2:-2]
        assert torch.equal(inner, cut(image, 2, 3)[arrangement[k]][:, 2:-2, 2:-2].expand(3, -1, -1))


def test_evaluation_writes_one_solution_picture_per_image(tmp_path):
    y, x = torch.meshgrid(torch.linspace(0, 1, 32), torch.linspace(0, 1, 48), indexing="ij")
    rows = evaluate_tiles({"ramp.png": torch.stack([x, y, x * y])}, seed=0, grid=(2, 3), picture_folder=tmp_path)
    assert rows[0]["neighbour"] == 1.0 and picture_path(tmp_path, "ramp.png").exists()


def test_turned_tiles_are_evaluated_at_the_best_whole_turn(tmp_path):
    from tests.tiles.test_solver import brighter_on_top

    image = torch.rot90(brighter_on_top(96, 96), 2, dims=(-2, -1))  # darker on top: the upright rule picks wrong
    [result] = evaluate_tiles({"dark-top.png": image}, 0, grid=(4, 4), turns=True, picture_folder=tmp_path)
    assert (result["direct"], result["neighbour"], result["upright"]) == (1.0, 1.0, False)
    assert len(result["turns"]) == 16 and (tmp_path / "dark-top-solution.png").exists()
