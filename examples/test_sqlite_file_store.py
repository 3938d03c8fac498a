"""The custom SQLite file store passes taskcore's public FileStore contract suite."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlite_file_store import SqliteFileStore

from taskcore.ports.files import FileStore
from taskcore_adapters import Runtime
from taskcore_adapters.contracts import FileStoreContract
from taskcore_adapters.contracts.files import content, key_at, put


class TestSqliteFileStore(FileStoreContract):
    """Every check of the contract, run on the custom store through one fixture."""

    @pytest.fixture
    def store(self, tmp_path: Path) -> Iterator[FileStore]:
        files = SqliteFileStore(tmp_path / "files.db")
        yield files
        files.close()


def test_blobs_and_unfinished_writes_outlive_the_process(tmp_path: Path) -> None:
    """What a store committed is there after a restart; what a crashed writer left is
    listed as partial, for the sweep to delete."""
    first = SqliteFileStore(tmp_path / "files.db")
    kept, interrupted = key_at(), key_at(seconds=1)
    put(first, kept, b"kept")
    first.open_writer(interrupted).write(b"never committed")
    first.close()

    restarted = SqliteFileStore(tmp_path / "files.db")
    assert content(restarted, kept) == b"kept"
    assert list(restarted.partial_keys()) == [interrupted]
    restarted.delete(interrupted)
    assert list(restarted.partial_keys()) == []
    restarted.close()


def test_the_plugins_runtime_fixture_is_a_fresh_taskcore(taskcore_runtime: Runtime) -> None:
    """The ``taskcore`` pytest plugin (registered on install) gives application tests a
    fresh in-memory taskcore."""
    users = taskcore_runtime.core.users
    users.register(username="ada", email="ada@example.com", password="a long pw!", full_name="A")
    assert users.login(username="ada", password="a long pw!").token
