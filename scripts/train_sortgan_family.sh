#!/usr/bin/env bash
# A family of sortGAN models along the adversarial weight (issue 22): the bundled recipe (sorted input, score
# regression 100, lr 1e-3, gradient clip 1, seed 0) with --adversarial-weight W, EPOCHS epochs each, one thread.
#   [DISCRIMINATOR=conv] [GENERATOR=conv] [SPECTRAL=1] [SCORE_WEIGHT=S] [EMA=D]
#     scripts/train_sortgan_family.sh [DATASET] [EPOCHS] [WEIGHTS...]
#   (default: mnist 10 0.1 0.3 1.0, the MLP generator and discriminator, score weight 100, no moving average)
# Runs go to runs/sortgan-family/DATASET[-conv][-convgen][-sn][-score-S][-ema]-adv-W (resumed when there; a finished
# run resumed to more epochs is first copied to ...-adv-W-epN, N its epochs, so every stage stays measurable); then, for
# the plane and the family table (every run folder's last epoch):
#   python benchmarks/perception_distortion.py --family runs/sortgan-family
set -euo pipefail
cd "$(dirname "$0")/.."
dataset=${1:-mnist}
epochs=${2:-10}
shift $(( $# > 2 ? 2 : $# ))
weights=${*:-0.1 0.3 1.0}
discriminator=${DISCRIMINATOR:-mlp}
generator=${GENERATOR:-mlp}
spectral=$([ "${SPECTRAL:-0}" = 1 ] && echo --spectral-norm || true)
score=${SCORE_WEIGHT:-100}
ema=${EMA:-0}
kind=$([ "$discriminator" = mlp ] && echo "" || echo "-$discriminator")$([ "$generator" = mlp ] && echo "" || echo "-${generator}gen")$([ -z "$spectral" ] && echo "" || echo "-sn")$([ "$score" = 100 ] && echo "" || echo "-score-$score")$([ "$ema" = 0 ] && echo "" || echo "-ema")
for weight in $weights; do
  out="runs/sortgan-family/$dataset$kind-adv-$weight"
  resume=""
  if [ -e "$out/checkpoint.pt" ]; then
    resume=--resume
    # epochs done (the history a resume continues from) and planned, both from the checkpoint
    read -r done_epochs planned < <(.venv/bin/python -c "import sys, torch; run = torch.load(sys.argv[1], \
      map_location='cpu', weights_only=True); print(len(run['meta']['history']), run['config']['epochs'])" \
      "$out/checkpoint.pt")
    if [ "$done_epochs" = "$planned" ] && [ "$done_epochs" -lt "$epochs" ] && [ ! -e "$out-ep$done_epochs" ]; then
      cp -r "$out" "$out-ep$done_epochs.partial" && mv "$out-ep$done_epochs.partial" "$out-ep$done_epochs"
    fi
  fi
  .venv/bin/jigsaw train --threads 1 sortgan --dataset "$dataset" --epochs "$epochs" --seed 0 --input sorted \
    --score-weight "$score" --adversarial-weight "$weight" --lr 1e-3 --grad-clip 1 --discriminator "$discriminator" \
    --generator "$generator" --ema "$ema" $spectral --data-dir data --out "$out" $resume
done
