"""The PostgreSQL connection pool settings and the engines built from them."""

from __future__ import annotations

import pytest
from sqlalchemy.pool import NullPool, QueuePool

from taskcore_adapters.config import ConfigError, Settings
from taskcore_adapters.sql import make_engine

URL = "postgresql+psycopg://app@127.0.0.1:5432/taskcore"


class TestPoolSettings:
    def test_defaults(self) -> None:
        """Unset, a process keeps up to 20 connections, opens none beyond them (a request
        waits for one), waits 10 s."""
        settings = Settings.from_env({})
        assert (20, 0, 10) == (
            settings.database_pool_size,
            settings.database_max_overflow,
            settings.database_pool_timeout_seconds,
        )

    def test_values(self) -> None:
        """The variables set the pool; an overflow of 0 means none."""
        settings = Settings.from_env(
            {
                "TASKCORE_DATABASE_POOL_SIZE": "5",
                "TASKCORE_DATABASE_MAX_OVERFLOW": "0",
                "TASKCORE_DATABASE_POOL_TIMEOUT_SECONDS": "2",
            }
        )
        assert (5, 0, 2) == (
            settings.database_pool_size,
            settings.database_max_overflow,
            settings.database_pool_timeout_seconds,
        )

    @pytest.mark.parametrize(
        ("name", "value"),
        [
            ("TASKCORE_DATABASE_POOL_SIZE", "0"),
            ("TASKCORE_DATABASE_MAX_OVERFLOW", "-1"),
            ("TASKCORE_DATABASE_POOL_TIMEOUT_SECONDS", "soon"),
        ],
    )
    def test_malformed_is_refused(self, name: str, value: str) -> None:
        """A value out of range or not a whole number is a ConfigError naming it."""
        with pytest.raises(ConfigError, match=name):
            Settings.from_env({name: value})


class TestEngines:
    def test_pool_follows_the_arguments(self) -> None:
        """A PostgreSQL engine gets the given pool size and timeout (no connection made)."""
        engine = make_engine(URL, pool_size=5, max_overflow=5, pool_timeout=1)
        try:
            assert isinstance(engine.pool, QueuePool)
            assert (5, 1) == (engine.pool.size(), engine.pool.timeout())
        finally:
            engine.dispose()

    def test_unpooled_engine_for_probes(self) -> None:
        """``pooled=False`` opens a fresh connection per use, so probes never wait for
        the pool."""
        engine = make_engine(URL, pooled=False)
        try:
            assert isinstance(engine.pool, NullPool)
        finally:
            engine.dispose()
