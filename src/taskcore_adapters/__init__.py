"""Adapters that connect the taskcore core to real infrastructure, one subpackage each.

The entry points for an application that embeds taskcore::

    from taskcore_adapters import Settings, from_settings, in_memory

    with in_memory() as rt:  # or: with from_settings(Settings(data_dir=...)) as rt:
        rt.core.users.register(...)

They are imported on first use, so ``import taskcore_adapters`` stays cheap and
:func:`in_memory` works on a base install (no SQLAlchemy, no extra).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from taskcore_adapters.bootstrap import HealthReport, Runtime, from_settings, in_memory
    from taskcore_adapters.config import ConfigError, Settings
    from taskcore_adapters.events import Events

_EXPORTS = {
    "ConfigError": "taskcore_adapters.config",
    "Events": "taskcore_adapters.events",
    "HealthReport": "taskcore_adapters.bootstrap",
    "Runtime": "taskcore_adapters.bootstrap",
    "Settings": "taskcore_adapters.config",
    "from_settings": "taskcore_adapters.bootstrap",
    "in_memory": "taskcore_adapters.bootstrap",
}

__all__ = [
    "ConfigError",
    "Events",
    "HealthReport",
    "Runtime",
    "Settings",
    "from_settings",
    "in_memory",
]


def __getattr__(name: str) -> Any:
    """Import an entry point from its module on first use."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'taskcore_adapters' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
