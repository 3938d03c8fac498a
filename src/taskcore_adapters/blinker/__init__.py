"""In-process event bus on blinker, with a private namespace and strong references."""

from taskcore_adapters.blinker.bus import BlinkerEventBus

__all__ = ["BlinkerEventBus"]
