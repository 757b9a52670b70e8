"""``python -m jigsaw`` runs the command-line interface."""

from jigsaw.cli import main

main()
