"""The networks: LeNet5 (MNIST), a small VGG (CIFAR-10), ResNet34 (ImageNet), and the MLPs of sortGAN's generator
and critic.

Every model is built from a plain config dict (``build_model(kind, **config)``) so a checkpoint can rebuild it.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor, nn

from jigsaw.errors import JigsawError


class LeNet5(nn.Module):
    """LeNet-5 with 'same' padding in the first convolution: 61,706 parameters for 28x28 inputs.

    ``features`` is the 84-d penultimate layer, used as the feature space of the Fréchet distance.
    """

    def __init__(self, num_classes: int = 10, in_channels: int = 1):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channels, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, num_classes)
        self.pool = nn.MaxPool2d(2)

    def features(self, x: Tensor) -> Tensor:
        """``(B, C, 28, 28)`` -> ``(B, 84)``."""
        x = self.pool(torch.relu(self.conv1(x)))
        x = self.pool(torch.relu(self.conv2(x)))
        x = torch.relu(self.fc1(x.flatten(1)))
        return torch.relu(self.fc2(x))

    def forward(self, x: Tensor) -> Tensor:
        """``(B, C, 28, 28)`` -> logits ``(B, num_classes)``."""
        return self.fc3(self.features(x))


class SmallVGG(nn.Module):
    """A VGG-style CIFAR-10 net: three blocks of two 3x3 convolutions with BatchNorm, then one linear layer."""

    def __init__(self, num_classes: int = 10, widths: tuple[int, ...] = (64, 128, 256)):
        super().__init__()
        layers: list[nn.Module] = []
        channels = 3
        for width in widths:
            for _ in range(2):
                layers += [nn.Conv2d(channels, width, 3, padding=1, bias=False), nn.BatchNorm2d(width), nn.ReLU()]
                channels = width
            layers.append(nn.MaxPool2d(2))
        self.body = nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten())
        self.head = nn.Linear(channels, num_classes)

    def forward(self, x: Tensor) -> Tensor:
        return self.head(self.body(x))


class LeNet5Caffe(nn.Module):
    """Caffe's LeNet-5, the one of the network-compression literature (Han et al. 2015): conv 20 (5x5, no padding)
    -> max-pool 2 -> conv 50 (5x5) -> max-pool 2 -> fc 800->500 -> ReLU -> fc 500->10; 431,080 parameters. Caffe's
    network has no ReLU after its convolutions; this one follows it."""

    def __init__(self, num_classes: int = 10, in_channels: int = 1):
        super().__init__()
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, 20, 5), nn.MaxPool2d(2), nn.Conv2d(20, 50, 5), nn.MaxPool2d(2), nn.Flatten(),
            nn.Linear(800, 500), nn.ReLU(), nn.Linear(500, num_classes),
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        """``(B, C, 28, 28)`` -> logits ``(B, num_classes)``."""
        return self.body(x)


class Conv7(nn.Module):
    """LaPerm's MNIST network (its 99.72 % figure): conv 32-32 (3x3), 32 (5x5, stride 2), 64-64 (3x3), 64 (5x5,
    stride 2), 128 (4x4), each with ReLU, dropout 0.4 after each stride-2 block and before the classifier;
    325,578 parameters."""

    def __init__(self, num_classes: int = 10, in_channels: int = 1, dropout: float = 0.4):
        super().__init__()
        relu = nn.ReLU
        self.body = nn.Sequential(
            nn.Conv2d(in_channels, 32, 3), relu(), nn.Conv2d(32, 32, 3), relu(),
            nn.Conv2d(32, 32, 5, stride=2, padding=2), relu(), nn.Dropout(dropout),
            nn.Conv2d(32, 64, 3), relu(), nn.Conv2d(64, 64, 3), relu(),
            nn.Conv2d(64, 64, 5, stride=2, padding=2), relu(), nn.Dropout(dropout),
            nn.Conv2d(64, 128, 4), relu(), nn.Flatten(), nn.Dropout(dropout), nn.Linear(128, num_classes),
        )  # fmt: skip

    def forward(self, x: Tensor) -> Tensor:
        """``(B, C, 28, 28)`` -> logits ``(B, num_classes)``."""
        return self.body(x)


def mlp(sizes: list[int], slope: float = 0.2) -> nn.Sequential:
    """Fully-connected layers of the given sizes with LeakyReLU between them."""
    layers: list[nn.Module] = []
    for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(n_in, n_out))
        if i < len(sizes) - 2:
            layers.append(nn.LeakyReLU(slope))
    return nn.Sequential(*layers)


def resnet34(num_classes: int = 1000) -> nn.Module:
    """torchvision's ResNet34 (21.8 million parameters at 1000 classes), untrained: the thesis' ImageNet network."""
    from torchvision.models import resnet34 as torchvision_resnet34

    return torchvision_resnet34(weights=None, num_classes=num_classes)


MODELS: dict[str, Callable[..., nn.Module]] = {
    "lenet5": LeNet5,
    "lenet5-caffe": LeNet5Caffe,
    "conv7": Conv7,
    "vgg": SmallVGG,
    "resnet34": resnet34,
}


def build_model(kind: str, **config) -> nn.Module:
    if kind not in MODELS:
        raise JigsawError(f"unknown model {kind!r}; choose one of {', '.join(MODELS)}")
    return MODELS[kind](**config)
