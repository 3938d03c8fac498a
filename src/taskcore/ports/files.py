"""Blob storage for attachments' files: streamed writes and reads by key."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from taskcore.domain.blobs import CHUNK_SIZE
from taskcore.errors import BlobNotFound

__all__ = ["CHUNK_SIZE", "BlobNotFound", "BlobWriter", "FileStore"]


class BlobWriter(Protocol):
    """One blob being written; nothing of it is visible under its key until :meth:`commit`.

    The usual shape, which never leaves partial data behind::

        writer = store.open_writer(key)
        try:
            for chunk in chunks:
                writer.write(chunk)
            writer.commit()
        finally:
            writer.abort()  # does nothing once committed

    Writing after :meth:`commit` or :meth:`abort` is a programming error (``ValueError``).
    """

    def write(self, data: bytes) -> None:
        """Append ``data`` to the blob.

        Raises:
            Unavailable: the storage failed.
        """
        ...

    def commit(self) -> None:
        """Make the blob visible under its key, whole and durable, replacing any blob there.

        Readers see either no blob or all of it, never a part. If this raises, nothing
        became visible; :meth:`abort` then removes what was written.

        Raises:
            Unavailable: the storage failed, or the partial data was deleted meanwhile
                (see :meth:`FileStore.delete`).
        """
        ...

    def abort(self) -> None:
        """Discard what was written. Safe to call more than once; does nothing after a
        successful :meth:`commit`.

        Raises:
            Unavailable: the storage failed; the partial data may remain (see
                :meth:`FileStore.partial_keys`).
        """
        ...


class FileStore(Protocol):
    """Stores blobs (attachments' file contents) under keys the core generates.

    Keys are made by :func:`taskcore.domain.blobs.new_blob_key` and never derived from
    what a client sent; implementations still refuse malformed keys (see
    :func:`taskcore.domain.blobs.check_blob_key`) with ``ValueError``, and never write
    outside their own storage area. Two stores never share data unless they were built
    on the same location.

    Writes are streamed (:meth:`open_writer`) and become visible atomically on commit;
    reads are streamed in chunks and may cover a byte range. Implementations are safe to
    use from several threads at once (one writer per key at a time), and translate their
    storage's failures into :class:`~taskcore.errors.Unavailable` (a missing blob into
    :class:`BlobNotFound`), chained to the storage's own error.
    """

    def open_writer(self, key: str) -> BlobWriter:
        """Start writing the blob ``key``.

        Raises:
            Unavailable: the storage failed.
        """
        ...

    def read(
        self, key: str, *, start: int = 0, end: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> Iterator[bytes]:
        """Stream the bytes ``start`` (inclusive) to ``end`` (exclusive) of a blob.

        ``end`` of ``None``, or past the end of the blob, reads to the end; a ``start`` at
        or past the end yields nothing. Chunks hold at most ``chunk_size`` bytes and are
        never empty. A missing blob is reported by this call itself, before the first
        chunk, so a caller can answer 404 before it starts a response; close the iterator
        (or exhaust it) to release the storage.

        Raises:
            BlobNotFound: no blob is stored under ``key``.
            ValueError: ``start`` or ``end`` is negative, ``end < start``, or
                ``chunk_size < 1``.
            Unavailable: the storage failed (also while iterating).
        """
        ...

    def size(self, key: str) -> int | None:
        """The length in bytes of the blob ``key``, or ``None`` if there is none.

        Raises:
            Unavailable: the storage failed.
        """
        ...

    def delete(self, key: str) -> None:
        """Remove the blob ``key`` and any partial data written under it.

        Deleting a missing key is not an error. A writer whose partial data was deleted
        fails on :meth:`BlobWriter.commit`.

        Raises:
            Unavailable: the storage failed.
        """
        ...

    def keys(self, prefix: str = "") -> Iterator[str]:
        """The keys of committed blobs that start with ``prefix``, in no given order.

        Raises:
            ValueError: ``prefix`` cannot start a well-formed key.
            Unavailable: the storage failed.
        """
        ...

    def partial_keys(self) -> Iterator[str]:
        """The keys that have partial data: writes in progress, or left behind when a
        process died (or the storage failed) before commit or abort. The orphan sweep
        deletes the old ones with :meth:`delete`.

        Raises:
            Unavailable: the storage failed.
        """
        ...
