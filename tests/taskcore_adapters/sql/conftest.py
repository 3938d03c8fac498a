"""Fixtures of the SQL adapter tests."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from taskcore.app import Taskcore, build
from taskcore_adapters.memory import FakeTokenService, ManualClock, PlainPasswordHasher
from taskcore_adapters.sql import SqlAlchemyUnitOfWorkFactory


@pytest.fixture
def core(engine: Engine) -> Taskcore:
    """taskcore on a clean database of the selected SQL backend."""
    return build(
        uow_factory=SqlAlchemyUnitOfWorkFactory(engine),
        clock=ManualClock(),
        password_hasher=PlainPasswordHasher(),
        token_service=FakeTokenService(),
    )
