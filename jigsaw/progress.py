"""One way for long library work to say how far it is, whatever it counts (batches, stages, solvers, images)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class Progress(Protocol):
    """What a long loop of the library reports to its caller (the CLI draws a bar from it)."""

    def start(self, total: int | None, label: str | None = None) -> None:
        """Work of ``total`` units begins (or its count is revised); ``label`` names what is under way."""

    def advance(self, label: str | None = None) -> None:
        """Count one unit of work; ``label``, when given, names the unit now under way."""

    def epoch(self, record: dict[str, Any]) -> None:
        """A finished training epoch's log record."""


class Silent:
    """A :class:`Progress` that reports nothing (the default of every library function)."""

    def start(self, total: int | None, label: str | None = None) -> None:
        pass

    def advance(self, label: str | None = None) -> None:
        pass

    def epoch(self, record: dict[str, Any]) -> None:
        pass


SILENT = Silent()


class Callbacks:
    """A :class:`Progress` from plain functions, for scripts: ``Callbacks(epoch=print)``."""

    def __init__(
        self, advance: Callable[[str | None], None] | None = None, epoch: Callable[[dict[str, Any]], None] | None = None
    ):
        self._advance, self._epoch = advance, epoch

    def start(self, total: int | None, label: str | None = None) -> None:
        pass

    def advance(self, label: str | None = None) -> None:
        if self._advance is not None:
            self._advance(label)

    def epoch(self, record: dict[str, Any]) -> None:
        if self._epoch is not None:
            self._epoch(record)
