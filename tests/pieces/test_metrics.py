import torch

from jigsaw.pieces.metrics import score_pieces, score_placements


def test_identical_pieces_are_interchangeable_and_a_wrong_one_counts():
    originals = torch.tensor([[[0.0], [0.0], [1.0], [0.5]]]).view(1, 4, 1, 1, 1)  # two black pieces
    swapped_black = score_placements(originals, originals, torch.tensor([[1, 0, 2, 3]]))
    assert swapped_black == {"pieces_right": 1.0, "perfect": 1.0, "psnr": 100.0}
    wrong = score_placements(originals, originals, torch.tensor([[0, 1, 3, 2]]))
    assert wrong["pieces_right"] == 0.5 and wrong["perfect"] == 0.0 and wrong["psnr"] < 100


def test_pixel_images_score_each_pixel_as_a_piece():
    image = torch.rand(2, 1, 4, 4)
    recovered = image.clone()
    recovered[0, 0, 0, :2] = recovered[0, 0, 0, :2].flip(0)  # two pixels of the first image exchanged
    scores = score_pieces(image.flatten(1), recovered.flatten(1))
    assert scores["pieces_right"] == 1 - 2 / 32 and scores["perfect"] == 0.5
