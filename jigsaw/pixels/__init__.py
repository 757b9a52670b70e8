"""Images recovered from fully shuffled pixels: sortGAN, the frozen-classifier solver, non-learned baselines, the
judges that score them, their metrics, the solver registry and the evaluation harness. Nothing here imports tile
code."""
