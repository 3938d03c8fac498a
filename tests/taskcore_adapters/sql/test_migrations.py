"""The Alembic migrations: one head, a clean round trip, and a schema equal to the tables."""

from __future__ import annotations

import warnings

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, inspect

from taskcore_adapters.sql.migrate import alembic_config, downgrade, upgrade
from taskcore_adapters.sql.tables import metadata


def schema_diff(engine: Engine) -> list[object]:
    with engine.connect() as conn, warnings.catch_warnings():
        # SQLite cannot reflect expression indexes; alembic warns and skips them.
        warnings.filterwarnings("ignore", message=".*expression-based index.*")
        return list(compare_metadata(MigrationContext.configure(conn), metadata))


class TestMigrations:
    def test_single_head(self, engine: Engine) -> None:
        """The migration history has exactly one head."""
        script = ScriptDirectory.from_config(alembic_config(engine))
        assert 1 == len(script.get_heads())

    def test_migrated_schema_matches_tables(self, engine: Engine) -> None:
        """After upgrading, the database has exactly the tables and columns of the code."""
        assert [] == schema_diff(engine)

    def test_round_trip(self, engine: Engine) -> None:
        """Downgrading to base removes every table; upgrading again restores the schema."""
        downgrade(engine, "base")
        assert {"alembic_version"} >= set(inspect(engine).get_table_names())
        upgrade(engine)
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
        assert [] == schema_diff(engine)
