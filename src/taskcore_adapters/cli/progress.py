"""Progress bars of the long commands, on standard error.

click draws the bar only when standard error is a terminal; elsewhere (a log file, a
pipe, a test) it writes the label once, so the output stays one line per step.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
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
