"""Small figures drawn with Pillow (no plotting library needed): per-layer weight histograms.

Thesis Fig. 1.1 / A.1 / A.2: for a normally trained network the weight histograms before and after training differ
mostly in their spread; for an index-optimised network they are identical by construction.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

from jigsaw.files import atomic_write

PANEL_W, PANEL_H, MARGIN = 320, 170, 22
BEFORE, AFTER = (150, 150, 150), (200, 30, 30)


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


def _panel(title: str, before: torch.Tensor, after: torch.Tensor) -> Image.Image:
    counts_before, counts_after, edges = histogram_counts(before, after)
    panel = Image.new("RGB", (PANEL_W, PANEL_H), "white")
    draw = ImageDraw.Draw(panel)
    draw.text((6, 4), title, fill="black")
    plot_w, plot_h = PANEL_W - 2 * 8, PANEL_H - MARGIN - 18
    top = max(counts_before.max(), counts_after.max(), 1)
    bar = plot_w / len(counts_before)
    base = MARGIN + plot_h
    for i, count in enumerate(counts_before):  # before: grey bars
        x = 8 + i * bar
        draw.rectangle([x, base - plot_h * count / top, x + bar - 1, base], fill=BEFORE)
    points = [(8 + (i + 0.5) * bar, base - plot_h * c / top) for i, c in enumerate(counts_after)]
    draw.line(points, fill=AFTER, width=2)  # after: red outline
    draw.text((6, base + 3), f"{edges[0]:.3g}", fill="black")
    draw.text((PANEL_W - 60, base + 3), f"{edges[-1]:.3g}", fill="black")
    return panel


def weight_histogram_figure(initial: dict, final: dict, columns: int = 3) -> Image.Image:
    """One panel per weight tensor: grey bars before training, red line after."""
    layers = weight_layers(final)
    rows = -(-len(layers) // columns)
    figure = Image.new("RGB", (columns * PANEL_W, rows * PANEL_H + 20), "white")
    ImageDraw.Draw(figure).text((6, 4), "weights before (grey bars) and after (red line) training", fill="black")
    for k, (name, after) in enumerate(layers.items()):
        figure.paste(
            _panel(f"{name} {tuple(after.shape)}", initial[name], after),
            ((k % columns) * PANEL_W, 20 + (k // columns) * PANEL_H),
        )
    return figure


def plot_checkpoint(checkpoint: Path, out: Path) -> Path:
    """The weight histograms of an index-opt run's checkpoint, written as a PNG."""
    from jigsaw.weights.run import IndexOptRun  # validates the whole checkpoint against the model it describes

    run = IndexOptRun.load(checkpoint)
    figure = weight_histogram_figure(run.initial_state, run.model.state_dict())
    atomic_write(out, lambda tmp: figure.save(tmp, format="PNG"))
    return out
