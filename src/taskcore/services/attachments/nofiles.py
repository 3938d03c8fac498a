"""The file store of a taskcore built without one."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from taskcore.errors import Unavailable
from taskcore.ports.files import CHUNK_SIZE, BlobWriter

NO_FILE_STORE: Final = "File storage is not configured"


class NoFileStore:
    """The file store of a taskcore built without one: every read or write is
    :class:`~taskcore.errors.Unavailable`; listing finds nothing."""

    def open_writer(self, key: str) -> BlobWriter:
        raise Unavailable(NO_FILE_STORE)

    def read(
        self, key: str, *, start: int = 0, end: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> Iterator[bytes]:
        raise Unavailable(NO_FILE_STORE)

    def size(self, key: str) -> int | None:
        raise Unavailable(NO_FILE_STORE)

    def delete(self, key: str) -> None:
        raise Unavailable(NO_FILE_STORE)

    def keys(self, prefix: str = "") -> Iterator[str]:
        return iter(())

    def partial_keys(self) -> Iterator[str]:
        return iter(())
