"""Validate the ``k`` of the knn baseline: mean PSNR on the last 5,000 training images (shuffled with seed 0),
solved with the first 55,000 as the reference.

    python benchmarks/choose_knn_k.py
"""

from __future__ import annotations

import time

from common import report
from jigsaw.datasets import load_dataset
from jigsaw.pixels.baselines import KNN_K_CANDIDATES, choose_k


def main() -> None:
    rows = []
    for dataset in ("mnist", "fashion-mnist"):
        images, labels = load_dataset(dataset, train=True)
        start = time.perf_counter()
        scores = choose_k(images, labels, validation=5000, seed=0)
        rows.append(
            {
                "dataset": dataset,
                **{f"k={k} PSNR": scores[k] for k in KNN_K_CANDIDATES},
                "best k": max(scores, key=scores.get),
                "seconds": time.perf_counter() - start,
            }
        )
    report("choose_knn_k", "knn baseline: validation PSNR (dB) by k", rows, list(rows[0]))


if __name__ == "__main__":
    main()
