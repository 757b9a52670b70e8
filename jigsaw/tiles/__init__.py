"""Tile jigsaws of known orientation: grids (``grid``), seam costs (``seams``), placement (``solver``), accuracies
(``metrics``) and the evaluation harness (``evaluate``). Nothing here imports the pixel solvers."""
