"""Secrets read from files (``<variable>_FILE``), the metrics token, and the sender a real
SMTP server needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskcore_adapters.config import (
    DEFAULT_MAIL_FROM,
    SECRET_VARIABLES,
    ConfigError,
    Settings,
)

KEY = "k" * 40


def test_every_secret_can_come_from_a_file(tmp_path: Path) -> None:
    """Each secret variable is read from the file ``<variable>_FILE`` names, without the
    trailing newline."""
    values = {
        "TASKCORE_SECRET_KEY": KEY,
        "TASKCORE_PREVIOUS_SECRET_KEYS": "p" * 40,
        "TASKCORE_DATABASE_URL": "postgresql+psycopg://app:pw@db/taskcore",
        "TASKCORE_QUEUE_URL": "redis://:pw@redis:6379/0",
        "TASKCORE_RATE_LIMIT_URL": "redis://:pw@redis:6379/1",
        "TASKCORE_MAIL_URL": "smtp+starttls://u:pw@mail:587",
        "TASKCORE_MAIL_PASSWORD": "mail secret",
        "TASKCORE_STORAGE_URL": "s3://bucket/files",
        "TASKCORE_METRICS_TOKEN": "t" * 32,
    }
    assert set(SECRET_VARIABLES) == set(values)
    env = {"TASKCORE_MAIL_FROM": "tasks@example.com"}
    for name, value in values.items():
        path = tmp_path / name.lower()
        path.write_text(value + "\n", encoding="utf-8")
        env[f"{name}_FILE"] = str(path)
    settings = Settings.from_env(env)
    assert (
        KEY,
        ("p" * 40,),
        values["TASKCORE_DATABASE_URL"],
        values["TASKCORE_QUEUE_URL"],
        values["TASKCORE_RATE_LIMIT_URL"],
        values["TASKCORE_MAIL_URL"],
        "mail secret",
        "s3://bucket/files",
        "t" * 32,
    ) == (
        settings.secret_key,
        settings.previous_secret_keys,
        settings.database_url,
        settings.queue_url,
        settings.rate_limit_url,
        settings.mail_url,
        settings.mail_password,
        settings.storage_url,
        settings.metrics_token,
    )


def test_a_secret_set_both_ways_is_refused(tmp_path: Path) -> None:
    """A variable and its ``_FILE`` together are ambiguous: refused, naming both."""
    path = tmp_path / "key"
    path.write_text(KEY, encoding="utf-8")
    with pytest.raises(ConfigError, match="TASKCORE_SECRET_KEY or TASKCORE_SECRET_KEY_FILE"):
        Settings.from_env({"TASKCORE_SECRET_KEY": KEY, "TASKCORE_SECRET_KEY_FILE": str(path)})


def test_an_unreadable_secret_file_names_the_variable(tmp_path: Path) -> None:
    """A missing file is a one-line error naming the variable and the file."""
    missing = tmp_path / "nowhere"
    with pytest.raises(ConfigError, match=r"TASKCORE_MAIL_PASSWORD_FILE: cannot read .*nowhere"):
        Settings.from_env({"TASKCORE_MAIL_PASSWORD_FILE": str(missing)})


def test_a_secret_read_from_a_file_is_checked(tmp_path: Path) -> None:
    """A key read from a file gets the same checks as one set directly."""
    path = tmp_path / "key"
    path.write_text("short\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="TASKCORE_SECRET_KEY"):
        Settings.from_env({"TASKCORE_SECRET_KEY_FILE": str(path)})


def test_secrets_are_not_in_the_repr() -> None:
    """The metrics token is kept out of the settings' repr, like the other secrets."""
    assert "t" * 32 not in repr(Settings.from_env({"TASKCORE_METRICS_TOKEN": "t" * 32}))


@pytest.mark.parametrize(("token", "ok"), [("", True), ("short", False), ("x" * 16, True)])
def test_metrics_token(token: str, ok: bool) -> None:
    """Metrics are off without a token; a token must be at least 16 bytes."""
    env = {"TASKCORE_METRICS_TOKEN": token}
    if ok:
        assert (token or None) == Settings.from_env(env).metrics_token
    else:
        with pytest.raises(ConfigError, match="TASKCORE_METRICS_TOKEN"):
            Settings.from_env(env)


@pytest.mark.parametrize(
    "server", [{"TASKCORE_MAIL_URL": "smtp://mail:25"}, {"TASKCORE_MAIL_SERVER": "mail"}]
)
def test_a_real_smtp_server_needs_a_sender(server: dict[str, str]) -> None:
    """With an SMTP server the sender must be set: no default domain nobody here owns."""
    with pytest.raises(ConfigError, match="TASKCORE_MAIL_FROM must be set"):
        Settings.from_env(server)
    chosen = Settings.from_env({**server, "TASKCORE_MAIL_FROM": "tasks@example.com"})
    assert "tasks@example.com" == chosen.mail_from


def test_the_development_mailer_uses_a_local_sender() -> None:
    """Without an SMTP server, the .eml files come from a local address."""
    assert ("taskcore@localhost", DEFAULT_MAIL_FROM) == (
        Settings.from_env({}).mail_from,
        Settings().mail_from,
    )
