"""The ``taskcore`` pytest plugin, registered (entry point ``pytest11``) when taskcore is
installed: fixtures for testing an application that embeds taskcore.

- ``taskcore_runtime``: a fresh in-memory taskcore with a fast password hasher, closed
  after the test.

The contract suites for adapters are in :mod:`taskcore_adapters.contracts`. Nothing is
imported until a fixture is used, so the plugin costs nothing in other test suites.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from taskcore_adapters.bootstrap import Runtime

# The contract suites' asserts report their operands, like a test module's.
pytest.register_assert_rewrite("taskcore_adapters.contracts")


@pytest.fixture
def taskcore_runtime() -> Iterator[Runtime]:
    """A fresh in-memory taskcore (nothing shared between tests), closed afterwards."""
    from taskcore_adapters import in_memory
    from taskcore_adapters.memory import PlainPasswordHasher

    with in_memory(password_hasher=PlainPasswordHasher()) as runtime:
        yield runtime
