"""Fixtures shared by the repository contracts: a store of each kind."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from taskcore.ports.uow import UnitOfWorkFactory
from taskcore_adapters.memory import InMemoryStore
from taskcore_adapters.sql import SqlAlchemyUnitOfWorkFactory


@pytest.fixture(params=["memory", "sql"])
def uow_factory(request: pytest.FixtureRequest) -> Iterator[UnitOfWorkFactory]:
    """A unit-of-work factory over a fresh, empty store of each kind."""
    if request.param == "memory":
        yield InMemoryStore()
    else:
        engine: Engine = request.getfixturevalue("engine")
        yield SqlAlchemyUnitOfWorkFactory(engine)
