"""The repository contract (the public suite
:class:`taskcore_adapters.contracts.UnitOfWorkContract`) on the in-memory store and on SQL:
SQLite, or PostgreSQL with ``TASKCORE_TEST_DB=postgres``."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from taskcore.ports.uow import UnitOfWorkFactory
from taskcore_adapters.contracts import UnitOfWorkContract
from taskcore_adapters.memory import InMemoryStore
from taskcore_adapters.sql import SqlAlchemyUnitOfWorkFactory


class TestInMemoryStore(UnitOfWorkContract):
    @pytest.fixture
    def uow_factory(self) -> UnitOfWorkFactory:
        return InMemoryStore()


class TestSqlStore(UnitOfWorkContract):
    @pytest.fixture
    def uow_factory(self, engine: Engine) -> UnitOfWorkFactory:
        return SqlAlchemyUnitOfWorkFactory(engine)


def test_no_check_of_the_suite_hides_another() -> None:
    """Every check of every part of the suite keeps a name of its own (a part's check
    named like another part's would silently replace it)."""
    names = [
        name
        for part in UnitOfWorkContract.__mro__[1:]
        for name in vars(part)
        if name.startswith("test_")
    ]
    assert len(names) == len(set(names))
    assert len(names) == len([n for n in dir(UnitOfWorkContract) if n.startswith("test_")])
