"""jigsaw: learning and solving permutations with PyTorch.

The public API, imported on first use (so that ``import jigsaw`` and the CLI start without loading torch)::

    from jigsaw import rank_match, IndexOptimizer, solve_tiles, JigsawError
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.4.0"
__all__ = ["IndexOptimizer", "JigsawError", "rank_match", "solve_image", "solve_tiles"]

_HOMES = {
    "IndexOptimizer": "jigsaw.weights.optim",
    "JigsawError": "jigsaw.errors",
    "rank_match": "jigsaw.permute",
    "solve_image": "jigsaw.tiles.solver",
    "solve_tiles": "jigsaw.tiles.solver",
}

if TYPE_CHECKING:
    from jigsaw.errors import JigsawError
    from jigsaw.permute import rank_match
    from jigsaw.tiles.solver import solve_image, solve_tiles
    from jigsaw.weights.optim import IndexOptimizer


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module 'jigsaw' has no attribute {name!r}")
    return getattr(import_module(_HOMES[name]), name)
