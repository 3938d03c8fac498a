"""The ``TASKCORE_EVENT_RETENTION_DAYS`` setting, from the environment to the purge."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from taskcore.domain.events import UserRegistered
from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import ConfigError, Settings
from taskcore_adapters.memory import ManualClock
from taskcore_adapters.security import Argon2PasswordHasher


class TestEventRetentionSetting:
    def test_default_and_value(self) -> None:
        """Events are kept 7 days unless a number of days is given."""
        assert [7, 30] == [
            Settings.from_env({}).event_retention_days,
            Settings.from_env({"TASKCORE_EVENT_RETENTION_DAYS": "30"}).event_retention_days,
        ]

    @pytest.mark.parametrize("value", ["0", "-1", "seven"])
    def test_malformed_is_refused(self, value: str) -> None:
        """Zero, negative and non-numeric values are a ConfigError naming the variable."""
        with pytest.raises(ConfigError, match="TASKCORE_EVENT_RETENTION_DAYS"):
            Settings.from_env({"TASKCORE_EVENT_RETENTION_DAYS": value})

    def test_retention_reaches_the_purge(
        self, tmp_path: Path, database_url: str, hasher: Argon2PasswordHasher
    ) -> None:
        """The configured retention decides which published events the purge deletes."""
        clock = ManualClock()
        runtime = from_settings(
            Settings(
                data_dir=tmp_path,
                database_url=database_url,
                secret_key="x" * 48,
                event_retention_days=2,
            ),
            clock=clock,
            password_hasher=hasher,
            migrate=False,
        )
        events = [
            UserRegistered(occurred_at=clock.now(), actor_id=None, entity_id=n, username=f"u{n}")
            for n in (1, 3)
        ]
        try:
            with runtime.core.transactions() as work:
                for days, event in zip((1, 3), events, strict=True):
                    work.uow.outbox.append(
                        [event], published_at=clock.now() - dt.timedelta(days=days)
                    )
                work.commit()
            deleted = runtime.core.events.purge()
            with runtime.core.transactions() as work:
                left = [e.entity_id for e in events if work.uow.outbox.get(e.event_id) is not None]
        finally:
            runtime.close()
        assert (1, [1]) == (deleted, left)
