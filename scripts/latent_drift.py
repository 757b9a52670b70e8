"""How far have the straight-through latent weights drifted from the values the network uses?

    python scripts/latent_drift.py runs/tables/sparse-kernel-ste/checkpoint.pt [more checkpoints]

For every permuted weight of a `jigsaw train index-opt` run (STE) it prints the standard deviation of the weights
in use and of their latent counterparts. The weights' multiset never changes; a latent spread many times larger means
ranks have run away from the values they select and need many steps to swap back.
"""

from __future__ import annotations

import sys

from jigsaw.weights.run import IndexOptRun


def main() -> None:
    for path in sys.argv[1:]:
        run = IndexOptRun.load(path)
        if not run.config.ste or run.config.plain:
            print(f"{path}: not a straight-through run, no latent weights")
            continue
        for name, weight in run.model.named_parameters():
            state = run.optimizer.state.get(weight, {})
            if "latent" in state:
                print(
                    f"{path}  {name:14s} weight std {float(weight.detach().std()):.4f}  "
                    f"latent std {float(state['latent'].std()):.4f}"
                )


if __name__ == "__main__":
    main()
