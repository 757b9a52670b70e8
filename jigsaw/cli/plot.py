"""``jigsaw plot …``: figures from checkpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from jigsaw.cli.common import ForceOption, command, examples, plot_app, say


@command(plot_app, "weights", epilog=examples("jigsaw plot weights runs/lenet/checkpoint.pt --out weights.png"))
def plot_weights(
    checkpoint: Annotated[Path, typer.Argument(help="checkpoint.pt of a `jigsaw train index-opt` run.")],
    out: Annotated[Path, typer.Option(help="PNG to write.")],
    force: ForceOption = False,
) -> None:
    """Per-layer weight histograms before and after training (thesis Fig. 1.1, A.1, A.2)."""
    from jigsaw.files import check_image_output
    from jigsaw.weights.plots import plot_checkpoint

    check_image_output(out, force)
    plot_checkpoint(checkpoint, out)
    say(f"wrote {out}")
