#!/usr/bin/env bash
# Other seeds of the MNIST 4x4 estimators behind docs/pieces.md's table (seed 0: scripts/train_piece_solvers.sh
# blackbox 4 10 and gumbel-sinkhorn 4 10), the same network, data and budget: is one estimator ahead, or its seed?
# Two runs side by side, one thread each, in runs/piece-seeds/; a run already there is resumed.
# benchmarks/piece_seeds.py measures them.
#   scripts/train_piece_seeds.sh            # seeds 1 and 2
#   SEEDS="3 4" scripts/train_piece_seeds.sh
set -euo pipefail
export OMP_NUM_THREADS=1
for seed in ${SEEDS:-1 2}; do
  for estimator in blackbox gumbel-sinkhorn; do
    out="runs/piece-seeds/mnist-4-$estimator-seed$seed"
    resume=$([ -f "$out/checkpoint.pt" ] && echo --resume || true)
    jigsaw train --threads 1 piece-solver --dataset mnist --grid 4 --estimator "$estimator" --epochs 10 \
      --seed "$seed" --data-dir "${JIGSAW_DATA:-data}" --out "$out" $resume &
  done
  wait
done
