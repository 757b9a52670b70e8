#!/usr/bin/env bash
# The tile solver on sets its constants were never tuned on (docs/tiles.md, "Photographs it was not tuned on"):
# the 2,360- and 3,300-piece sets and scikit-image's photographs, scaled to the 540- and 805-piece formats
# (27 x 20 and 35 x 23 tiles of 28 px) and cut finer (27 x 20 tiles of 20 px), orientation known and unknown, and
# the two sets at their own size, and the corner windows of their photographs at their own resolution (flat corners
# of sky and ground), at 28 px (756 x 560) and 20 px (540 x 400).
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
for set in "$sets/bgu-2360" "$sets/bgu-3300" skimage; do  # cut finer: 540 pieces of 20 px
  for turns in "" --rotations; do
    python benchmarks/bench_tile_sets.py --set "$set" --size 540x400 --tile 20 --seeds 0 100 $turns
  done
done
for set in bgu-2360 bgu-3300; do
  python benchmarks/bench_tile_sets.py --set "$sets/$set" --seed 0
  for turns in "" --rotations; do  # corner windows, unscaled; --near 2 where orientation is known
    near="--near 2"; [ -n "$turns" ] && near=""
    python benchmarks/bench_tile_sets.py --set "$sets/$set" --windows 756x560 --seeds 0 100 $turns $near
    python benchmarks/bench_tile_sets.py --set "$sets/$set" --windows 540x400 --tile 20 --seeds 0 100 $turns $near
  done
done
mkdir -p docs/results
for file in benchmarks/results/bench_tile_sets_{bgu-2360,bgu-3300,skimage}_{756x560_28px,980x644_28px,540x400_20px}_PNG{,_rotated}.json \
    benchmarks/results/bench_tile_sets_{bgu-2360,bgu-3300}_28px_PNG.json \
    benchmarks/results/bench_tile_sets_{bgu-2360,bgu-3300}_{756x560-corners_28px,540x400-corners_20px}_PNG{_near_2,_rotated}.json; do  # the runs above, and only those
  name="$(basename "$file" .json)"; name="${name#bench_tile_sets_}"
  cp "$file" "docs/results/tiles_untuned_${name}.json"
done
