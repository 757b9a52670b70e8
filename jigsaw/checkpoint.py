"""Checkpoints: ``{"kind", "format", "config", "state_dict", "meta"}``, written atomically, loaded safely.

``torch.load(..., weights_only=True)`` never runs code from the file. Each kind's loader then checks the file field
by field against what it needs — the config against its dataclass (:func:`config_from`: unknown keys refused by
name, every value of its field's type), the weights against the model the config describes (:func:`load_state`:
names, shapes, dtypes), the meta entries it reads (:func:`require`) — so a damaged or foreign file gives one
sentence, never a traceback.
"""

from __future__ import annotations

import dataclasses
import io
import math
import os
import types
import typing
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import torch
from torch import nn

from jigsaw.devices import to_cpu
from jigsaw.errors import JigsawError
from jigsaw.files import atomic_write

FORMAT = 1
M = TypeVar("M", bound=nn.Module)
C = TypeVar("C")
R = TypeVar("R")


def save_checkpoint(
    path: str | os.PathLike, kind: str, config: dict, state_dict: dict, meta: dict | None = None
) -> Path:
    """Write a checkpoint through a temporary file and a rename: a crash leaves the old file or the new one. Every
    tensor is saved from the CPU."""
    path = Path(path)
    payload = {"kind": kind, "format": FORMAT, "config": config, "state_dict": state_dict, "meta": meta or {}}
    payload = to_cpu(payload)  # a model trained on a GPU loads on a laptop
    buffer = io.BytesIO()  # serialised first: torch.save hides a failed write (disk full) in a RuntimeError
    torch.save(payload, buffer)
    atomic_write(path, lambda handle: handle.write(buffer.getbuffer()))
    return path


def load_checkpoint(path: str | os.PathLike, kind: str | tuple[str, ...]) -> dict[str, Any]:
    """Load and check a checkpoint of one of the expected ``kind`` s."""
    path = Path(path)
    kinds = (kind,) if isinstance(kind, str) else kind
    if not path.is_file():
        raise JigsawError(f"{path}: no such checkpoint file")
    try:
        with warnings.catch_warnings():  # torch warns about what it refuses; the refusal is reported below
            warnings.simplefilter("ignore")
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - any parse failure of a foreign file is the user's file, not a bug
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise JigsawError(f"{path}: not a jigsaw checkpoint ({first_line})") from None
    if not isinstance(payload, dict) or not {"kind", "format", "config", "state_dict"} <= payload.keys():
        raise JigsawError(f"{path}: not a jigsaw checkpoint (missing kind/format/config/state_dict)")
    if payload["format"] != FORMAT or isinstance(payload["format"], bool):
        raise JigsawError(f"{path}: checkpoint format {payload['format']!r} is not supported (expected {FORMAT})")
    if payload["kind"] not in kinds:
        raise JigsawError(f"{path}: is a {payload['kind']!r} checkpoint, expected {' or '.join(map(repr, kinds))}")
    payload.setdefault("meta", {})
    for section in ("config", "state_dict", "meta"):
        if not isinstance(payload[section], dict):
            raise JigsawError(f"{path}: {section} is a {type(payload[section]).__name__}, not a mapping")
    bad = [k for k, v in payload["state_dict"].items() if not (isinstance(k, str) and isinstance(v, torch.Tensor))]
    if bad:
        raise JigsawError(f"{path}: state_dict entry {bad[0]!r} is not a named tensor")
    return payload


def config_from(path: str | os.PathLike, config: dict, cls: type[C], defaults: dict | None = None) -> C:
    """The dataclass ``cls`` from a checkpoint's ``config``; ``defaults`` fill keys that older files lack.

    Unknown keys are refused by name and every value must have its field's type (an int is a float too; a list
    of the right length is a tuple), so a damaged config fails here and not deep inside training."""
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = [k for k in config if k not in fields]
    if unknown:
        raise JigsawError(f"{path}: unknown config key {unknown[0]!r} (not written by this version of jigsaw)")
    values = {**(defaults or {}), **config}
    hints = typing.get_type_hints(cls)
    for name, value in values.items():
        if not _has_type(value, hints[name]):
            raise JigsawError(f"{path}: config {name} = {value!r} is not of type {_type_name(hints[name])}")
    missing = [n for n, f in fields.items() if n not in values and f.default is dataclasses.MISSING]
    if missing:
        raise JigsawError(f"{path}: config lacks {missing[0]!r}")
    return cls(**values)


def _has_type(value: Any, hint: Any) -> bool:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_has_type(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    if origin is tuple:
        args = typing.get_args(hint)
        return isinstance(value, (tuple, list)) and len(value) == len(args) and all(map(_has_type, value, args))
    return isinstance(value, hint)


def _type_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def require(path: str | os.PathLike, meta: dict, **kinds: type) -> None:
    """Refuse a checkpoint whose ``meta`` lacks one of the entries ``kinds`` names, or has it of another type."""
    for name, kind in kinds.items():
        if name not in meta:
            raise JigsawError(f"{path}: meta lacks {name!r}; the file is damaged or not from a training run")
        if not isinstance(meta[name], kind):
            raise JigsawError(f"{path}: meta {name!r} is a {type(meta[name]).__name__}, not a {kind.__name__}")


def restore(path: str | os.PathLike, what: str, load: Callable[[], R]) -> R:
    """``load()`` (an optimizer's or scheduler's ``load_state_dict``, say), with one sentence when the saved state
    does not fit."""
    try:
        return load()
    except (KeyError, TypeError, ValueError, RuntimeError, IndexError, AttributeError) as error:
        detail = " ".join(str(error).split())[:200] or type(error).__name__
        raise JigsawError(f"{path}: {what} does not fit ({detail})") from None


def check_history(path: str | os.PathLike, history: list) -> list[dict]:
    """A run's per-epoch records: mappings numbered 1, 2, ... in order, whose other entries are numbers."""
    for index, record in enumerate(history):
        if not isinstance(record, dict) or record.get("epoch") != index + 1:
            raise JigsawError(f"{path}: history record {index + 1} is damaged")
        for key, value in record.items():
            if not (isinstance(key, str) and _has_type(value, float)):
                raise JigsawError(f"{path}: history record {index + 1} has {key} = {value!r}, not a number")
    return list(history)


def check_like(path: str | os.PathLike, what: str, saved: dict, fresh: dict) -> None:
    """Refuse a saved state (a scheduler's, say) whose entries are not of the types that a freshly built one has:
    ``load_state_dict`` of such states copies anything in and fails only later, deep inside training."""
    for key, expected in fresh.items():
        if key not in saved:
            continue  # written by another version of torch; load_state_dict decides
        value = saved[key]
        kinds = (
            (int, float) if isinstance(expected, (int, float)) and not isinstance(expected, bool) else type(expected)
        )
        if isinstance(value, bool) != isinstance(expected, bool) or not isinstance(value, kinds):
            raise JigsawError(f"{path}: {what} {key} = {value!r} is not a {type(expected).__name__}")
        if isinstance(value, list) and not all(isinstance(v, (int, float)) and math.isfinite(v) for v in value):
            raise JigsawError(f"{path}: {what} {key} holds something other than finite numbers")


def load_state(module: M, state_dict: dict, source: str | os.PathLike = "checkpoint", what: str = "weights") -> M:
    """``module.load_state_dict`` with a one-sentence error when names, shapes or dtypes do not fit (a float tensor
    of any precision fits a float parameter; an integer tensor never does) or a value is NaN or infinite."""
    expected = module.state_dict()
    for name, tensor in state_dict.items():
        if name in expected and tensor.is_floating_point() != expected[name].is_floating_point():
            raise JigsawError(f"{source}: {what} {name!r} are {tensor.dtype}, the model needs {expected[name].dtype}")
        if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
            raise JigsawError(f"{source}: {what} {name!r} hold NaN or infinite values; the file is damaged")
    try:
        module.load_state_dict({k: v.float() if v.is_floating_point() else v for k, v in state_dict.items()})
    except RuntimeError as error:
        detail = " ".join(str(error).split())[:300]
        raise JigsawError(f"{source}: {what} do not fit the model ({detail})") from None
    return module
