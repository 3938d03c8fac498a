"""The activity-log settings: trusted proxies and retention, from the environment to the core."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from taskcore.domain.activity import ActivityEntry
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import ConfigError, Settings
from taskcore_adapters.memory import ManualClock
from taskcore_adapters.security import Argon2PasswordHasher


class TestActivitySettings:
    def test_defaults(self) -> None:
        """No proxy is trusted and entries are kept 90 days unless configured."""
        settings = Settings.from_env({})
        assert ((), 90) == (settings.trusted_proxies, settings.log_retention_days)

    def test_reads_the_variables(self) -> None:
        """Trusted proxies are a comma-separated list; retention a number of days."""
        settings = Settings.from_env(
            {
                "TASKCORE_TRUSTED_PROXIES": " 10.0.0.0/8, 127.0.0.1 ,,2001:db8::/32",
                "TASKCORE_LOG_RETENTION_DAYS": "30",
            }
        )
        assert (("10.0.0.0/8", "127.0.0.1", "2001:db8::/32"), 30) == (
            settings.trusted_proxies,
            settings.log_retention_days,
        )

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("TASKCORE_TRUSTED_PROXIES", "10.0.0.0/8,proxy.local"),
            ("TASKCORE_TRUSTED_PROXIES", "10.0.0.0/33"),
            ("TASKCORE_LOG_RETENTION_DAYS", "0"),
            ("TASKCORE_LOG_RETENTION_DAYS", "ninety"),
        ],
    )
    def test_bad_values_name_the_variable(self, name: str, value: str) -> None:
        """A malformed value is refused with the variable's name."""
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({name: value})

    def test_retention_reaches_the_cleanup(
        self, tmp_path: Path, database_url: str, hasher: Argon2PasswordHasher
    ) -> None:
        """The configured retention decides which entries the cleanup deletes."""
        clock = ManualClock()
        runtime = from_settings(
            Settings(
                data_dir=tmp_path,
                database_url=database_url,
                secret_key="x" * 48,
                log_retention_days=2,
            ),
            clock=clock,
            password_hasher=hasher,
            migrate=False,
        )
        try:
            with runtime.core.transactions() as work:
                for days in (1, 3):
                    work.uow.activity.add(
                        ActivityEntry(
                            user_id=None,
                            action="create",
                            entity_type="task",
                            entity_id=days,
                            created_at=clock.now() - dt.timedelta(days=days),
                        )
                    )
                work.commit()
            deleted = runtime.core.activity.cleanup()
            root = Principal(user_id=0, username="probe", is_admin=True)
            left = [v.entry.entity_id for v in runtime.core.activity.list_activities(root).items]
        finally:
            runtime.close()
        assert (1, [1]) == (deleted, left)
