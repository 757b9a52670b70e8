"""Seconds per training step on CPU and (when present) CUDA, and one process against two (gloo, on the CPU).

    python benchmarks/bench_device.py [--steps 30]

Rows: LeNet5 with the IndexOptimizer (kernel granularity, batch 128, MNIST-shaped input), the small VGG with the
IndexOptimizer (SGD base, batch 128, CIFAR-shaped input), sortGAN (batch 64), and on CUDA only ResNet34 with the
IndexOptimizer under ``--amp`` (SGD base, batch 128, ImageNet-shaped 224-pixel input; its epoch is ImageNet's
1,281,167 training images in one process). Inputs are random tensors of the
datasets' shapes: a step's time does not depend on the pixels. Each step is forward + backward + optimizer step,
timed after warm-up steps (with CUDA synchronised). The per-epoch figures multiply by the steps of a full epoch
(469 for LeNet5 at batch 128, 938 for sortGAN at batch 64). The gloo rows run the LeNet5 step in 1 and in 2 processes
of one thread each, every process with its own batch of 128 (DDP all-reduces the gradients), and report images per
second over all processes.

Goals (device issue), where a GPU is present: a LeNet5 MNIST epoch with the IndexOptimizer under 3 s, a sortGAN MNIST
epoch under 5 s.
"""

from __future__ import annotations

import argparse
import os
import socket
import tempfile
import time

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
import torch.nn.functional as F

from common import report
from jigsaw.devices import Processes, wrap
from jigsaw.models import LeNet5, SmallVGG, resnet34
from jigsaw.permute import random_permutations
from jigsaw.pixels.sortgan import PIXELS, SortGANConfig, SortGANRun, train_step
from jigsaw.weights.optim import IndexOptimizer, initialize

EPOCH_STEPS = {"LeNet5 index-opt": 469, "VGG index-opt": 391, "sortGAN": 938, "ResNet34 index-opt, amp": 10_010}
CUDA_ONLY = ("ResNet34 index-opt, amp",)
"""Settings too slow to time on this CPU (seconds per step)."""


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def classifier_step(kind: str, device: torch.device, processes: Processes = Processes()):
    torch.manual_seed(0)
    if kind == "LeNet5 index-opt":
        model, shape, base = initialize(LeNet5(), "normal", 0).to(device), (128, 1, 28, 28), "adam"
    elif kind == "VGG index-opt":
        model, shape, base = initialize(SmallVGG(), "normal", 0).to(device), (128, 3, 32, 32), "sgd"
    else:
        model, shape, base = initialize(resnet34(), "normal", 0).to(device), (128, 3, 224, 224), "sgd"
    amp = kind.endswith("amp")
    extra = {"momentum": 0.9} if base == "sgd" else {}
    optimizer = IndexOptimizer(model.parameters(), base=base, lr=1e-3, granularity="kernel", **extra)
    network = wrap(model, device, processes)
    images, labels = torch.rand(shape, device=device), torch.randint(0, 10, (shape[0],), device=device)

    def step() -> None:
        optimizer.zero_grad(set_to_none=True)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=amp):  # as jigsaw.training does
            loss = F.cross_entropy(network(images), labels)
        loss.backward()
        optimizer.step()

    return step


def sortgan_step(device: torch.device):
    run = SortGANRun(SortGANConfig(input="sorted", score_weight=1.0), device)
    images, labels = torch.rand(64, PIXELS, device=device), torch.randint(0, 10, (64,), device=device)
    perms = random_permutations(64, PIXELS, 0).to(device)
    return lambda: train_step(run.model, run.opt_g, run.opt_d, images, labels, perms, run.config)


def seconds_per_step(step, device: torch.device, steps: int, warmup: int = 5) -> float:
    for _ in range(warmup):
        step()
    sync(device)
    start = time.perf_counter()
    for _ in range(steps):
        step()
    sync(device)
    return (time.perf_counter() - start) / steps


def _gloo_worker(rank: int, world: int, port: int, steps: int, out: str) -> None:
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    torch.set_num_threads(1)
    seconds = seconds_per_step(
        classifier_step("LeNet5 index-opt", torch.device("cpu"), Processes(rank, world, rank)),
        torch.device("cpu"),
        steps,
    )
    if rank == 0:
        torch.save(seconds, out)
    dist.barrier()
    dist.destroy_process_group()


def gloo_seconds(world: int, steps: int) -> float:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with tempfile.TemporaryDirectory() as folder:
        out = os.path.join(folder, "seconds.pt")
        mp.spawn(_gloo_worker, args=(world, port, steps, out), nprocs=world)
        return float(torch.load(out, weights_only=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30)
    args = parser.parse_args()
    devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    rows = []
    for device in devices:
        for kind in (k for k in EPOCH_STEPS if device.type == "cuda" or k not in CUDA_ONLY):
            step = sortgan_step(device) if kind == "sortGAN" else classifier_step(kind, device)
            seconds = seconds_per_step(step, device, args.steps)
            name = (
                torch.cuda.get_device_name(device)
                if device.type == "cuda"
                else f"CPU, {torch.get_num_threads()} threads"
            )
            rows.append(
                {
                    "setting": kind,
                    "device": name,
                    "ms per step": 1e3 * seconds,
                    "s per epoch": seconds * EPOCH_STEPS[kind],
                    "processes": 1,
                }
            )
            print(rows[-1], flush=True)
    for world in (1, 2):
        seconds = gloo_seconds(world, args.steps)
        rows.append(
            {
                "setting": "LeNet5 index-opt, gloo",
                "device": "CPU, 1 thread per process",
                "ms per step": 1e3 * seconds,
                "s per epoch": seconds * EPOCH_STEPS["LeNet5 index-opt"] / world,
                "processes": world,
            }
        )
        print(rows[-1], flush=True)
    report("bench_device", f"seconds per training step, {args.steps} steps after warm-up", rows, list(rows[0]))


if __name__ == "__main__":
    main()
