"""Checkpoints: ``{"kind", "format", "config", "state_dict", "meta"}``, written atomically, loaded safely.

``torch.load(..., weights_only=True)`` never runs code from the file; ``kind`` and tensor shapes are checked so a wrong
file gives a sentence, not a traceback.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, TypeVar

import torch
from torch import nn

from jigsaw.errors import JigsawError
from jigsaw.files import atomic_write

FORMAT = 1
M = TypeVar("M", bound=nn.Module)


def save_checkpoint(
    path: str | os.PathLike, kind: str, config: dict, state_dict: dict, meta: dict | None = None
) -> Path:
    """Write a checkpoint through a temporary file and a rename: a crash leaves the old file or the new one."""
    path = Path(path)
    payload = {"kind": kind, "format": FORMAT, "config": config, "state_dict": state_dict, "meta": meta or {}}
    atomic_write(path, lambda tmp: torch.save(payload, tmp))
    return path


def load_checkpoint(path: str | os.PathLike, kind: str | tuple[str, ...]) -> dict[str, Any]:
    """Load and check a checkpoint of one of the expected ``kind`` s."""
    path = Path(path)
    kinds = (kind,) if isinstance(kind, str) else kind
    if not path.is_file():
        raise JigsawError(f"{path}: no such checkpoint file")
    try:
        payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - any parse failure of a foreign file is the user's file, not a bug
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise JigsawError(f"{path}: not a jigsaw checkpoint ({first_line})") from None
    if not isinstance(payload, dict) or not {"kind", "format", "config", "state_dict"} <= payload.keys():
        raise JigsawError(f"{path}: not a jigsaw checkpoint (missing kind/format/config/state_dict)")
    if payload["format"] != FORMAT:
        raise JigsawError(f"{path}: checkpoint format {payload['format']} is not supported (expected {FORMAT})")
    if payload["kind"] not in kinds:
        raise JigsawError(f"{path}: is a {payload['kind']!r} checkpoint, expected {' or '.join(map(repr, kinds))}")
    payload.setdefault("meta", {})
    return payload


def load_state(module: M, state_dict: dict, source: str | os.PathLike = "checkpoint") -> M:
    """``module.load_state_dict`` with a one-sentence error when names or shapes do not fit."""
    try:
        module.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state_dict.items()})
    except RuntimeError as error:
        detail = " ".join(str(error).split())[:300]
        raise JigsawError(f"{source}: weights do not fit the model ({detail})") from None
    return module
