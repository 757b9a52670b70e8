"""Train a network by permuting its initial weights only (thesis Alg. 1), and LaPerm-style sync as the ablation.

For every weight group the sorted initial values are kept. With the straight-through estimator (``ste=True``) the
optimizer keeps unconstrained weights ŵ, updates them with a base optimizer (Adam, SGD) using the gradient of the
loss with respect to the *constrained* weights, and after every step sets the network's weights to
``rank_match(ŵ, sorted initial values)``. The multiset of values in each group therefore never changes, bit for bit.

Without STE (``ste=False``, LaPerm with sync period ``k = sync_every``) the base optimizer updates the network's
weights directly, and every ``k`` steps they are replaced by the sorted initial values in their current order.

Which parameters are permuted: tensors with two or more dimensions (convolution and linear weights), as in the
thesis. Biases and BatchNorm parameters (1-D) are left to the base optimizer, as in LaPerm; pass
``permute_1d=True`` to permute them too (each 1-D tensor is then one group).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import torch
from torch import Tensor, nn

from jigsaw.permute import from_groups, rank_match, stable_argsort, to_groups

BASE_OPTIMIZERS = {"adam": torch.optim.Adam, "sgd": torch.optim.SGD}


class IndexOptimizer(torch.optim.Optimizer):
    """A ``torch.optim.Optimizer`` that only ever permutes the initial values of each weight group.

    Args:
        params: the model's parameters (or parameter groups), at their initial values.
        base: ``"adam"`` or ``"sgd"`` (use ``momentum=0.9`` for the thesis' VGG setting).
        lr: learning rate of the base optimizer; its ``param_groups`` are shared, so LR schedulers work.
        granularity: ``"layer"``, ``"out_channel"`` or ``"kernel"`` (see :func:`jigsaw.permute.group_shape`).
        ste: straight-through latent weights (thesis) or LaPerm-style sync (ablation).
        sync_every: without STE, replace weights by their rank-matched initial values every this many steps.
        permute_1d: also permute biases and BatchNorm parameters.
        **base_kwargs: passed to the base optimizer (``momentum``, ``weight_decay``, ...).
    """

    def __init__(
        self,
        params: Iterable,
        base: str = "adam",
        lr: float = 1e-3,
        granularity: str = "layer",
        ste: bool = True,
        sync_every: int = 1,
        permute_1d: bool = False,
        **base_kwargs,
    ):
        if base not in BASE_OPTIMIZERS:
            raise ValueError(f"unknown base optimizer {base!r}; choose one of {', '.join(BASE_OPTIMIZERS)}")
        if sync_every < 1:
            raise ValueError("sync_every must be at least 1")
        self.base = BASE_OPTIMIZERS[base](params, lr=lr, **base_kwargs)
        # Sharing the base optimizer's param_groups (the same dicts) lets schedulers and zero_grad act on both.
        super().__init__(self.base.param_groups, self.base.defaults)
        self.settings: dict[str, Any] = {
            "base": base,
            "granularity": granularity,
            "ste": ste,
            "sync_every": sync_every,
            "permute_1d": permute_1d,
        }
        self.steps = 0
        for p in self.permuted_parameters():
            grouped = to_groups(p.detach(), granularity)
            self.state[p]["sorted_init"] = grouped.gather(-1, stable_argsort(grouped)).clone()
            if ste:
                self.state[p]["latent"] = p.detach().clone()

    def permuted_parameters(self) -> list[Tensor]:
        return [
            p
            for group in self.param_groups
            for p in group["params"]
            if p.dim() >= 2 or (self.settings["permute_1d"] and p.dim() == 1)
        ]

    def _project(self, p: Tensor, scores: Tensor) -> None:
        """Set ``p`` to the sorted initial values placed in the order of ``scores`` (same shape as ``p``)."""
        sorted_init = self.state[p]["sorted_init"]
        grouped_scores = to_groups(scores, self.settings["granularity"])
        p.copy_(from_groups(rank_match(grouped_scores, sorted_init, values_sorted=True), p.shape))

    @torch.no_grad()
    def step(self, closure=None):
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        permuted = self.permuted_parameters()
        if self.settings["ste"]:
            # The base optimizer updates ŵ with the gradient taken at the constrained weights (STE).
            for p in permuted:
                p.copy_(self.state[p]["latent"])
            self.base.step()
            for p in permuted:
                self.state[p]["latent"].copy_(p)
                self._project(p, self.state[p]["latent"])
        else:
            self.base.step()
        self.steps += 1
        if self.steps % self.settings["sync_every"] == 0:
            self.sync()
        return loss

    @torch.no_grad()
    def sync(self) -> None:
        """Make the network's weights exact permutations of their initial values now (a no-op with STE)."""
        if self.settings["ste"]:
            return
        for p in self.permuted_parameters():
            self._project(p, p.detach().clone())

    def state_dict(self) -> dict:
        return {
            "base": self.base.state_dict(),
            "index": super().state_dict(),
            "settings": dict(self.settings),
            "steps": self.steps,
        }

    def load_state_dict(self, state_dict: dict) -> None:
        if state_dict["settings"] != self.settings:
            raise ValueError(f"optimizer settings differ: saved {state_dict['settings']}, now {self.settings}")
        if not isinstance(state_dict["steps"], int):
            raise ValueError(f"steps must be a whole number, not {state_dict['steps']!r}")
        self.base.load_state_dict(state_dict["base"])
        super().load_state_dict(state_dict["index"])
        self.param_groups = self.base.param_groups  # loading replaced the shared dicts: share them again
        self.steps = state_dict["steps"]
        for p in self.permuted_parameters():
            state = self.state[p]
            shapes = {"sorted_init": to_groups(p.detach(), self.settings["granularity"]).shape}
            if self.settings["ste"]:
                shapes["latent"] = p.shape
            for name, shape in shapes.items():
                if not isinstance(state.get(name), Tensor) or state[name].shape != shape:
                    raise ValueError(f"the saved {name} of a {tuple(p.shape)} weight is not {tuple(shape)}")

    def holds_permutations(self) -> bool:
        """Is every permuted weight group now an exact permutation of its initial values (as after every step with
        STE, and after every sync without)?"""
        for p in self.permuted_parameters():
            grouped = to_groups(p.detach(), self.settings["granularity"])
            if not torch.equal(grouped.gather(-1, stable_argsort(grouped)), self.state[p]["sorted_init"]):
                return False
        return True


# --------------------------------------------------------------------------------------------------------------------
# Weight initialisations
# --------------------------------------------------------------------------------------------------------------------
INITS = ("normal", "uniform", "sparse")


@torch.no_grad()
def initialize(model: nn.Module, init: str, seed: int, sparsity: float = 0.9) -> nn.Module:
    """Kaiming (He) initialisation of every weight with two or more dimensions, biases set to zero.

    - ``normal``: Kaiming normal (fan-in, ReLU gain).
    - ``uniform``: Kaiming uniform (fan-in, ReLU gain).
    - ``sparse``: Kaiming normal, then the ``sparsity`` fraction of smallest magnitudes in each tensor set to zero.

    BatchNorm weights stay 1 and biases 0. The multiset an index-optimised network can ever use is fixed here.
    """
    if init not in INITS:
        raise ValueError(f"unknown init {init!r}; choose one of {', '.join(INITS)}")
    generator = torch.Generator().manual_seed(seed)
    for module in model.modules():
        weight = getattr(module, "weight", None)
        if isinstance(module, (nn.Conv2d, nn.Linear)) and weight is not None:
            fan_in = weight[0].numel()
            std = (2.0 / fan_in) ** 0.5
            if init == "uniform":
                bound = 3**0.5 * std
                weight.copy_(torch.rand(weight.shape, generator=generator) * 2 * bound - bound)
            else:
                weight.copy_(torch.randn(weight.shape, generator=generator) * std)
            if init == "sparse":
                flat = weight.view(-1)
                flat[stable_argsort(flat.abs())[: int(sparsity * flat.numel())]] = 0.0
            if module.bias is not None:
                module.bias.zero_()
    return model
