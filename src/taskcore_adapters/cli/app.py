"""The ``taskcore`` click group: its options, the warnings every command starts with, and
how errors end a command (one line and status 2 for the usual mistakes, click's usage
message and status 2 for a bad command line)."""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence

import click

from taskcore.errors import TaskcoreError
from taskcore_adapters.cli import database, maintenance, server, transfer
from taskcore_adapters.config import ConfigError, Settings
from taskcore_adapters.extras import EXTRAS_HELP, missing_extra

COMPLETION_HELP = (
    'Shell completion: eval "$(_TASKCORE_COMPLETE=bash_source taskcore)" in ~/.bashrc '
    "(zsh_source for ~/.zshrc, fish_source for fish)."
)


def version() -> str:
    """The installed distribution's version."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("taskcore")
    except PackageNotFoundError:  # pragma: no cover - run from a source tree
        return "0+unknown"


@click.group(
    name="taskcore",
    help="taskcore reference server and tools. Settings come from TASKCORE_* environment "
    "variables (see docs/configuration.md).",
    epilog=f"{EXTRAS_HELP}\n\n{COMPLETION_HELP}",
    context_settings={"show_default": True, "help_option_names": ["-h", "--help"]},
)
@click.version_option(version(), "--version", prog_name="taskcore", message="%(prog)s %(version)s")
def root() -> None:
    """Runs before every command (never for --help or --version): taskcore's log lines
    and a warning for each misspelt TASKCORE_* variable."""
    if not logging.getLogger().handlers:  # leave a host's (or a test runner's) logging alone
        _configure_logs()
    from taskcore_adapters.cli_checks import misspelt

    for warning in misspelt():
        click.echo(f"taskcore: warning: {warning}", err=True)


for command in (
    *database.COMMANDS,
    *server.COMMANDS,
    *maintenance.COMMANDS,
    *transfer.COMMANDS,
):
    root.add_command(command)


def run(argv: Sequence[str] | None = None) -> int:
    """Run the command ``argv`` names (the process's arguments when ``None``) and answer
    its exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        result = root.main(args, prog_name="taskcore", standalone_mode=False)
    except click.UsageError as exc:  # an unknown command or option, a missing argument
        exc.show()
        return exc.exit_code
    except click.ClickException as exc:  # a file it cannot open, …
        click.echo(f"taskcore: error: {exc.format_message()}", err=True)
        return 2
    except click.Abort:  # Ctrl-C, or end of input at a prompt
        click.echo("Aborted!", err=True)
        return 1
    except (ConfigError, TaskcoreError) as exc:
        click.echo(f"taskcore: error: {exc}", err=True)
        return 2
    except ModuleNotFoundError as exc:  # a base install, or an extra missing
        click.echo(f"taskcore: error: {missing_extra(exc)}", err=True)
        return 2
    except Exception as exc:
        # The usual mistakes get one line (an unreachable server, a malformed URL, an
        # unknown driver, a folder it cannot write); anything else keeps its traceback.
        if not _common(exc):
            raise
        from taskcore_adapters.cli_checks import explain

        click.echo(f"taskcore: error: {explain(exc, _settings_or_none())}", err=True)
        return 2
    return 0 if result is None else int(result)


def _common(exc: Exception) -> bool:
    module = type(exc).__module__
    return module.startswith(("sqlalchemy", "redis", "psycopg")) or isinstance(exc, PermissionError)


def _settings_or_none() -> Settings | None:
    try:
        return Settings.from_env()
    except ConfigError:
        return None


def _configure_logs() -> None:
    """taskcore's log lines; the standard library's until the server's extra (structlog)
    is installed, so that a command can still say which extra it needs."""
    from taskcore_adapters import logs

    try:
        logs.configure()
    except ModuleNotFoundError:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
