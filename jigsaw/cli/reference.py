"""The command reference as Markdown, made from the Typer app itself, so that the documentation cannot drift from the
options the command really takes (the documentation site's ``docs/hooks/cli_reference.py`` calls it), and the
parser that checks a quoted command line against it (``tests/test_docs.py``)."""

from __future__ import annotations

import enum
import shlex
import typing
from typing import Any

import typer

from jigsaw.cli import app


def root() -> Any:
    """The Click command tree behind the ``jigsaw`` app."""
    return typer.main.get_command(app)


def find(path: str) -> Any:
    """The command ``path`` names (``"train index-opt"``), or the root for ``""``."""
    command = root()
    for name in path.split():
        command = command.commands[name]
    return command


def markdown(path: str, level: int = 2) -> str:
    """``jigsaw PATH``'s reference: its help, usage, every option with its type and default, and its examples."""
    command = find(path)
    lines = [f"{'#' * level} `jigsaw {path}`", ""]
    text, _, epilog = (command.help or "").partition("Examples:")
    lines += [" ".join(text.split()), ""]
    arguments = [p for p in command.params if p.param_type_name == "argument"]
    usage = " ".join(["jigsaw", path, *(p.name.upper() for p in arguments), "[OPTIONS]"])
    if hasattr(command, "commands"):
        usage += f" {'|'.join(command.commands)} ..."
    lines += ["```text", usage, "```", ""]
    lines += ["| argument or option | type | default | what it does |", "|---|---|---|---|"]
    for param in command.params:
        if param.name == "context" or getattr(param, "hidden", False):
            continue
        lines.append(_row(param))
    examples = [e.strip() for e in (command.epilog or epilog or "").replace("Examples:", "").split("\n") if e.strip()]
    if examples:
        lines += ["", "Examples:", "", "```bash", *examples, "```"]
    return "\n".join(lines) + "\n"


def _row(param: Any) -> str:
    if param.param_type_name == "argument":
        name = f"`{param.name.upper()}`"
    else:
        name = " / ".join(f"`{flag}`" for flag in [*param.opts, *param.secondary_opts])
    kind = "flag" if getattr(param, "is_flag", False) else _type_name(param)
    default = param.default
    unset = default is None or default is False or callable(default)
    shown = "required" if param.required else ("" if unset else default)
    if isinstance(shown, (list, tuple)):
        shown = ", ".join(str(v) for v in shown)
    if hasattr(shown, "value"):
        shown = shown.value
    help_text = " ".join((getattr(param, "help", None) or "").split()).replace("|", "\\|")
    cell = shown if shown in ("", "required") else f"`{shown}`"
    return f"| {name} | {kind} | {cell} | {help_text} |"


def _type_name(param: Any) -> str:
    """An option's type in words: its choices, its name, and its range where it has one."""
    annotation = getattr(getattr(param, "type_descriptor", None), "annotation", None)  # Typer's own parameters
    if annotation is None:  # Click's
        kind = param.type
        choices = getattr(kind, "choices", None)
        name = " \\| ".join(map(str, choices)) if choices else getattr(kind, "name", str(kind)).lower()
    else:
        inner = [a for a in typing.get_args(annotation) if a is not type(None)] or [annotation]
        kind = inner[0]
        if isinstance(kind, type) and issubclass(kind, enum.Enum):
            name = " \\| ".join(str(member.value) for member in kind)
        else:
            name = getattr(kind, "__name__", str(kind)).replace("Path", "path").replace("str", "text")
    low, high = getattr(param, "min", None), getattr(param, "max", None)
    if low is None and high is None:
        return name
    return f"{name}, {'at least ' + str(low) if high is None else f'{low} to {high:,}'}"


def check_command_line(line: str, complete: bool = True) -> None:
    """Parse a quoted ``jigsaw …`` command line as the real command would, raising Click's error when a command or
    option does not exist or a value does not fit; with ``complete`` false (a command named in prose), required
    options may be missing. Nothing runs."""
    words = shlex.split(line, comments=True)
    if words and words[0].endswith("jigsaw"):
        words = words[1:]
    command, path = root(), ["jigsaw"]
    while hasattr(command, "commands"):  # a group: its own options (train --threads 1 ...), then a command
        group_words = []
        while words and words[0].startswith("-"):
            flag = words.pop(0)
            group_words.append(flag)
            option = next((p for p in command.params if flag in p.opts), None)
            if option is None and flag not in ("--help", "--version"):
                raise ValueError(f"{' '.join(path)}: no such option {flag}")
            if option is not None and not getattr(option, "is_flag", False) and words:
                group_words.append(words.pop(0))
        if not words:
            return
        path.append(words[0])
        if words[0] not in command.commands:
            raise ValueError(f"{' '.join(path[:-1])}: no such command {words[0]}")
        command = command.commands[words.pop(0)]
    if "--help" in words:
        return
    try:
        command.make_context(" ".join(path), words)
    except Exception as error:
        if complete or type(error).__name__ != "MissingParameter":
            raise
