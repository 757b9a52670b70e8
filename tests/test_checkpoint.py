import pytest
import torch

from jigsaw.checkpoint import load_checkpoint, load_state, save_checkpoint
from jigsaw.errors import JigsawError
from jigsaw.models import LeNet5


def test_round_trip(tmp_path):
    model = LeNet5()
    path = save_checkpoint(tmp_path / "m.pt", "classifier", {"model": "lenet5"}, model.state_dict(), {"seed": 3})
    payload = load_checkpoint(path, "classifier")
    assert payload["meta"] == {"seed": 3} and payload["config"] == {"model": "lenet5"}
    restored = load_state(LeNet5(), payload["state_dict"])
    assert all(torch.equal(a, b) for a, b in zip(model.state_dict().values(), restored.state_dict().values()))
    assert [p.name for p in tmp_path.iterdir()] == ["m.pt"]


def test_wrong_kind(tmp_path):
    path = save_checkpoint(tmp_path / "m.pt", "sortgan", {}, {})
    with pytest.raises(JigsawError, match="is a 'sortgan' checkpoint, expected 'classifier'"):
        load_checkpoint(path, "classifier")


def test_not_a_checkpoint(tmp_path):
    (tmp_path / "x.pt").write_text("hello")
    with pytest.raises(JigsawError, match="not a jigsaw checkpoint"):
        load_checkpoint(tmp_path / "x.pt", "classifier")
    torch.save({"a": 1}, tmp_path / "y.pt")
    with pytest.raises(JigsawError, match="not a jigsaw checkpoint"):
        load_checkpoint(tmp_path / "y.pt", "classifier")
    with pytest.raises(JigsawError, match="no such checkpoint"):
        load_checkpoint(tmp_path / "z.pt", "classifier")


def test_code_in_a_checkpoint_is_not_run(tmp_path):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    torch.save({"kind": "classifier", "format": 1, "config": {}, "state_dict": {}, "meta": Evil()}, tmp_path / "e.pt")
    with pytest.raises(JigsawError, match="not a jigsaw checkpoint"):
        load_checkpoint(tmp_path / "e.pt", "classifier")


def test_wrong_shapes(tmp_path):
    state = LeNet5(num_classes=5).state_dict()
    with pytest.raises(JigsawError, match="do not fit"):
        load_state(LeNet5(), state)
