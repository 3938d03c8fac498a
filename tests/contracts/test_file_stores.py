"""The FileStore contract, on every adapter: memory, fsspec on a local folder, fsspec memory.

The checks themselves are the public suite :class:`taskcore_adapters.contracts.FileStoreContract`
(the one third-party stores run); the fsspec store's own behaviour follows.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fsspec.implementations.memory import MemoryFileSystem

from taskcore import errors
from taskcore.errors import BlobNotFound
from taskcore.ports.files import FileStore
from taskcore_adapters.contracts import FileStoreContract
from taskcore_adapters.contracts.files import content, key_at, put
from taskcore_adapters.fsspec import FsspecFileStore
from taskcore_adapters.memory.files import InMemoryFileStore


class TestInMemoryStore(FileStoreContract):
    @pytest.fixture
    def store(self) -> FileStore:
        return InMemoryFileStore()


class TestFsspecLocalStore(FileStoreContract):
    @pytest.fixture
    def store(self, tmp_path: Path) -> FileStore:
        return FsspecFileStore(str(tmp_path / "files"))


class TestFsspecMemoryStore(FileStoreContract):
    @pytest.fixture
    def store(self) -> FileStore:
        return FsspecFileStore("memory://contract")


class TestFsspecMemory:
    def test_two_stores_are_isolated(self) -> None:
        """Two ``memory://`` stores with the same name share nothing, not even fsspec's
        global memory store."""
        one, two = FsspecFileStore("memory://shared"), FsspecFileStore("memory://shared")
        key = key_at()
        put(one, key, b"mine")
        assert (4, None, []) == (one.size(key), two.size(key), list(two.keys()))
        assert not any(key in path for path in MemoryFileSystem.store)

    def test_location(self) -> None:
        """The location names the protocol and the root."""
        assert "memory:///attachments" == FsspecFileStore("memory://attachments").location


class TestFsspecLocal:
    def test_folder_is_created_and_holds_the_blobs(self, tmp_path: Path) -> None:
        """The folder is created; blobs are files under it, partial data under ``.partial``."""
        root = tmp_path / "a" / "b"
        store = FsspecFileStore(f"file://{root}")
        key = key_at()
        writer = store.open_writer(key)
        writer.write(b"on disk")
        assert (root / ".partial" / key).is_file()
        assert not (root / key).exists()
        writer.commit()
        assert (b"on disk", False) == (
            (root / key).read_bytes(),
            (root / ".partial" / key).exists(),
        )
        assert f"file://{root}" == store.location

    def test_url_and_plain_path_are_the_same_folder(self, tmp_path: Path) -> None:
        """A ``file://`` URL and a plain path reach the same blobs."""
        key = key_at()
        put(FsspecFileStore(str(tmp_path)), key, b"shared")
        assert b"shared" == content(FsspecFileStore(f"file://{tmp_path}"), key)

    def test_partial_data_left_by_a_dead_writer_is_found_and_deleted(self, tmp_path: Path) -> None:
        """Partial data left behind is listed by ``partial_keys`` and removed by ``delete``."""
        key = key_at()
        writer = FsspecFileStore(str(tmp_path)).open_writer(key)
        writer.write(b"interrupted")
        restarted = FsspecFileStore(str(tmp_path))
        assert [key] == list(restarted.partial_keys())
        restarted.delete(key)
        assert ([], []) == (
            list(restarted.partial_keys()),
            list((tmp_path / ".partial").rglob("*-*")),
        )
        writer.abort()

    def test_storage_failure_is_unavailable(self, tmp_path: Path) -> None:
        """A folder that cannot be created is reported as Unavailable, chained to the cause."""
        blocker = tmp_path / "file"
        blocker.write_bytes(b"")
        with pytest.raises(errors.Unavailable) as caught:
            FsspecFileStore(str(blocker / "files"))
        assert isinstance(caught.value.__cause__, OSError)

    def test_a_folder_is_not_a_blob(self, tmp_path: Path) -> None:
        """A key naming a folder of blobs has no size and cannot be read."""
        store = FsspecFileStore(str(tmp_path))
        put(store, "2026/blob", b"x")
        assert None is store.size("2026")
        with pytest.raises(BlobNotFound):
            store.read("2026")
        store.delete("2026")
        assert b"x" == content(store, "2026/blob")
