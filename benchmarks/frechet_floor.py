"""How low can a Fréchet distance go? Real training images against the real test set, in the bundled judge's
feature space, exactly as `jigsaw evaluate` measures a solver's recoveries.

    python benchmarks/frechet_floor.py

Three disjoint blocks of 10,000 training images (as many as the test set) per dataset. Real images differ from the
test set only by sampling, so their distance is the floor: a solver whose recoveries score near it looks as real as
real data, and no solver can be expected to go clearly below it.
"""

from __future__ import annotations

from common import report
from jigsaw.datasets import load_dataset
from jigsaw.pixels.judges import load_judge
from jigsaw.pixels.metrics import frechet_distance, predict

BLOCK = 10_000


def main() -> None:
    rows = []
    for dataset in ("mnist", "fashion-mnist"):
        judge = load_judge(dataset)
        _, test_features = predict(judge, load_dataset(dataset, train=False)[0])
        train = load_dataset(dataset, train=True)[0]
        row = {"dataset": dataset}
        for start in range(0, 3 * BLOCK, BLOCK):
            _, features = predict(judge, train[start : start + BLOCK])
            row[f"train {start:,}-{start + BLOCK - 1:,}"] = frechet_distance(features, test_features)
        rows.append(row)
    report(
        "frechet_floor",
        "Fréchet distance of real training images to the test set (judge features)",
        rows,
        list(rows[0]),
    )


if __name__ == "__main__":
    main()
