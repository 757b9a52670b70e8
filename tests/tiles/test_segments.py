import pytest
import torch

from jigsaw.tiles.assembly import turned_solution
from jigsaw.tiles.dense import DenseTable
from jigsaw.tiles.grid import cut
from jigsaw.tiles.seams import TURNS, dissimilarities, oriented_dissimilarities
from jigsaw.tiles.segments import largest_segment, move_segments, places, segment_labels, trimmed, turned_block


def smooth_picture(h: int = 96, w: int = 128) -> torch.Tensor:
    y, x = torch.meshgrid(torch.linspace(0, 1, h), torch.linspace(0, 1, w), indexing="ij")
    return torch.stack([x, y, (x * y) ** 0.5])


def test_segments_are_the_cells_their_joined_seams_connect():
    across = torch.tensor([[True, False], [False, False]])  # (2, 2): cells of a 2x3 grid
    down = torch.tensor([[False, False, True]])  # (1, 3)
    labels = segment_labels(across, down)
    assert labels[0, 0] == labels[0, 1]
    assert labels[0, 2] == labels[1, 2]
    assert len({labels[0, 0].item(), labels[0, 2].item(), labels[1, 0].item(), labels[1, 1].item()}) == 4


def test_the_places_a_segment_may_move_to_fit_the_frame_and_leave_where_it_is():
    block = {t: (1 + t // 3, 2 + t % 3) for t in range(6)}  # 2x3 at (1, 2) in a 5x8 frame
    options = places(block, 5, 8)
    assert (1, 2) not in options
    assert {(1, 0), (1, 5), (0, 2), (3, 2), (0, 0), (0, 5), (3, 0), (3, 5)} == set(options)
    assert places({t: (0, t) for t in range(8)}, 1, 8) == []  # a segment that fills the frame stays


@pytest.mark.parametrize("shift", [1, 2, 3])
def test_the_segment_stage_moves_a_shifted_answer_back_to_the_truth(shift):
    rows, cols = 6, 8
    table = DenseTable(*dissimilarities(cut(smooth_picture(), rows, cols)))
    truth = torch.arange(rows * cols)
    # the picture slid `shift` columns right, the columns it pushed out piled up on the left
    shifted = truth.view(rows, cols)[:, (torch.arange(cols) - shift) % cols].flatten()
    assert table.seam_cost(shifted, rows, cols) > table.seam_cost(truth, rows, cols)
    assert len(largest_segment(table, shifted, rows, cols)) == rows * (cols - shift)
    assert torch.equal(move_segments(table, shifted, rows, cols), truth)


def test_the_segment_stage_leaves_a_right_answer_alone():
    rows, cols = 6, 8
    table = DenseTable(*dissimilarities(cut(smooth_picture(), rows, cols)))
    truth = torch.arange(rows * cols)
    assert torch.equal(move_segments(table, truth, rows, cols), truth)


def test_both_tables_find_the_same_best_buddy_seams():
    from jigsaw.tiles.candidates import candidate_sides
    from jigsaw.tiles.listed import ListedTable

    rows, cols = 6, 8
    tiles = cut(smooth_picture(), rows, cols)
    dense, listed = DenseTable(*dissimilarities(tiles)), ListedTable(*candidate_sides(tiles))
    answer = torch.randperm(rows * cols, generator=torch.Generator().manual_seed(0))
    for placement in (torch.arange(rows * cols), answer):
        for seen, expected in zip(listed.buddy_seams(placement, rows, cols), dense.buddy_seams(placement, rows, cols)):
            assert torch.equal(seen, expected)
    assert dense.buddy_seams(torch.arange(rows * cols), rows, cols)[0].any()


def test_a_block_turns_as_a_whole_solution_turns():
    rows, cols = 3, 5
    candidates = TURNS * torch.randperm(rows * cols, generator=torch.Generator().manual_seed(1)) + 2
    block = {int(t): (1 + k // cols, 2 + k % cols) for k, t in enumerate(candidates)}  # corner at (1, 2)
    for quarter_turns in range(TURNS):
        expected = turned_solution(candidates, rows, cols, quarter_turns)
        height, width = (rows, cols) if quarter_turns % 2 == 0 else (cols, rows)
        turned = turned_block(block, quarter_turns)
        assert {(r - 1) * width + (c - 2): t for t, (r, c) in turned.items()} == dict(enumerate(expected.tolist()))
        assert max(r for r, _ in turned.values()) == height
    assert turned_block(turned_block(block, 1), 3) == block


def test_a_block_too_large_for_the_frame_keeps_the_window_with_most_tiles():
    block = {1: (1, 0), 2: (1, 1), 3: (1, 2), 4: (2, 2), 5: (3, 2)}
    assert trimmed(block, 3, 3) == block
    assert trimmed(block, 2, 3) == {1: (1, 0), 2: (1, 1), 3: (1, 2), 4: (2, 2)}


def test_the_segment_stage_turns_a_segment_that_came_together_turned_in_the_frame():
    rows, cols = 6, 8
    tiles = cut(smooth_picture(), rows, cols)  # 16-px squares
    table = DenseTable(*oriented_dissimilarities(tiles), TURNS)
    truth = TURNS * torch.arange(rows * cols)
    # the left 6 x 6 square of the picture came together turned by a quarter; the two right columns are as they were
    answer = truth.view(rows, cols).clone()
    answer[:, :rows] = turned_solution(answer[:, :rows].flatten(), rows, rows, 1).view(rows, rows)
    answer = answer.flatten()
    assert table.seam_cost(answer, rows, cols) > table.seam_cost(truth, rows, cols)
    assert len(largest_segment(table, answer, rows, cols)) == rows * rows
    progress = Labels()
    mended = move_segments(table, answer, rows, cols, progress)  # the truth, or it turned by a half (same seams)
    assert any(torch.equal(mended, turned_solution(truth, rows, cols, turns)) for turns in (0, 2))
    assert progress.labels[0] == "moving the largest segment (36 tiles, round 1)" and progress.counted == 0


class Labels:
    """A progress that records the labels it is told and counts the units it is asked to count."""

    def __init__(self):
        self.labels, self.counted = [], 0

    def start(self, total, label=None):
        assert total is None
        self.labels.append(label)

    def advance(self, label=None):
        self.counted += 1

    def epoch(self, record):
        pass
