#!/usr/bin/env bash
# Other seeds of the piece-solver estimators behind docs/pieces.md's table (seed 0: scripts/train_piece_solvers.sh),
# the same network, data and budget: is one estimator ahead, or its seed? MNIST; two runs side by side, one thread
# each, in runs/piece-seeds/; a run already there is resumed. benchmarks/piece_seeds.py measures them.
#   scripts/train_piece_seeds.sh            # 4x4, ten epochs: blackbox and gumbel-sinkhorn, seeds 1 and 2
#   SEEDS="3 4" scripts/train_piece_seeds.sh
#   GRID=2 EPOCHS=2 ESTIMATORS="blackbox-pieces gumbel-sinkhorn" scripts/train_piece_seeds.sh
#     (blackbox-pieces: blackbox on the error written piece by piece, --loss pieces --strength 1000)
set -euo pipefail
export OMP_NUM_THREADS=1
grid="${GRID:-4}"; epochs="${EPOCHS:-10}"
options_of() {
  case "$1" in
    blackbox-pieces) echo "--estimator blackbox --loss pieces --strength 1000" ;;
    *) echo "--estimator $1" ;;
  esac
}
for seed in ${SEEDS:-1 2}; do
  for name in ${ESTIMATORS:-blackbox gumbel-sinkhorn}; do
    out="runs/piece-seeds/mnist-$grid-$name-seed$seed"
    resume=$([ -f "$out/checkpoint.pt" ] && echo --resume || true)
    # shellcheck disable=SC2046  # the options are words
    jigsaw train --threads 1 piece-solver --dataset mnist --grid "$grid" $(options_of "$name") --epochs "$epochs" \
      --seed "$seed" --data-dir "${JIGSAW_DATA:-data}" --out "$out" $resume &
  done
  wait
done
