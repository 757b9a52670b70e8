"""How long each command takes to start, and how much memory it takes doing almost nothing.

    python benchmarks/bench_startup.py [--repeats 5]

Each command runs in a fresh process on a tiny input (a 64x64 photo, a 28x28 digit), so its wall time is nearly all
start-up: Python, the imports it needs (torch takes most), and the work itself. Peak memory is the child process's
maximum resident set. Goal (first-contact issue): ``jigsaw --help`` under 1 s, every command's own start under 2 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

from common import report

MEASURE = (
    "import resource, subprocess, sys; subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, "
    "stderr=subprocess.DEVNULL); print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
)


def commands(folder: Path) -> dict[str, list[str]]:
    photo, digit = folder / "photo.png", folder / "digit.png"
    Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(photo)
    Image.fromarray(np.random.default_rng(1).integers(0, 256, (28, 28), dtype=np.uint8)).save(digit)
    out = str(folder / "out.png")
    return {
        "jigsaw --help": ["--help"],
        "jigsaw --version": ["--version"],
        "jigsaw train index-opt --help": ["train", "index-opt", "--help"],
        "jigsaw shuffle (64x64 photo, tiles)": ["shuffle", str(photo), out, "--mode", "tiles", "--force"],
        "jigsaw solve (4x4 tiles)": ["solve", out, "--out", str(folder / "solved.png"), "--force"],
        "jigsaw solve (28x28 digit, sortGAN)": ["solve", str(digit), "--out", str(folder / "d.png"), "--force"],
        "jigsaw demo": ["demo", "--out", str(folder / "demo.png"), "--force"],
        "jigsaw train index-opt (refused: no run)": ["train", "index-opt", "--out", str(folder / "none"), "--resume"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    jigsaw = [sys.executable, "-m", "jigsaw"]
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        for name, arguments in commands(Path(folder)).items():
            seconds, memory = [], []
            for _ in range(args.repeats):
                start = time.perf_counter()
                result = subprocess.run(
                    [sys.executable, "-c", MEASURE, *jigsaw, *arguments], capture_output=True, text=True, check=True
                )
                seconds.append(time.perf_counter() - start)
                memory.append(int(result.stdout.strip()) / 1024)
            rows.append(
                {
                    "command": name,
                    "median s": statistics.median(seconds),
                    "min s": min(seconds),
                    "peak MiB": max(memory),
                }
            )
            print(rows[-1], flush=True)
    report("bench_startup", f"start-up of each command, median of {args.repeats} fresh processes", rows, list(rows[0]))


if __name__ == "__main__":
    main()
