import pytest
import torch

from jigsaw.errors import JigsawError
from jigsaw.models import LeNet5, SmallVGG, build_model, mlp


def test_lenet5_has_61706_parameters_and_84_features():
    model = LeNet5()
    assert sum(p.numel() for p in model.parameters()) == 61_706
    x = torch.rand(4, 1, 28, 28)
    assert model(x).shape == (4, 10) and model.features(x).shape == (4, 84)


def test_vgg_and_mlp_shapes():
    assert SmallVGG()(torch.rand(2, 3, 32, 32)).shape == (2, 10)
    assert mlp([5, 7, 3])(torch.rand(2, 5)).shape == (2, 3)
    assert isinstance(build_model("lenet5"), LeNet5)
    with pytest.raises(JigsawError, match="unknown model"):
        build_model("resnet18")


@pytest.mark.parametrize("kind,parameters", [("lenet5-caffe", 431_080), ("conv7", 325_578)])
def test_the_literatures_mnist_networks(kind, parameters):
    model = build_model(kind)
    assert sum(p.numel() for p in model.parameters()) == parameters
    assert model(torch.rand(3, 1, 28, 28)).shape == (3, 10)


def test_index_opt_trains_the_caffe_lenet5_and_keeps_its_initial_weights(dataset_root, tmp_path):
    from jigsaw.weights.run import IndexOptConfig, IndexOptRun, train_run

    run = IndexOptRun(IndexOptConfig(model="lenet5-caffe", epochs=1, limit=256, granularity="kernel"))
    train_run(run, tmp_path, dataset_root)
    reloaded = IndexOptRun.load(tmp_path / "checkpoint.pt")  # checks every group is a permutation of its start
    assert reloaded.initial_state.keys() == reloaded.model.state_dict().keys() and reloaded.history
