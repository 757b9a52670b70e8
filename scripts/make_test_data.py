"""Make the small MNIST / FashionMNIST subsets the test suite ships with (``tests/data``), from the full datasets.

    python scripts/make_test_data.py --source data --train 4000 --test 1000 --fashion-train 500 --fashion-test 200

Each split keeps its first N images, written in torchvision's ``raw/`` layout (gzipped IDX files with the original
names), so the tests load them through the same code path as the full datasets.
"""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

import numpy as np

FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}


def read_idx(path: Path) -> tuple[bytes, np.ndarray]:
    """``(header, data)`` of an IDX file, plain or gzipped."""
    raw = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    dims = raw[3]
    header = raw[: 4 + 4 * dims]
    return header, np.frombuffer(raw[len(header) :], dtype=np.uint8)


def write_subset(source: Path, target: Path, images_file: str, labels_file: str, count: int) -> None:
    for name, per_item in ((images_file, 28 * 28), (labels_file, 1)):
        found = next(p for p in (source / name, source / f"{name}.gz") if p.exists())
        header, data = read_idx(found)
        header = header[:4] + count.to_bytes(4, "big") + header[8:]
        target.mkdir(parents=True, exist_ok=True)
        with gzip.GzipFile(target / f"{name}.gz", "wb", mtime=0) as handle:  # mtime 0: the same bytes every time
            handle.write(header + data[: count * per_item].tobytes())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("data"))
    parser.add_argument("--out", type=Path, default=Path("tests/data"))
    parser.add_argument("--train", type=int, default=4000)
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--fashion-train", type=int, default=500, help="FashionMNIST is only loaded, not trained on")
    parser.add_argument("--fashion-test", type=int, default=200)
    args = parser.parse_args()
    counts = {"MNIST": (args.train, args.test), "FashionMNIST": (args.fashion_train, args.fashion_test)}
    for dataset, (train, test) in counts.items():
        for split, count in (("train", train), ("test", test)):
            write_subset(args.source / dataset / "raw", args.out / dataset / "raw", *FILES[split], count)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
