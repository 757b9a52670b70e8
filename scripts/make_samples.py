"""Write jigsaw/assets/samples-<dataset>.png: the first test image of each class, in class order (a 28x280 strip),
used by `jigsaw demo` so it runs without any dataset.

    python scripts/make_samples.py
"""

from pathlib import Path

import torch

from jigsaw.datasets import load_dataset
from jigsaw.files import write_image
from jigsaw.tiles.grid import assemble

ASSETS = Path(__file__).resolve().parents[1] / "jigsaw" / "assets"

for dataset in ("mnist", "fashion-mnist"):
    images, labels = load_dataset(dataset, train=False)
    first = torch.stack([images[(labels == c).nonzero()[0, 0]] for c in range(10)])
    write_image(assemble(first, 1, 10), ASSETS / f"samples-{dataset}.png", force=True)
    print("wrote", ASSETS / f"samples-{dataset}.png")
