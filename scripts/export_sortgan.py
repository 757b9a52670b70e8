"""Export trained sortGAN runs into the package (int8 weights, no optimizer state), for `jigsaw solve` / `demo`.

python scripts/export_sortgan.py runs/sortgan-mnist-clip/best.pt runs/sortgan-fashion-mnist-clip/best.pt
python scripts/export_sortgan.py --check CHECKPOINT ...   # would the export equal the bundled model, tensor by tensor?
"""

import sys
import tempfile
from pathlib import Path

import torch

from jigsaw.checkpoint import load_checkpoint
from jigsaw.pixels.sortgan import bundled_solver_path, export_solver

check = "--check" in sys.argv[1:]
for checkpoint in (Path(arg) for arg in sys.argv[1:] if arg != "--check"):
    dataset = load_checkpoint(checkpoint, "sortgan")["config"]["dataset"]
    bundled = bundled_solver_path(dataset)
    if not check:
        out = export_solver(checkpoint, bundled)
        print(f"{checkpoint} -> {out} ({out.stat().st_size / 1e6:.2f} MB)")
        continue
    with tempfile.TemporaryDirectory() as folder:
        exported = load_checkpoint(export_solver(checkpoint, Path(folder) / "model.pt"), "sortgan")["state_dict"]
    shipped = load_checkpoint(bundled, "sortgan")["state_dict"]
    same = exported.keys() == shipped.keys() and all(torch.equal(exported[k], shipped[k]) for k in shipped)
    print(f"{checkpoint}: {'every tensor equal to' if same else 'differs from'} {bundled}")
