"""``taskcore export`` and ``taskcore import``."""

from __future__ import annotations

import click

COMMANDS: tuple[click.Command, ...] = ()
