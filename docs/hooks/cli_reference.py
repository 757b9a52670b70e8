"""MkDocs hook: each ``<!-- jigsaw-cli COMMAND -->`` line of a page becomes that command's reference, made from the
Typer app (:mod:`jigsaw.cli.reference`), so the CLI pages always show the options the command really takes."""

import re

from jigsaw.cli.reference import markdown

MARKER = re.compile(r"^<!-- jigsaw-cli ?(.*?) -->$", re.MULTILINE)


def on_page_markdown(text, page, config, files):
    return MARKER.sub(lambda match: markdown(match.group(1).strip()), text)
