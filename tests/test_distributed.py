"""Several processes on the CPU (gloo), as torchrun starts them: DDP steps, identical permutations, one run folder."""

import gc
import json
import os
import socket
import subprocess
import sys

import pytest
import torch
import torch.distributed as dist
import torch.multiprocessing as mp

from jigsaw.checkpoint import load_checkpoint
from jigsaw.devices import Processes, wrap
from jigsaw.models import LeNet5
from jigsaw.permute import to_groups
from jigsaw.weights.optim import IndexOptimizer, initialize


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _join(rank: int, world: int, port: int) -> Processes:
    dist.init_process_group("gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world)
    torch.set_num_threads(1)
    return Processes(rank, world, rank)


def _leave() -> None:
    """Leave the process group once every process is done (the caller has dropped its DDP wrapper first: it holds
    the group, and freed only at exit it makes gloo abort)."""
    gc.collect()
    dist.barrier()
    dist.destroy_process_group()


def _batch(size: int = 32) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(7)
    return torch.rand(size, 1, 28, 28, generator=generator), torch.randint(0, 10, (size,), generator=generator)


def _model(index_optimizer: bool):
    torch.manual_seed(0)
    model = initialize(LeNet5(), "normal", seed=0)
    if index_optimizer:
        return model, IndexOptimizer(model.parameters(), lr=1e-2, granularity="kernel")
    return model, torch.optim.SGD(model.parameters(), lr=0.1)


def _step(model, optimizer, images, labels) -> None:
    optimizer.zero_grad()
    torch.nn.functional.cross_entropy(model(images), labels).backward()
    optimizer.step()


def _ddp_step_worker(rank: int, world: int, port: int, out: str) -> None:
    processes = _join(rank, world, port)
    model, optimizer = _model(index_optimizer=False)
    images, labels = _batch()
    half = len(labels) // world
    ddp = wrap(model, torch.device("cpu"), processes)
    _step(ddp, optimizer, *(t[rank * half : (rank + 1) * half] for t in (images, labels)))
    if rank == 0:
        torch.save(model.state_dict(), out)
    del ddp
    _leave()


def test_a_two_process_ddp_step_equals_one_step_on_the_combined_batch(tmp_path):
    out = str(tmp_path / "ddp.pt")
    mp.spawn(_ddp_step_worker, args=(2, free_port(), out), nprocs=2)
    model, optimizer = _model(index_optimizer=False)
    _step(model, optimizer, *_batch())
    distributed = torch.load(out, weights_only=True)
    for name, tensor in model.state_dict().items():
        assert torch.allclose(distributed[name], tensor, atol=1e-6), name


def _permutation_worker(rank: int, world: int, port: int, out: str) -> None:
    processes = _join(rank, world, port)
    model, optimizer = _model(index_optimizer=True)
    ddp = wrap(model, torch.device("cpu"), processes)
    generator = torch.Generator().manual_seed(100 + rank)  # each process sees its own images
    agreed = []
    for _ in range(5):
        images, labels = (
            torch.rand(16, 1, 28, 28, generator=generator),
            torch.randint(0, 10, (16,), generator=generator),
        )
        _step(ddp, optimizer, images, labels)
        flat = torch.cat([p.detach().flatten() for p in model.parameters()])
        gathered = [torch.empty_like(flat) for _ in range(world)]
        dist.all_gather(gathered, flat)
        agreed.append(all(torch.equal(gathered[0], g) for g in gathered))
    if rank == 0:
        torch.save({"agreed": agreed, "permutations": optimizer.holds_permutations()}, out)
    del ddp
    _leave()


def test_every_process_holds_the_same_permutation_after_every_step(tmp_path):
    out = str(tmp_path / "agreed.pt")
    mp.spawn(_permutation_worker, args=(2, free_port(), out), nprocs=2)
    result = torch.load(out, weights_only=True)
    assert result["agreed"] == [True] * 5 and result["permutations"]


def torchrun(*args: str, processes: int = 2) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", f"--nproc_per_node={processes}"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run([*command, "-m", "jigsaw", *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.mark.slow
def test_torchrun_index_opt_writes_one_run_and_resumes(tmp_path, dataset_root):
    out = tmp_path / "run"
    common = [
        "train",
        "index-opt",
        "--out",
        str(out),
        "--limit",
        "300",
        "--data-dir",
        str(dataset_root),
        "--device",
        "cpu",
        "--granularity",
        "kernel",
    ]
    first = torchrun(*common, "--epochs", "1")
    assert first.returncode == 0, first.stderr
    assert sorted(p.name for p in out.iterdir()) == ["checkpoint.pt", "log.jsonl"]
    assert first.stdout.count("best test accuracy") == 1  # rank 0 alone reports
    resumed = torchrun(*common, "--epochs", "2", "--resume")
    assert resumed.returncode == 0, resumed.stderr
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [r["epoch"] for r in log] == [1, 2] and {r["world_size"] for r in log} == {2}
    payload = load_checkpoint(out / "checkpoint.pt", "index-opt")
    assert payload["meta"]["world_size"] == 2
    for name, initial in payload["meta"]["initial_state_dict"].items():
        if initial.dim() >= 2:  # every kernel keeps its multiset of values
            trained = to_groups(payload["state_dict"][name], "kernel")
            assert torch.equal(trained.sort(-1).values, to_groups(initial, "kernel").sort(-1).values), name
    alone = subprocess.run(
        [sys.executable, "-m", "jigsaw", *common, "--epochs", "3", "--resume"], capture_output=True, text=True
    )
    assert alone.returncode == 2 and "trained by 2 process(es)" in alone.stderr
    assert alone.stderr.strip().count("\n") == 0


@pytest.mark.slow
def test_torchrun_sortgan_and_classifier(tmp_path, dataset_root):
    data = ["--data-dir", str(dataset_root), "--device", "cpu", "--limit", "256"]
    gan = torchrun("train", "sortgan", "--out", str(tmp_path / "gan"), "--epochs", "1", "--input", "sorted", *data)
    assert gan.returncode == 0, gan.stderr
    assert sorted(p.name for p in (tmp_path / "gan").iterdir()) == ["best.pt", "checkpoint.pt", "grid.png", "log.jsonl"]
    assert json.loads((tmp_path / "gan" / "log.jsonl").read_text())["world_size"] == 2
    judge = torchrun("train", "classifier", "--out", str(tmp_path / "judge.pt"), "--epochs", "1", *data)
    assert judge.returncode == 0, judge.stderr
    assert load_checkpoint(tmp_path / "judge.pt", "classifier")["meta"]["history"][0]["world_size"] == 2


@pytest.mark.slow
def test_an_error_under_torchrun_ends_every_process(tmp_path):
    """Refused input stops all processes (no one waits for a peer that left): one error line each, nothing written."""
    result = torchrun("train", "index-opt", "--out", str(tmp_path / "none"), "--resume", "--device", "cpu")
    assert result.returncode != 0
    assert result.stderr.count("error: ") == 2 and "holds no run to resume" in result.stderr
    assert not (tmp_path / "none").exists()
