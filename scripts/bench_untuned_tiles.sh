#!/usr/bin/env bash
# The tile solver on sets its constants were never tuned on (docs/tiles.md, "Photographs it was not tuned on"):
# the 2,360- and 3,300-piece sets and scikit-image's photographs, scaled to the 540- and 805-piece formats
# (27 x 20 and 35 x 23 tiles of 28 px), orientation known and unknown, and the two sets at their own size.
# One thread; the JSON goes to benchmarks/results/ and is copied to docs/results/tiles_untuned_*.json.
set -euo pipefail
export OMP_NUM_THREADS=1
sets="${JIGSAW_TILE_SETS:-../shared/data/tiles}"
for size in 756x560 980x644; do
  for set in "$sets/bgu-2360" "$sets/bgu-3300" skimage; do
    for turns in "" --rotations; do
      python benchmarks/bench_tile_sets.py --set "$set" --size "$size" --seeds 0 100 $turns
    done
  done
done
for set in bgu-2360 bgu-3300; do
  python benchmarks/bench_tile_sets.py --set "$sets/$set" --seed 0
done
mkdir -p docs/results
for file in benchmarks/results/bench_tile_sets_{bgu,skimage}*.json; do
  name="$(basename "$file" .json)"; name="${name#bench_tile_sets_}"
  cp "$file" "docs/results/tiles_untuned_${name}.json"
done
