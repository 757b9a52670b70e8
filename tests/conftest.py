import os
from pathlib import Path

import pytest

from jigsaw.datasets import data_dir, load_dataset

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def dataset_root() -> Path:
    """The prepared dataset folder (``.ci/run`` copies ``../shared/data`` there); tests never download."""
    root = data_dir(os.environ.get("JIGSAW_DATA") or REPO / "data")
    if not (root / "MNIST" / "raw").is_dir():
        pytest.fail(f"MNIST is not in {root}; run .ci/run or copy the datasets there (see data/README.md)")
    return root


@pytest.fixture(scope="session")
def mnist_test(dataset_root):
    return load_dataset("mnist", train=False, root=dataset_root, download=False)
