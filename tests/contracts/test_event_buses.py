"""The EventBus contract (the public suite :class:`taskcore_adapters.contracts.EventBusContract`)
on blinker's bus and the standard-library one."""

from __future__ import annotations

import pytest

from taskcore.ports.events import EventBus
from taskcore_adapters.blinker import BlinkerEventBus
from taskcore_adapters.contracts import EventBusContract
from taskcore_adapters.events import LocalEventBus


class TestBlinkerEventBus(EventBusContract):
    @pytest.fixture
    def bus(self) -> EventBus:
        return BlinkerEventBus()


class TestLocalEventBus(EventBusContract):
    @pytest.fixture
    def bus(self) -> EventBus:
        return LocalEventBus()
