"""The learned piece solver: digits cut into 2x2 … 14x14 square pieces, between the pixel and the tile solvers."""
