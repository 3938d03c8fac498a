"""Progress bars of the long commands, on standard error.

click draws the bar only when standard error is a terminal; elsewhere (a log file, a
pipe, a test) it writes the label once, so the output stays one line per step.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable
from typing import TypeVar

import click
from click._termui_impl import ProgressBar

T = TypeVar("T")


def bar(label: str, items: Iterable[T], length: int | None = None) -> ProgressBar[T]:
    """A progress bar over ``items`` (use it as a context manager and iterate it)."""
    return click.progressbar(
        items, length=length, label=label, file=sys.stderr, show_pos=True, show_percent=True
    )


def counter(label: str, length: int) -> ProgressBar[int]:
    """A progress bar moved by hand (``update(n)``) up to ``length``."""
    return click.progressbar(
        length=length, label=label, file=sys.stderr, show_pos=True, show_percent=True
    )


def steps() -> Callable[[str, int], None]:
    """Progress of a command whose steps have no known length (the sweep lists the file
    store as it goes): on a terminal, each step's count so far on one line that updates;
    elsewhere, each step's name once, when it starts."""
    tty = sys.stderr.isatty()
    state = {"step": ""}

    def report(step: str, done: int) -> None:
        if step != state["step"]:
            if state["step"] and tty:
                click.echo(err=True)
            state["step"] = step
            if not tty:
                click.echo(f"{step}…", err=True)
        if tty:
            click.echo(f"\r{step}: {done}", nl=False, err=True)

    return report
