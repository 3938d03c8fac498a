"""A file store in a dictionary (see ``taskcore.ports.files``)."""

from __future__ import annotations

import threading
from collections.abc import Iterator

from taskcore.domain.blobs import CHUNK_SIZE, check_blob_key, check_byte_range, check_key_prefix
from taskcore.errors import BlobNotFound, Unavailable


class InMemoryFileStore:
    """Blobs kept in memory, with the same contract as every ``FileStore``.

    Each instance has its own blobs; all operations are thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._blobs: dict[str, bytes] = {}
        self._partial: dict[str, bytearray] = {}

    @property
    def location(self) -> str:
        """Where the blobs are, for health reports: this process's memory."""
        return "memory://"

    def open_writer(self, key: str) -> InMemoryBlobWriter:
        check_blob_key(key)
        buffer = bytearray()
        with self._lock:
            self._partial[key] = buffer
        return InMemoryBlobWriter(self, key, buffer)

    def read(
        self, key: str, *, start: int = 0, end: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> Iterator[bytes]:
        check_blob_key(key)
        check_byte_range(start, end, chunk_size)
        with self._lock:
            blob = self._blobs.get(key)
        if blob is None:
            raise BlobNotFound(key)
        return _chunks(blob, start, len(blob) if end is None else min(end, len(blob)), chunk_size)

    def size(self, key: str) -> int | None:
        check_blob_key(key)
        with self._lock:
            blob = self._blobs.get(key)
        return None if blob is None else len(blob)

    def delete(self, key: str) -> None:
        check_blob_key(key)
        with self._lock:
            self._blobs.pop(key, None)
            self._partial.pop(key, None)

    def keys(self, prefix: str = "") -> Iterator[str]:
        check_key_prefix(prefix)
        with self._lock:
            found = [key for key in self._blobs if key.startswith(prefix)]
        return iter(found)

    def partial_keys(self) -> Iterator[str]:
        with self._lock:
            found = list(self._partial)
        return iter(found)

    # -- for InMemoryBlobWriter ----------------------------------------------------------

    def _commit(self, key: str, buffer: bytearray) -> None:
        with self._lock:
            if self._partial.get(key) is not buffer:
                raise Unavailable("The file was deleted while it was being written")
            del self._partial[key]
            self._blobs[key] = bytes(buffer)

    def _discard(self, key: str, buffer: bytearray) -> None:
        with self._lock:
            if self._partial.get(key) is buffer:
                del self._partial[key]


def _chunks(blob: bytes, start: int, end: int, chunk_size: int) -> Iterator[bytes]:
    view = memoryview(blob)
    for offset in range(start, end, chunk_size):
        yield bytes(view[offset : min(offset + chunk_size, end)])


class InMemoryBlobWriter:
    """A blob being written to an :class:`InMemoryFileStore`."""

    def __init__(self, store: InMemoryFileStore, key: str, buffer: bytearray) -> None:
        self._store = store
        self._key = key
        self._buffer = buffer
        self._state = "open"

    def write(self, data: bytes) -> None:
        if self._state != "open":
            raise ValueError(f"blob writer is {self._state}")
        self._buffer += data

    def commit(self) -> None:
        if self._state != "open":
            raise ValueError(f"blob writer is {self._state}")
        self._store._commit(self._key, self._buffer)
        self._state = "committed"

    def abort(self) -> None:
        if self._state != "open":
            return
        self._state = "aborted"
        self._store._discard(self._key, self._buffer)
