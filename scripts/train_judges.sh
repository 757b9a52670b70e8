#!/usr/bin/env bash
# Trains the two independent judges bundled in jigsaw/assets (used only by `jigsaw evaluate` to score solvers).
set -euo pipefail
cd "$(dirname "$0")/.."
for dataset in mnist fashion-mnist; do
  .venv/bin/jigsaw train classifier --dataset "$dataset" --epochs 10 --seed 1234 --out "jigsaw/assets/judge-$dataset.pt" --force
done
