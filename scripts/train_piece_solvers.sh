#!/usr/bin/env bash
# The piece solvers behind docs/pieces.md's table and the bundled models: every dataset and grid given, with the
# estimator given (ste: bundled; gumbel-sinkhorn: the baseline), one thread, runs in runs/pieces/.
#   scripts/train_piece_solvers.sh ste "4 2" 3 2        # estimator, grids, epochs at grid 4, epochs at grid 2
set -euo pipefail
estimator="${1:-ste}"; grids="${2:-4 2}"; epochs4="${3:-3}"; epochs2="${4:-2}"
for grid in $grids; do
  epochs=$([ "$grid" = 2 ] && echo "$epochs2" || echo "$epochs4")
  for dataset in mnist fashion-mnist; do
    out="runs/pieces/$dataset-$grid-$estimator"
    resume=$([ -f "$out/checkpoint.pt" ] && echo --resume || true)
    jigsaw train --threads 1 piece-solver --dataset "$dataset" --grid "$grid" --estimator "$estimator" \
      --epochs "$epochs" --seed 0 --data-dir "${JIGSAW_DATA:-data}" --out "$out" $resume
  done
done
