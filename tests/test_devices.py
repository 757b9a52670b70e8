"""Device choice, sharding and CPU checkpoints (no GPU needed), and the same training on CUDA where there is one."""

import pytest
import torch

from jigsaw.devices import Processes, resolve_device, shard, to_cpu
from jigsaw.errors import JigsawError

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")


def test_auto_and_cpu():
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.parametrize("spec", ["tpu", "cuda:x", "gpu0", ""])
def test_unknown_devices_are_one_sentence(spec):
    with pytest.raises(JigsawError, match="unknown device"):
        resolve_device(spec)


def test_a_cuda_device_this_machine_lacks_is_refused():
    count = torch.cuda.device_count() if torch.cuda.is_available() else 0
    with pytest.raises(JigsawError, match="CUDA device"):
        resolve_device(f"cuda:{count}")


def test_shards_cover_the_epoch_like_distributed_sampler():
    order = torch.randperm(10, generator=torch.Generator().manual_seed(0))
    assert torch.equal(shard(order, Processes()), order)  # one process: everything, in order
    parts = [shard(order, Processes(rank, 3, rank)) for rank in range(3)]
    assert all(len(p) == 4 for p in parts)  # padded to 12: every process takes as many steps
    assert sorted(torch.cat(parts).tolist()) == sorted(order.tolist() + order[:2].tolist())
    sampler = torch.utils.data.DistributedSampler(range(10), num_replicas=3, rank=1, shuffle=False)
    assert [order[i].item() for i in sampler] == parts[1].tolist()  # the same dealing as torch's own sampler


def test_checkpoint_contents_go_to_the_cpu():
    nested = {"a": torch.ones(2), "b": [torch.zeros(1), (torch.ones(1), 3)], "c": "text"}
    moved = to_cpu(nested)
    assert moved["c"] == "text" and moved["b"][1][1] == 3 and moved["a"].device.type == "cpu"


def test_device_cpu_reproduces_the_single_process_results(dataset_root, tmp_path):
    """The figures of a short run before devices existed (2026-12-01, one thread): --device cpu changes nothing."""
    from jigsaw.weights.run import IndexOptConfig, IndexOptRun, train_run

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        run = IndexOptRun(IndexOptConfig(epochs=2, limit=256, granularity="kernel"), "cpu")
        history = train_run(run, tmp_path, dataset_root)
    finally:
        torch.set_num_threads(threads)
    assert history[-1]["test_accuracy"] == 0.154 and "world_size" not in history[-1]
    assert history[-1]["train_loss"] == pytest.approx(4.1937495470047, rel=1e-6)


@pytest.mark.cuda
@needs_cuda
def test_rank_match_is_identical_on_cuda():
    from jigsaw.permute import rank_match

    scores = torch.randn(64, 784, generator=torch.Generator().manual_seed(0))
    scores[:, ::7] = 0.5  # ties, broken by position on both devices
    values = torch.rand(64, 784, generator=torch.Generator().manual_seed(1))
    assert torch.equal(rank_match(scores.cuda(), values.cuda()).cpu(), rank_match(scores, values))


@pytest.mark.cuda
@needs_cuda
@pytest.mark.parametrize("kind", ["index-opt", "sortgan"])
def test_the_same_training_on_cuda_and_cpu(kind, dataset_root, tmp_path):
    from jigsaw.pixels.sortgan import SortGANConfig, SortGANRun
    from jigsaw.pixels.sortgan import train as train_sortgan
    from jigsaw.weights.run import IndexOptConfig, IndexOptRun, train_run

    def trained(device):
        if kind == "index-opt":
            run = IndexOptRun(IndexOptConfig(epochs=1, limit=512, shift=0), device)
            train_run(run, tmp_path / f"{kind}-{device}", dataset_root)
        else:
            run = SortGANRun(SortGANConfig(epochs=1, limit=512, validation=100), device)
            train_sortgan(run, tmp_path / f"{kind}-{device}", dataset_root)
        return run

    cpu, cuda = trained("cpu"), trained("cuda")
    assert all(p.device.type == "cuda" for p in cuda.model.parameters())
    key = "test_accuracy" if kind == "index-opt" else "val_psnr"
    assert cuda.history[-1][key] == pytest.approx(cpu.history[-1][key], abs=0.03 if kind == "index-opt" else 0.5)
    if kind == "index-opt":  # every weight group is still a permutation of its initial values on the GPU
        assert cuda.optimizer.holds_permutations()
    reloaded = (IndexOptRun if kind == "index-opt" else SortGANRun).load(tmp_path / f"{kind}-cuda" / "checkpoint.pt")
    assert all(p.device.type == "cpu" for p in reloaded.model.parameters())  # a GPU run loads on a laptop
