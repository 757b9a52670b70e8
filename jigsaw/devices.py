"""Where a network runs: ``--device auto|cpu|cuda[:N]``, and the processes ``torchrun`` starts.

Under ``torchrun`` (its environment sets ``WORLD_SIZE``, ``RANK``, ``LOCAL_RANK``) every process joins one process
group — NCCL on CUDA, gloo on CPU — and trains its shard of each epoch; DDP all-reduces the gradients, so every
process holds the same weights after every step. Only the main process (rank 0) writes files. Without ``torchrun``
there is one process and nothing here talks to another.
"""

from __future__ import annotations

import gc
import os
import re
from dataclasses import dataclass
from typing import TypeVar, cast

import torch
from torch import Tensor, nn

from jigsaw.errors import JigsawError

DEVICE_HELP = "auto (CUDA when available, else CPU), cpu, cuda or cuda:N"
V = TypeVar("V")


def resolve_device(spec: str = "auto") -> torch.device:
    """The device ``spec`` names, refused in one sentence when this machine has no such device."""
    spec = spec.strip().lower()
    if spec == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if spec == "cpu":
        return torch.device("cpu")
    match = re.fullmatch(r"cuda(?::(\d+))?", spec)
    if not match:
        raise JigsawError(f"unknown device {spec!r}; choose {DEVICE_HELP}")
    if not torch.cuda.is_available():
        raise JigsawError(f"--device {spec}: this machine has no CUDA device (torch {torch.__version__})")
    index = int(match.group(1) or 0)
    if index >= torch.cuda.device_count():
        raise JigsawError(
            f"--device {spec}: this machine has {torch.cuda.device_count()} CUDA device(s), 0 to "
            f"{torch.cuda.device_count() - 1}"
        )
    return torch.device("cuda", index)


@dataclass(frozen=True)
class Processes:
    """This process's place among the ones ``torchrun`` started (one process of one without it)."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0

    @property
    def is_main(self) -> bool:
        """The process that writes files and prints progress."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        return self.world_size > 1


SINGLE = Processes()
"""One process, no torchrun: the default of every trainer."""


def launched_processes() -> Processes:
    """What ``torchrun``'s environment says (a single process when it did not start this one)."""
    try:
        return Processes(
            int(os.environ.get("RANK", 0)), int(os.environ.get("WORLD_SIZE", 1)), int(os.environ.get("LOCAL_RANK", 0))
        )
    except ValueError as error:
        raise JigsawError(f"torchrun's RANK / WORLD_SIZE / LOCAL_RANK are not numbers ({error})") from None


def start(spec: str = "auto") -> tuple[torch.device, Processes]:
    """Resolve ``--device`` and, under ``torchrun``, join the process group: each process takes the GPU of its
    local rank (``cuda`` or ``auto`` with GPUs), or the CPU with gloo."""
    processes = launched_processes()
    device = resolve_device(spec)
    if not processes.distributed:
        return device, processes
    import torch.distributed as dist

    if device.type == "cuda":
        if processes.local_rank >= torch.cuda.device_count():
            raise JigsawError(
                f"torchrun started {processes.world_size} processes on this machine, which has "
                f"{torch.cuda.device_count()} CUDA device(s): use --nproc_per_node at most that"
            )
        device = torch.device("cuda", processes.local_rank)
        torch.cuda.set_device(device)
    if not dist.is_initialized():
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return device, processes


def stop(finished: bool = True) -> None:
    """Leave the process group, if this process joined one: after the others when the work ``finished`` (rank 0
    may still be writing, and gloo aborts a process whose peer has left), at once after an error (the others may
    never arrive; torchrun stops them when this process exits)."""
    import torch.distributed as dist

    if dist.is_available() and dist.is_initialized():
        gc.collect()  # DDP wrappers hold the group: freed later, at exit, they abort the process
        if finished:
            dist.barrier()
        dist.destroy_process_group()


def wrap(model: nn.Module, device: torch.device, processes: Processes) -> nn.Module:
    """``model`` for training on several processes: DDP, whose backward pass all-reduces (averages) the gradients;
    the model itself in a single process."""
    if not processes.distributed:
        return model
    from torch.nn.parallel import DistributedDataParallel

    return DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)


def shard(indices: Tensor, processes: Processes) -> Tensor:
    """This process's share of an epoch's shuffled ``indices``, as ``DistributedSampler`` deals them: padded by
    repeating the first ones to a multiple of the world size (every process takes as many steps), then every
    ``world_size``-th from the process's rank. One process keeps them all, in order."""
    if not processes.distributed:
        return indices
    padding = (-len(indices)) % processes.world_size
    padded = torch.cat([indices, indices[:padding]]) if padding else indices
    return padded[processes.rank :: processes.world_size]


def mean_over_processes(total: float, count: int, device: torch.device, processes: Processes) -> float:
    """``total / count`` summed over every process (a training loss over the whole epoch, not one shard)."""
    if not processes.distributed:
        return total / count
    import torch.distributed as dist

    sums = torch.tensor([total, float(count)], dtype=torch.float64, device=device)
    dist.all_reduce(sums)
    return float(sums[0] / sums[1])


def from_main(value: V, processes: Processes) -> V:
    """The main process's ``value`` in every process (a decision only it can make, such as one that depends on
    files it is about to create); ``value`` itself in a single process."""
    if not processes.distributed:
        return value
    import torch.distributed as dist

    box = [value]
    dist.broadcast_object_list(box, src=0)
    return box[0]


def to_cpu(value: V) -> V:
    """Every tensor in a nested checkpoint structure on the CPU: checkpoints load on any machine."""
    if isinstance(value, Tensor):
        return cast(V, value.detach().cpu())
    if isinstance(value, dict):
        return cast(V, {k: to_cpu(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return cast(V, type(value)(to_cpu(v) for v in value))
    return value
