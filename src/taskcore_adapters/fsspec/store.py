"""A ``FileStore`` over any fsspec filesystem (see ``taskcore.ports.files``)."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import IO, Any, Final

import fsspec
from fsspec.implementations.local import LocalFileSystem
from fsspec.implementations.memory import MemoryFileSystem
from fsspec.spec import AbstractBufferedFile

from taskcore.domain.blobs import CHUNK_SIZE, check_blob_key, check_byte_range, check_key_prefix
from taskcore.errors import BlobNotFound, Unavailable

PARTIAL_DIR: Final = ".partial"
"""Folder under the store's root that holds blobs being written (keys never start with
a dot, so it cannot clash with a key)."""

STORAGE_UNAVAILABLE: Final = "File storage unavailable"


@contextlib.contextmanager
def _reading(key: str) -> Iterator[None]:
    """Translate storage errors while reading ``key``: missing is :class:`BlobNotFound`."""
    try:
        yield
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError) as exc:
        raise BlobNotFound(key) from exc
    except OSError as exc:
        raise Unavailable(STORAGE_UNAVAILABLE) from exc


@contextlib.contextmanager
def _storage() -> Iterator[None]:
    """Translate any storage error into :class:`Unavailable`."""
    try:
        yield
    except OSError as exc:
        raise Unavailable(STORAGE_UNAVAILABLE) from exc


def _filesystem(url: str, storage_options: dict[str, Any]) -> tuple[Any, str]:
    """The filesystem and root path for ``url``; ``memory://`` gets a private store."""
    protocol, _ = fsspec.core.split_protocol(url)
    if protocol == "memory":
        # By default every MemoryFileSystem shares one class-level dict; this one must not.
        fs = fsspec.filesystem(
            "memory", skip_instance_cache=True, global_store=False, **storage_options
        )
        if fs.store is MemoryFileSystem.store:  # fsspec releases without ``global_store``
            fs.store = {}
            fs.pseudo_dirs = [""]
        return fs, str(fs._strip_protocol(url))
    fs, root = fsspec.core.url_to_fs(url, **storage_options)
    return fs, str(root)


class FsspecFileStore:
    """Blobs in a folder of any fsspec filesystem.

    ``url`` is a local path (``/srv/taskcore/files``, ``file:///srv/taskcore/files``; the
    folder is created if missing), ``memory://name`` (a store private to this instance, for
    tests) or any other fsspec URL (``s3://bucket/prefix`` with s3fs installed, ...);
    ``storage_options`` go to the filesystem.

    A blob is written under ``.partial/<key>`` and moved to ``<key>`` on commit: on local
    disk it is flushed to stable storage and renamed atomically; on object stores the move
    is a server-side copy. Reads go through open files on local disk and ranged reads
    elsewhere, so memory use stays at one chunk per reader.

    Raises:
        Unavailable: the local folder cannot be created.
    """

    def __init__(self, url: str, **storage_options: Any) -> None:
        self._fs, root = _filesystem(url, storage_options)
        self._local = isinstance(self._fs, LocalFileSystem)
        self._root = str(self._fs._strip_protocol(root)).rstrip("/")
        if self._local:
            with _storage():
                _private_folder(self._root)

    def __repr__(self) -> str:
        return f"FsspecFileStore({self.location!r})"

    @property
    def location(self) -> str:
        """Where the blobs are, as a URL (for health reports)."""
        return str(self._fs.unstrip_protocol(self._root or "/"))

    def _path(self, key: str) -> str:
        return f"{self._root}/{check_blob_key(key)}"

    def _partial_path(self, key: str) -> str:
        return f"{self._root}/{PARTIAL_DIR}/{check_blob_key(key)}"

    def open_writer(self, key: str) -> LocalBlobWriter | FsspecBlobWriter:
        partial, final = self._partial_path(key), self._path(key)
        if self._local:
            return LocalBlobWriter(partial, final)
        return FsspecBlobWriter(self._fs, partial, final)

    def read(
        self, key: str, *, start: int = 0, end: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> Iterator[bytes]:
        path = self._path(key)
        check_byte_range(start, end, chunk_size)
        size = self.size(key)
        if size is None:
            raise BlobNotFound(key)
        stop = size if end is None else min(end, size)
        if self._local:
            return self._read_file(key, path, start, stop, chunk_size)
        return self._read_ranges(key, path, start, stop, chunk_size)

    def _read_file(
        self, key: str, path: str, start: int, stop: int, chunk_size: int
    ) -> Iterator[bytes]:
        # Opened on the first chunk, so an iterator that is never started holds no file.
        with _reading(key):
            file: IO[bytes] = open(path, "rb")  # noqa: SIM115 - closed by the with below
        with file:
            offset = start
            with _reading(key):
                file.seek(start)
            while offset < stop:
                with _reading(key):
                    data = file.read(min(chunk_size, stop - offset))
                if not data:
                    return
                offset += len(data)
                yield data

    def _read_ranges(
        self, key: str, path: str, start: int, stop: int, chunk_size: int
    ) -> Iterator[bytes]:
        for offset in range(start, stop, chunk_size):
            with _reading(key):
                data = bytes(
                    self._fs.cat_file(path, start=offset, end=min(offset + chunk_size, stop))
                )
            if not data:
                return
            yield data

    def size(self, key: str) -> int | None:
        path = self._path(key)
        try:
            info = self._fs.info(path)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as exc:
            raise Unavailable(STORAGE_UNAVAILABLE) from exc
        if info.get("type") != "file":
            return None
        return int(info["size"])

    def delete(self, key: str) -> None:
        for path in (self._path(key), self._partial_path(key)):
            with _storage(), contextlib.suppress(FileNotFoundError, IsADirectoryError):
                self._fs.rm_file(path)

    def keys(self, prefix: str = "") -> Iterator[str]:
        check_key_prefix(prefix)
        folder = prefix.rpartition("/")[0]
        found = self._find(f"{self._root}/{folder}" if folder else self._root)
        return iter(
            [
                key
                for key in found
                if key.startswith(prefix) and not key.startswith(f"{PARTIAL_DIR}/")
            ]
        )

    def partial_keys(self) -> Iterator[str]:
        found = self._find(f"{self._root}/{PARTIAL_DIR}")
        return iter([name.removeprefix(f"{PARTIAL_DIR}/") for name in found])

    def _find(self, folder: str) -> list[str]:
        """Every file under ``folder``, as paths relative to the root."""
        with _storage():
            paths = self._fs.find(folder)
        root = f"{self._root}/"
        names = []
        for path in paths:
            name = str(self._fs._strip_protocol(path))
            if self._root:
                if not name.startswith(root):
                    continue
                name = name[len(root) :]
            names.append(name.lstrip("/"))
        return names


class LocalBlobWriter:
    """A blob being written to local disk: a file under ``.partial``, renamed on commit."""

    def __init__(self, partial: str, final: str) -> None:
        self._partial = partial
        self._final = final
        with _storage():
            _private_folder(os.path.dirname(partial))
            # 0600 whatever the umask: attachments are readable by this process only.
            descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            self._file: IO[bytes] = os.fdopen(descriptor, "wb")
        self._state = "open"

    def write(self, data: bytes) -> None:
        if self._state != "open":
            raise ValueError(f"blob writer is {self._state}")
        with _storage():
            self._file.write(data)

    def commit(self) -> None:
        if self._state != "open":
            raise ValueError(f"blob writer is {self._state}")
        with _storage():
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            folder = os.path.dirname(self._final)
            _private_folder(folder)
            os.replace(self._partial, self._final)
            _sync_folder(folder)
        self._state = "committed"

    def abort(self) -> None:
        if self._state != "open":
            return
        self._state = "aborted"
        with _storage():
            try:
                self._file.close()
            finally:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(self._partial)


def _private_folder(folder: str) -> None:
    """Create ``folder`` and each missing parent with mode 0700 (``os.makedirs`` gives
    parents the default mode), so that with the 0600 files no other local user can list
    or read attachments (the umask can only take bits away). Existing folders are left
    as they are."""
    missing: list[str] = []
    path = os.path.abspath(folder)
    while not os.path.isdir(path):
        missing.append(path)
        path = os.path.dirname(path)
    for path in reversed(missing):
        with contextlib.suppress(FileExistsError):
            os.mkdir(path, 0o700)


def _sync_folder(folder: str) -> None:
    """Flush a folder's entries (the rename) to stable storage, where the OS allows it."""
    if os.name != "posix":
        return
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class FsspecBlobWriter:
    """A blob being written through fsspec: a file under ``.partial``, moved on commit.

    An empty file is made under ``.partial`` first: object stores (S3) show an object
    only once its upload completes, so without it a writer that dies mid-upload would
    leave nothing for :meth:`FsspecFileStore.partial_keys` to find (the parts of its
    unfinished multipart upload are for the bucket's lifecycle rule to abort)."""

    def __init__(self, fs: Any, partial: str, final: str) -> None:
        self._fs = fs
        self._partial = partial
        self._final = final
        with _storage():
            fs.touch(partial)
            self._file: Any = fs.open(partial, "wb")
        self._state = "open"

    def write(self, data: bytes) -> None:
        if self._state != "open":
            raise ValueError(f"blob writer is {self._state}")
        with _storage():
            self._file.write(data)

    def commit(self) -> None:
        if self._state != "open":
            raise ValueError(f"blob writer is {self._state}")
        with _storage():
            if not self._fs.exists(self._partial):  # the key was deleted meanwhile
                self._state = "aborted"
                self._file.discard()  # an unfinished multipart upload is aborted
                if isinstance(self._file, AbstractBufferedFile):
                    self._file.closed = True  # or collecting it would upload the data
                raise FileNotFoundError(self._partial)
            self._file.close()
            self._fs.mv(self._partial, self._final)
        self._state = "committed"

    def abort(self) -> None:
        if self._state != "open":
            return
        self._state = "aborted"
        with _storage():
            try:
                self._file.close()
            finally:
                with contextlib.suppress(FileNotFoundError):
                    self._fs.rm_file(self._partial)
