"""Replay epochs of a sortGAN run from a saved state with another gradient clip: does clipping stop a collapse?

    python scripts/replay_sortgan.py runs/sortgan-fashion-mnist-100/best.pt --epochs 20 --grad-clip 1 \
        --out runs/replay-clip1

Training is deterministic (each epoch's batches and shuffles come from seed and epoch), so replaying from the same
state with ``--grad-clip 0`` repeats the original run exactly, collapse included.
"""

import argparse
import json
from pathlib import Path

from jigsaw.pixels import sortgan
from jigsaw.progress import Callbacks

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("checkpoint", type=Path)
parser.add_argument("--epochs", type=int, required=True, help="train until this epoch")
parser.add_argument("--grad-clip", type=float, default=0.0)
parser.add_argument("--out", type=Path, required=True)
parser.add_argument("--data-dir", type=Path, default=None)
args = parser.parse_args()
if args.out.exists():
    raise SystemExit(f"{args.out} exists; choose another --out")
training = sortgan.SortGANRun.load(args.checkpoint)
print(f"{args.checkpoint}: epoch {len(training.history)}, replaying to {args.epochs} with grad clip {args.grad_clip}")
training.config.epochs, training.config.grad_clip = args.epochs, args.grad_clip
training.config.validate()
sortgan.train(
    training, args.out, args.data_dir, progress=Callbacks(epoch=lambda record: print(json.dumps(record), flush=True))
)
