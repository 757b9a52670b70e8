import pytest
import torch

from jigsaw.datasets import data_dir, load_dataset
from jigsaw.errors import JigsawError


def test_data_dir_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv("JIGSAW_DATA", raising=False)
    assert str(data_dir()) == "data"
    monkeypatch.setenv("JIGSAW_DATA", str(tmp_path))
    assert data_dir() == tmp_path
    assert str(data_dir("elsewhere")) == "elsewhere"


def test_mnist_test_split(full_dataset_root):
    images, labels = load_dataset("mnist", train=False, root=full_dataset_root, download=False)
    assert images.shape == (10_000, 1, 28, 28) and images.dtype == torch.float32
    assert 0.0 <= images.min() and images.max() == 1.0
    assert labels.shape == (10_000,) and set(labels.tolist()) == set(range(10))


@pytest.mark.parametrize("name", ["mnist", "fashion-mnist"])
def test_both_datasets_load_offline(full_dataset_root, name):
    images, labels = load_dataset(name, train=True, root=full_dataset_root, download=False)
    assert images.shape == (60_000, 1, 28, 28) and labels.shape == (60_000,)


def test_missing_dataset_is_one_clear_sentence(tmp_path):
    with pytest.raises(JigsawError) as info:
        load_dataset("mnist", train=False, root=tmp_path, download=False)
    message = str(info.value)
    assert str(tmp_path / "MNIST" / "raw") in message and "t10k-images-idx3-ubyte.gz" in message
    assert "\n" not in message


def test_unknown_dataset():
    with pytest.raises(JigsawError, match="unknown dataset"):
        load_dataset("cifar", train=False)


def test_cifar10_loader_names_its_archive_when_missing(tmp_path):
    with pytest.raises(JigsawError, match="cifar-10-python.tar.gz"):
        load_dataset("cifar10", train=True, root=tmp_path, download=False)


@pytest.mark.parametrize("name,train,test", [("mnist", 4000, 1000), ("fashion-mnist", 500, 200)])
def test_the_bundled_subsets_load_like_the_datasets(dataset_root, name, train, test):
    images, labels = load_dataset(name, train=True, root=dataset_root, download=False)
    assert images.shape == (train, 1, 28, 28) and set(labels.tolist()) == set(range(10))
    assert load_dataset(name, train=False, root=dataset_root, download=False)[0].shape == (test, 1, 28, 28)
