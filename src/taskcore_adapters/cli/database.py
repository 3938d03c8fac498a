"""``taskcore migrate``, ``db current|upgrade|downgrade``, ``config check`` and
``create-admin``: the schema, the settings and the first account."""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

import click

from taskcore_adapters.config import ConfigError, Settings

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine


@click.command(help="Apply the database migrations (SQLite or PostgreSQL).")
@click.option("--revision", default="head", help="The revision to move the schema to.")
def migrate(revision: str) -> int:
    from taskcore_adapters.sql import make_engine, upgrade

    settings = Settings.from_env()
    logging.getLogger("alembic").setLevel(logging.INFO)  # name each migration applied
    engine = make_engine(settings.effective_database_url)
    try:
        upgrade(engine, revision)
    finally:
        engine.dispose()
    print(f"database at revision {revision}", file=sys.stderr)
    return 0


@click.group(help="Show or move the database schema's revision.")
def db() -> None:
    """``taskcore db``."""


@db.command(
    short_help="Print the applied revision.",
    help="Print the applied revision (exit status 1 when it is not the newest).",
)
def current() -> int:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    from taskcore_adapters.sql import make_engine
    from taskcore_adapters.sql.migrate import alembic_config

    engine = make_engine(Settings.from_env().effective_database_url)
    try:
        with engine.connect() as conn:
            applied = MigrationContext.configure(conn).get_current_revision()
        head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    finally:
        engine.dispose()
    state = "up to date" if applied == head else f"head is {head}"
    print(f"{applied or 'empty (no migration applied)'} ({state})")
    return 0 if applied == head else 1


@db.command(help="Apply the migrations up to REVISION.")
@click.argument("revision", default="head")
def upgrade(revision: str) -> int:
    from taskcore_adapters.sql.migrate import upgrade as apply

    return _move("upgrade", revision, apply)


@db.command(
    short_help="Undo the migrations down to REVISION.",
    help="Undo the migrations down to REVISION (base removes every table).",
)
@click.argument("revision", required=False)
def downgrade(revision: str | None) -> int:
    from taskcore_adapters.sql.migrate import downgrade as undo

    if not revision:
        raise ConfigError("taskcore db downgrade needs a revision (or base)")
    return _move("downgrade", revision, undo)


def _move(action: str, revision: str, step: Callable[[Engine, str], None]) -> int:
    from taskcore_adapters.sql import make_engine

    engine = make_engine(Settings.from_env().effective_database_url)
    logging.getLogger("alembic").setLevel(logging.INFO)
    try:
        step(engine, revision)
    finally:
        engine.dispose()
    print(f"database {action}d to {revision}", file=sys.stderr)
    return 0


@click.group(help="Check the settings.")
def config() -> None:
    """``taskcore config``."""


@config.command(
    help="Print every setting as the server would use it (keys, tokens and passwords "
    "masked), then check that the data folder is writable and that the database and Redis "
    "answer. Exit status 1 when something is wrong."
)
def check() -> int:
    from taskcore_adapters.cli_checks import effective, problems

    settings = Settings.from_env()
    rows = effective(settings)
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
    found = list(problems(settings))
    for problem in found:
        print(f"taskcore: problem: {problem}", file=sys.stderr)
    if not found:
        print("configuration OK", file=sys.stderr)
    return 1 if found else 0


@click.command("create-admin", help="Create an admin, or promote an existing user.")
@click.option("--username", required=True, help="The admin's username.")
@click.option("--email", required=True, help="The admin's email address.")
@click.option(
    "--password",
    help="The password (or set TASKCORE_ADMIN_PASSWORD, or type it when asked).",
)
def create_admin(username: str, email: str, password: str | None) -> int:
    from taskcore_adapters.bootstrap import from_settings

    password = password or os.environ.get("TASKCORE_ADMIN_PASSWORD")
    if not password:
        password = click.prompt("Password for the new admin", hide_input=True, err=True)
    runtime = from_settings(Settings.from_env(), migrate=None)
    try:
        user, created = runtime.core.users.create_admin(
            username=username, email=email, password=password
        )
    finally:
        runtime.close()
    verb = "created" if created else "is an active admin (existing account; password unchanged)"
    print(f"admin {user.username!r} (id {user.id}) {verb}", file=sys.stderr)
    return 0


COMMANDS = (migrate, db, config, create_admin)
