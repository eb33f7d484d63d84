"""Output helpers shared by the commands: failing with a message, progress bars."""

from __future__ import annotations

import sys

import click


def fail(message: str, exit_code: int = 1) -> None:
    """Print a message to stderr and exit non-zero."""
    click.secho(message, fg="red", err=True)
    sys.exit(exit_code)


def progress_bar(length: int, label: str):
    """A progress bar on stderr showing the position (standard output stays for data)."""
    return click.progressbar(length=max(length, 1), label=label, file=sys.stderr, show_pos=True)
