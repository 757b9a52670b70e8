"""Seconds per training step of LeNet5 on MNIST (batch 128, CPU): plain Adam against the IndexOptimizer.

    python benchmarks/bench_index_optim.py

Every optimizer trains its own copy of the same network on the same 100 batches, in one process; each step is
forward + backward + optimizer step. Goal (index-optimizer issue): <= 1.25x plain Adam at layer granularity.
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F

from common import report
from jigsaw.datasets import load_dataset
from jigsaw.models import LeNet5
from jigsaw.weights.optim import IndexOptimizer, initialize

STEPS, WARMUP, BATCH, ROUNDS = 100, 10, 128, 3


def make(kind: str):
    torch.manual_seed(0)
    model = initialize(LeNet5(), "normal", seed=0)
    if kind == "adam":
        return model, torch.optim.Adam(model.parameters(), lr=1e-3)
    granularity, _, mode = kind.partition(" ")
    return model, IndexOptimizer(model.parameters(), lr=1e-3, granularity=granularity, ste=mode != "no-STE")


def step_seconds(model, optimizer, batches) -> float:
    def one(x, y):
        optimizer.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        optimizer.step()

    for x, y in batches[:WARMUP]:
        one(x, y)
    start = time.perf_counter()
    for x, y in batches[WARMUP:]:
        one(x, y)
    return (time.perf_counter() - start) / (len(batches) - WARMUP)


def main() -> None:
    images, labels = load_dataset("mnist", train=True)
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(0))[: (STEPS + WARMUP) * BATCH]
    batches = [(images[i], labels[i]) for i in order.split(BATCH)]
    kinds = ["adam", "layer", "out_channel", "kernel", "layer no-STE"]
    # interleave rounds so a slow moment of the machine does not fall on one optimizer only; keep the best round
    seconds = {kind: float("inf") for kind in kinds}
    for _ in range(ROUNDS):
        for kind in kinds:
            seconds[kind] = min(seconds[kind], step_seconds(*make(kind), batches))
    rows = [
        {
            "optimizer": "plain Adam" if k == "adam" else f"IndexOptimizer {k}",
            "ms/step": seconds[k] * 1e3,
            "ratio to Adam": seconds[k] / seconds["adam"],
        }
        for k in kinds
    ]
    report(
        "bench_index_optim",
        f"LeNet5 / MNIST, batch {BATCH}, {STEPS} steps, best of {ROUNDS}, {torch.get_num_threads()} threads",
        rows,
        list(rows[0]),
    )


if __name__ == "__main__":
    main()
