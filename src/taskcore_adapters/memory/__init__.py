"""In-memory implementations of every port: for tests, examples and embedding.

They obey the same contracts as the real adapters (the contract test suites run against
both) and keep no module-level state: each :class:`InMemoryStore` is independent.
"""

from taskcore_adapters.memory.fakes import FakeTokenService, ManualClock, PlainPasswordHasher
from taskcore_adapters.memory.files import InMemoryFileStore
from taskcore_adapters.memory.notifications import RecordingMailer
from taskcore_adapters.memory.store import InMemoryStore, InMemoryUnitOfWork

__all__ = [
    "FakeTokenService",
    "InMemoryFileStore",
    "InMemoryStore",
    "InMemoryUnitOfWork",
    "ManualClock",
    "PlainPasswordHasher",
    "RecordingMailer",
]
