"""Export trained sortGAN runs into the package (int8 weights, no optimizer state), for `jigsaw solve` / `demo`.

python scripts/export_sortgan.py runs/sortgan-mnist-clip/best.pt runs/sortgan-fashion-mnist-clip/best.pt
"""

import sys
from pathlib import Path

from jigsaw.checkpoint import load_checkpoint
from jigsaw.pixels.sortgan import bundled_solver_path, export_solver

for checkpoint in map(Path, sys.argv[1:]):
    dataset = load_checkpoint(checkpoint, "sortgan")["config"]["dataset"]
    out = export_solver(checkpoint, bundled_solver_path(dataset))
    print(f"{checkpoint} -> {out} ({out.stat().st_size / 1e6:.2f} MB)")
