#!/usr/bin/env bash
# The piece solvers behind docs/pieces.md's table and the bundled models: every dataset and grid given, with the
# estimator given (gumbel-sinkhorn: the baseline; ste, ste-sinkhorn and blackbox: hard placements), one
# thread, runs in runs/pieces/; a run already there is resumed.
#   scripts/train_piece_solvers.sh blackbox "7 2" 5 2   # estimator, grids, epochs above 2x2, epochs at 2x2
#   scripts/train_piece_solvers.sh blackbox 4 10        # 4x4 for ten epochs
#   SAMPLES=1 scripts/train_piece_solvers.sh blackbox 14 1  # one placement per puzzle and step (default 5)
#   NETWORK="--edges --refine 1" scripts/train_piece_solvers.sh assignment 7 8   # options of the network
#   NETWORK="--loss pieces --strength 1000" NAME=blackbox-pieces DATASETS=mnist scripts/train_piece_solvers.sh blackbox 4 10
#     (NAME: the run folders' name after dataset and grid, the estimator by default; DATASETS: both by default)
set -euo pipefail
estimator="${1:-ste}"; grids="${2:-4 2}"; epochs4="${3:-3}"; epochs2="${4:-2}"; samples="${SAMPLES:-5}"
read -r -a network <<< "${NETWORK:-}"
for grid in $grids; do
  epochs=$([ "$grid" = 2 ] && echo "$epochs2" || echo "$epochs4")
  for dataset in ${DATASETS:-mnist fashion-mnist}; do
    out="runs/pieces/$dataset-$grid-${NAME:-$estimator}"
    resume=$([ -f "$out/checkpoint.pt" ] && echo --resume || true)
    jigsaw train --threads 1 piece-solver --dataset "$dataset" --grid "$grid" --estimator "$estimator" \
      --epochs "$epochs" --samples "$samples" "${network[@]}" --seed 0 --data-dir "${JIGSAW_DATA:-data}" --out "$out" $resume
  done
done
