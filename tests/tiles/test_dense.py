"""Growth on the dense N x N table."""

import torch

from jigsaw.tiles.dense import Growth


def test_growth_prefers_a_tile_that_is_a_best_buddy_of_one_neighbour_over_a_merely_cheaper_one():
    n = 4
    cost_right, cost_down = torch.full((n, n), 5.0), torch.full((n, n), 5.0)
    buddy_right, buddy_down = torch.zeros(n, n, dtype=torch.bool), torch.zeros(n, n, dtype=torch.bool)
    # tile 0 at (0, 0) and tile 1 at (1, 1) leave cell (0, 1) with a left and a lower neighbour
    cost_right[0, 2], buddy_right[0, 2] = 3.0, True  # tile 2: tile 0's best buddy on its right, dearer below tile 1
    cost_down[2, 1] = 9.0
    cost_right[0, 3], cost_down[3, 1] = 2.0, 2.0  # tile 3: cheaper on both sides, nobody's buddy
    growth = Growth(2, 2, cost_right, cost_down, buddy_right, buddy_down, fixed_frame=True)
    growth.place(0, 0, 0)
    growth.place(1, 1, 1)
    assert growth.best_move() == (0, 1, 2)
