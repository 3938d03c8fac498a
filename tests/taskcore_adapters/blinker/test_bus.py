"""The in-process event bus: failing receivers are isolated, rolled-back writes are silent."""

from __future__ import annotations

import logging

import pytest

from taskcore import errors
from taskcore.domain.events import DomainEvent
from taskcore_adapters.bootstrap import in_memory
from taskcore_adapters.security import Argon2PasswordHasher


def test_a_failing_receiver_is_isolated(caplog: pytest.LogCaptureFixture) -> None:
    """A receiver that raises is logged; the write succeeds and other receivers still run;
    a write that fails publishes nothing."""
    runtime = in_memory(password_hasher=Argon2PasswordHasher.cheapest())
    seen: list[str] = []

    def boom(event: DomainEvent) -> None:
        raise RuntimeError("receiver bug")

    runtime.event_bus.subscribe("user.registered", boom)
    runtime.event_bus.subscribe("*", lambda event: seen.append(event.name))

    def register() -> str:
        return runtime.core.users.register(
            username="ada", email="a@example.com", password="long enough", full_name="A"
        ).username

    with caplog.at_level(logging.ERROR):
        name = register()
    assert "ada" == name
    assert ["user.registered"] == seen
    assert ["event handler failed"] == [r.getMessage() for r in caplog.records]
    with pytest.raises(errors.Conflict):
        register()
    assert ["user.registered"] == seen
