"""Settings from the environment and the generated secret key."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from taskcore_adapters.config import ConfigError, Settings


class TestFromEnv:
    def test_defaults(self) -> None:
        """With no variables, everything is embedded inside ./taskcore-data."""
        settings = Settings.from_env({})
        assert (Path("taskcore-data"), None, None, None, None, 86400) == (
            settings.data_dir,
            settings.database_url,
            settings.storage_url,
            settings.mail_url,
            settings.queue_url,
            settings.token_ttl_seconds,
        )
        assert settings.is_embedded_database
        assert "taskcore" == settings.queue_name
        assert settings.effective_database_url.endswith("taskcore-data/taskcore.db")

    def test_reads_every_variable(self) -> None:
        """Each TASKCORE_* variable lands in its field."""
        settings = Settings.from_env(
            {
                "TASKCORE_DATA_DIR": "/srv/tc",
                "TASKCORE_DATABASE_URL": "postgresql+psycopg://u@h/db",
                "TASKCORE_STORAGE_URL": "memory://x",
                "TASKCORE_MAIL_URL": "smtp://u:p@h:25",
                "TASKCORE_MAIL_FROM": "tasks@example.com",
                "TASKCORE_QUEUE_URL": "redis://h:6379/0",
                "TASKCORE_QUEUE_NAME": "tracker-b",
                "TASKCORE_SECRET_KEY": "s" * 32,
                "TASKCORE_TOKEN_TTL_SECONDS": "600",
            }
        )
        assert (Path("/srv/tc"), "memory://x", "redis://h:6379/0", "tracker-b", 600) == (
            settings.data_dir,
            settings.storage_url,
            settings.queue_url,
            settings.queue_name,
            settings.token_ttl_seconds,
        )
        assert not settings.is_embedded_database
        assert "s" * 32 not in repr(settings)

    @pytest.mark.parametrize(
        ("env", "name"),
        [
            ({"TASKCORE_SECRET_KEY": ""}, "TASKCORE_SECRET_KEY"),
            ({"TASKCORE_SECRET_KEY": "short"}, "TASKCORE_SECRET_KEY"),
            ({"TASKCORE_TOKEN_TTL_SECONDS": "soon"}, "TASKCORE_TOKEN_TTL_SECONDS"),
            ({"TASKCORE_TOKEN_TTL_SECONDS": "-5"}, "TASKCORE_TOKEN_TTL_SECONDS"),
            ({"TASKCORE_MAX_UPLOAD_BYTES": "16M"}, "TASKCORE_MAX_UPLOAD_BYTES"),
            ({"TASKCORE_MAX_UPLOAD_BYTES": "0"}, "TASKCORE_MAX_UPLOAD_BYTES"),
            ({"TASKCORE_QUEUE_NAME": "a b"}, "TASKCORE_QUEUE_NAME"),
            ({"TASKCORE_QUEUE_NAME": "x" * 65}, "TASKCORE_QUEUE_NAME"),
        ],
    )
    def test_bad_values_name_the_variable(self, env: dict[str, str], name: str) -> None:
        """A malformed variable is an error that names it."""
        with pytest.raises(ConfigError, match=name):
            Settings.from_env(env)


class TestUploadLimit:
    def test_default_is_the_original_16_mib(self) -> None:
        """Without the variable, uploads are limited to 16 MiB."""
        assert 16 * 1024 * 1024 == Settings.from_env({}).max_upload_bytes

    def test_configured(self) -> None:
        """TASKCORE_MAX_UPLOAD_BYTES sets the limit in bytes."""
        settings = Settings.from_env({"TASKCORE_MAX_UPLOAD_BYTES": " 1073741824 "})
        assert 2**30 == settings.max_upload_bytes


class TestSecretKey:
    def test_generated_once_with_private_mode(self, tmp_path: Path) -> None:
        """Without a key, one is generated in the data dir (mode 0600) and reused."""
        settings = Settings(data_dir=tmp_path / "data")
        first = settings.resolve_secret_key()
        assert len(first) >= 32
        assert first == Settings(data_dir=tmp_path / "data").resolve_secret_key()
        mode = stat.S_IMODE((tmp_path / "data" / "secret_key").stat().st_mode)
        assert 0o600 == mode

    def test_short_stored_key_refused(self, tmp_path: Path) -> None:
        """A stored key that is too short is refused, not used."""
        (tmp_path / "secret_key").write_text("short\n")
        with pytest.raises(ConfigError, match="too short"):
            Settings(data_dir=tmp_path).resolve_secret_key()

    def test_configured_key_wins(self, tmp_path: Path) -> None:
        """A configured key is used and nothing is written."""
        assert "c" * 40 == Settings(data_dir=tmp_path, secret_key="c" * 40).resolve_secret_key()
        assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("value", "expected"),
    [("", True), ("inline", False), ("background", True), (" Background ", True)],
)
def test_relay_mode(value: str, expected: bool) -> None:
    """``TASKCORE_RELAY`` picks where committed events are relayed."""
    assert expected == Settings.from_env({"TASKCORE_RELAY": value}).background_relay


def test_bad_relay_mode_names_the_variable() -> None:
    """An unknown relay mode is refused with the variable named."""
    with pytest.raises(ConfigError, match="TASKCORE_RELAY"):
        Settings.from_env({"TASKCORE_RELAY": "sometimes"})


def test_the_queue_name_names_the_rq_queues() -> None:
    """The job queue built from the settings uses the configured name for every lane."""
    from taskcore_adapters.bootstrap_parts import job_queue

    queue = job_queue(Settings(queue_url="redis://127.0.0.1:6379/0", queue_name="tracker-b"))
    assert queue is not None
    try:
        assert ["tracker-b", "tracker-b-mail", "tracker-b-webhooks", "tracker-b-imports"] == [
            q.name for q in queue.queues
        ]
    finally:
        queue.connection.close()
