"""The click command line: help text and defaults on every option, shell completion,
and a bad command line ending with click's message and status 2."""

from __future__ import annotations

import os
import subprocess
import sys

import click
import pytest

from taskcore_adapters import cli
from taskcore_adapters.cli.app import root


def _commands(group: click.Group, prefix: str = "taskcore") -> list[tuple[str, click.Command]]:
    found: list[tuple[str, click.Command]] = []
    with click.Context(group, info_name=prefix) as ctx:
        for name in group.list_commands(ctx):
            command = group.get_command(ctx, name)
            assert command is not None
            if isinstance(command, click.Group):
                found.extend(_commands(command, f"{prefix} {name}"))
            else:
                found.append((f"{prefix} {name}", command))
    return found


COMMANDS = _commands(root)


def test_every_command_of_the_former_command_line_is_there() -> None:
    names = {name for name, _ in COMMANDS}
    assert {
        "taskcore serve",
        "taskcore worker",
        "taskcore migrate",
        "taskcore db current",
        "taskcore db upgrade",
        "taskcore db downgrade",
        "taskcore config check",
        "taskcore create-admin",
        "taskcore sweep-files",
        "taskcore requeue-failed",
    } <= names


@pytest.mark.parametrize(("name", "command"), COMMANDS, ids=[n for n, _ in COMMANDS])
def test_every_option_has_help_and_shows_its_default(
    name: str, command: click.Command, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each command has a help text; each option has one, and the help page shows the
    default of each option that has one (flags excepted)."""
    assert command.help, name
    options = [p for p in command.params if isinstance(p, click.Option)]
    assert all(p.help for p in options), name
    assert 0 == cli.main([*name.split()[1:], "--help"])
    page = " ".join(capsys.readouterr().out.split())  # unwrapped
    for option in options:
        default = option.get_default(click.Context(command), call=True)
        if option.is_flag or not isinstance(default, (str, int, float)):
            continue  # a flag, or no default (None, or click's own "unset")
        shown = option.show_default if isinstance(option.show_default, str) else default
        assert f"[default: {shown}" in page or f"[default: ({shown})" in page, (
            name,
            option.name,
        )


def test_serve_help_names_its_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == cli.main(["serve", "--help"])
    page = " ".join(capsys.readouterr().out.split())
    assert all(
        text in page
        for text in ("[default: 127.0.0.1]", "[default: 8000;", "[default: 1;", "[default: info]")
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no-such-command"], "No such command 'no-such-command'"),
        (["serve", "--port", "eighty"], "'eighty' is not a valid integer"),
        (["serve", "--no-such-option"], "No such option"),
        (["create-admin", "--email", "a@example.com"], "Missing option '--username'"),
    ],
)
def test_a_bad_command_line_ends_with_clicks_message_and_status_2(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(args)
    err = capsys.readouterr().err
    assert (2, True, True, False) == (
        code,
        message in err,
        err.startswith("Usage: taskcore"),
        "Traceback" in err,
    )


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_script_is_printed_for_each_shell(shell: str) -> None:
    """``_TASKCORE_COMPLETE=<shell>_source taskcore`` prints the script to source."""
    env = {**os.environ, "_TASKCORE_COMPLETE": f"{shell}_source"}
    result = subprocess.run(
        [sys.executable, "-m", "taskcore_adapters.cli"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert (0, "") == (result.returncode, result.stderr)
    assert "_TASKCORE_COMPLETE" in result.stdout
    assert f"{shell}_complete" in result.stdout


def test_completion_answers_the_commands_and_options() -> None:
    """The completion protocol's answer for ``taskcore se`` and ``taskcore serve --p``."""
    env = {
        **os.environ,
        "_TASKCORE_COMPLETE": "bash_complete",
        "COMP_WORDS": "taskcore se",
        "COMP_CWORD": "1",
    }
    run = [sys.executable, "-m", "taskcore_adapters.cli"]
    words = subprocess.run(
        run, env=env, capture_output=True, text=True, check=False, timeout=60
    ).stdout
    assert "plain,serve" in words.splitlines()
    env.update(COMP_WORDS="taskcore serve --p", COMP_CWORD="2")
    options = subprocess.run(
        run, env=env, capture_output=True, text=True, check=False, timeout=60
    ).stdout
    assert "plain,--port" in options.splitlines()
