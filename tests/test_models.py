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
