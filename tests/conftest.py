"""Shared fixtures. Tests run anywhere: the small MNIST / FashionMNIST subsets in ``tests/data`` (made by
``scripts/make_test_data.py``) stand in for the datasets; tests marked ``full_data`` need the whole datasets in
``data/`` (or ``$JIGSAW_DATA``) and skip without them, unless ``JIGSAW_REQUIRE_FULL_DATA=1`` (as in ``.ci/run``)
makes that a failure."""

import os
import shutil
from pathlib import Path

import pytest

from jigsaw.datasets import data_dir, load_dataset

REPO = Path(__file__).resolve().parents[1]
SUBSETS = REPO / "tests" / "data"


@pytest.fixture(scope="session")
def dataset_root(tmp_path_factory) -> Path:
    """A writable copy of the bundled subsets (torchvision unpacks the archives next to themselves)."""
    root = tmp_path_factory.mktemp("data")
    for dataset in ("MNIST", "FashionMNIST"):
        shutil.copytree(SUBSETS / dataset, root / dataset)
    return root


@pytest.fixture(scope="session")
def full_dataset_root() -> Path:
    """The full datasets, prepared by the user or by ``.ci/run``; tests never download."""
    root = data_dir(os.environ.get("JIGSAW_DATA") or REPO / "data")
    if not all((root / d / "raw").is_dir() for d in ("MNIST", "FashionMNIST")):
        reason = f"the full MNIST and FashionMNIST are not in {root} (see data/README.md)"
        if os.environ.get("JIGSAW_REQUIRE_FULL_DATA") == "1":
            pytest.fail(reason)
        pytest.skip(reason)
    return root


@pytest.fixture(scope="session")
def mnist_train(dataset_root):
    return load_dataset("mnist", train=True, root=dataset_root, download=False)


@pytest.fixture(scope="session")
def mnist_test(dataset_root):
    return load_dataset("mnist", train=False, root=dataset_root, download=False)


def pytest_collection_modifyitems(items):
    for item in items:
        if "full_dataset_root" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.full_data)
