"""Throughput of ``rank_match`` against a bare ``torch.sort`` of the same data.

    python benchmarks/bench_permute.py

Cases: a sortGAN / solver batch (B=64, N=784) and LeNet5's 61,706 weights as one group (layer granularity).
Goal (foundation issue): rank_match <= 2.5x a bare torch.sort.
"""

from __future__ import annotations

import torch

from common import report, time_ms
from jigsaw.permute import rank_match

CASES = {"batch 64 x 784": (64, 784), "1 x 61,706 (LeNet5)": (1, 61_706)}


def bench_case(name: str, shape: tuple[int, int]) -> dict:
    generator = torch.Generator().manual_seed(0)
    scores = torch.randn(shape, generator=generator, requires_grad=True)
    values = torch.rand(shape, generator=generator)
    presorted = values.sort(dim=-1).values
    upstream = torch.randn(shape, generator=generator)
    plain = scores.detach()

    sort_ms = time_ms(lambda: torch.sort(plain, dim=-1))
    forward_ms = time_ms(lambda: rank_match(plain, values))
    presorted_ms = time_ms(lambda: rank_match(plain, presorted, values_sorted=True))
    train_ms = time_ms(lambda: rank_match(scores, presorted, values_sorted=True).backward(upstream))
    elements = shape[0] * shape[1]
    return {
        "case": name,
        "torch.sort ms": sort_ms,
        "rank_match ms": forward_ms,
        "ratio": forward_ms / sort_ms,
        "presorted ms": presorted_ms,
        "presorted ratio": presorted_ms / sort_ms,
        "fwd+bwd ms": train_ms,
        "Melem/s": elements / forward_ms / 1e3,
    }


def main() -> None:
    rows = [bench_case(name, shape) for name, shape in CASES.items()]
    report("bench_permute", "rank_match vs torch.sort (CPU, float32, median of 30)", rows, list(rows[0]))


if __name__ == "__main__":
    main()
