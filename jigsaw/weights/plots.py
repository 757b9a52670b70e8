"""Per-layer weight histograms, drawn with matplotlib.

Thesis Fig. 1.1 / A.1 / A.2: for a normally trained network the weight histograms before and after training differ
mostly in their spread; for an index-optimised network they are identical by construction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from jigsaw.files import atomic_write

BEFORE, AFTER = "0.6", "tab:red"  # grey bars, red line


def weight_layers(state_dict: dict) -> dict[str, torch.Tensor]:
    """The permutable weights of a state dict: tensors with two or more dimensions."""
    return {name: t for name, t in state_dict.items() if t.is_floating_point() and t.dim() >= 2}


def histogram_counts(
    before: torch.Tensor, after: torch.Tensor, bins: int = 60
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Counts of both tensors over common bin edges: ``(counts_before, counts_after, edges)``."""
    a, b = before.detach().double().flatten().numpy(), after.detach().double().flatten().numpy()
    low, high = min(a.min(), b.min()), max(a.max(), b.max())
    edges = np.linspace(low, high if high > low else low + 1.0, bins + 1)
    return np.histogram(a, edges)[0], np.histogram(b, edges)[0], edges


def weight_histogram_figure(initial: dict, final: dict, columns: int = 3) -> Any:
    """A matplotlib figure with one panel per weight tensor: grey bars before training, a red line after."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    layers = weight_layers(final)
    rows = -(-len(layers) // columns)
    figure, axes = plt.subplots(rows, columns, figsize=(4 * columns, 2.6 * rows + 0.5), squeeze=False)
    for axis, (name, after) in zip(axes.flat, layers.items()):
        counts_before, counts_after, edges = histogram_counts(initial[name], after)
        axis.stairs(counts_before, edges, fill=True, color=BEFORE, label="before")
        axis.stairs(counts_after, edges, color=AFTER, linewidth=1.5, label="after")
        axis.set_title(f"{name} {tuple(after.shape)}", fontsize=9)
        axis.tick_params(labelsize=7)
    for axis in list(axes.flat)[len(layers) :]:
        axis.set_visible(False)
    axes.flat[0].legend(fontsize=8)
    figure.suptitle("weights before (grey bars) and after (red line) training")
    figure.tight_layout()
    return figure


def plot_checkpoint(checkpoint: Path, out: Path) -> Path:
    """The weight histograms of an index-opt run's checkpoint, written as a PNG."""
    from jigsaw.weights.run import IndexOptRun  # validates the whole checkpoint against the model it describes

    run = IndexOptRun.load(checkpoint)
    figure = weight_histogram_figure(run.initial_state, run.model.state_dict())
    atomic_write(out, lambda tmp: figure.savefig(tmp, format="png", dpi=100))
    import matplotlib.pyplot as plt

    plt.close(figure)
    return out
