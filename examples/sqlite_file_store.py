"""A custom adapter: attachments' files kept in a SQLite database (standard library only).

Any class with the methods of a port is an adapter. This one implements
:class:`taskcore.ports.files.FileStore`: blobs in one table, data being written in
another (so it is invisible until committed and found again after a crash), and the
public contract suite checks it (``examples/test_sqlite_file_store.py``). It is then
given to ``from_settings`` (or ``taskcore.build``) in place of the default store.

Run: python examples/sqlite_file_store.py
"""

from __future__ import annotations

import sqlite3
import tempfile
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

from taskcore.domain.blobs import CHUNK_SIZE, check_blob_key, check_byte_range, check_key_prefix
from taskcore.errors import BlobNotFound, Unavailable
from taskcore_adapters import Settings, from_settings

SCHEMA = """
PRAGMA journal_mode = WAL;
PRAGMA synchronous = NORMAL;
CREATE TABLE IF NOT EXISTS blobs (key TEXT PRIMARY KEY, data BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS partial (key TEXT PRIMARY KEY, writer TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS partial_chunks (writer TEXT NOT NULL, data BLOB NOT NULL);
CREATE INDEX IF NOT EXISTS partial_chunks_writer ON partial_chunks (writer);
"""


class SqliteFileStore:
    """A :class:`~taskcore.ports.files.FileStore` in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.executescript(SCHEMA)

    @property
    def location(self) -> str:
        """Where the blobs are, for health reports."""
        return f"sqlite:///{self._path}"

    def open_writer(self, key: str) -> SqliteBlobWriter:
        check_blob_key(key)
        writer = uuid.uuid4().hex
        with self._lock:  # a new writer for a key supersedes an unfinished one
            self._db.execute("INSERT OR REPLACE INTO partial VALUES (?, ?)", (key, writer))
        return SqliteBlobWriter(self, key, writer)

    def read(
        self, key: str, *, start: int = 0, end: int | None = None, chunk_size: int = CHUNK_SIZE
    ) -> Iterator[bytes]:
        check_blob_key(key)
        check_byte_range(start, end, chunk_size)
        with self._lock:
            row = self._db.execute("SELECT data FROM blobs WHERE key = ?", (key,)).fetchone()
        if row is None:
            raise BlobNotFound(key)
        blob: bytes = row[0]
        stop = len(blob) if end is None else min(end, len(blob))
        return (blob[i : min(i + chunk_size, stop)] for i in range(start, stop, chunk_size))

    def size(self, key: str) -> int | None:
        check_blob_key(key)
        with self._lock:
            row = self._db.execute("SELECT length(data) FROM blobs WHERE key = ?", (key,))
            found = row.fetchone()
        return None if found is None else int(found[0])

    def delete(self, key: str) -> None:
        check_blob_key(key)
        with self._lock, self._transaction():
            self._drop_partial(key)
            self._db.execute("DELETE FROM blobs WHERE key = ?", (key,))

    def keys(self, prefix: str = "") -> Iterator[str]:
        check_key_prefix(prefix)
        with self._lock:
            rows = self._db.execute("SELECT key FROM blobs").fetchall()
        return iter([key for (key,) in rows if key.startswith(prefix)])

    def partial_keys(self) -> Iterator[str]:
        with self._lock:
            rows = self._db.execute("SELECT key FROM partial").fetchall()
        return iter([key for (key,) in rows])

    # -- for SqliteBlobWriter ---------------------------------------------------------------

    def _append(self, writer: str, data: bytes) -> None:
        with self._lock:
            self._db.execute("INSERT INTO partial_chunks VALUES (?, ?)", (writer, data))

    def _commit(self, key: str, writer: str) -> None:
        with self._lock, self._transaction():
            owner = self._db.execute("SELECT writer FROM partial WHERE key = ?", (key,))
            if owner.fetchone() != (writer,):
                self._drop_chunks(writer)
                raise Unavailable("The file was deleted while it was being written")
            chunks = self._db.execute(
                "SELECT data FROM partial_chunks WHERE writer = ? ORDER BY rowid", (writer,)
            )
            data = b"".join(chunk for (chunk,) in chunks)
            self._db.execute("INSERT OR REPLACE INTO blobs VALUES (?, ?)", (key, data))
            self._drop_partial(key)

    def _abort(self, key: str, writer: str) -> None:
        with self._lock, self._transaction():
            self._db.execute("DELETE FROM partial WHERE key = ? AND writer = ?", (key, writer))
            self._drop_chunks(writer)

    def _drop_partial(self, key: str) -> None:
        owner = self._db.execute("SELECT writer FROM partial WHERE key = ?", (key,)).fetchone()
        if owner is not None:
            self._drop_chunks(owner[0])
            self._db.execute("DELETE FROM partial WHERE key = ?", (key,))

    def _drop_chunks(self, writer: str) -> None:
        self._db.execute("DELETE FROM partial_chunks WHERE writer = ?", (writer,))

    def _transaction(self) -> sqlite3.Connection:
        self._db.execute("BEGIN")
        return self._db  # the connection commits, or rolls back, when the block ends

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()


class SqliteBlobWriter:
    """A blob being written to a :class:`SqliteFileStore`."""

    def __init__(self, store: SqliteFileStore, key: str, writer: str) -> None:
        self._store, self._key, self._writer = store, key, writer
        self._state = "open"

    def write(self, data: bytes) -> None:
        if self._state != "open":
            raise ValueError(f"blob writer is {self._state}")
        self._store._append(self._writer, data)

    def commit(self) -> None:
        if self._state != "open":
            raise ValueError(f"blob writer is {self._state}")
        self._state = "committed"
        self._store._commit(self._key, self._writer)

    def abort(self) -> None:
        if self._state == "open":
            self._state = "aborted"
            self._store._abort(self._key, self._writer)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        files = SqliteFileStore(Path(tmp) / "files.db")
        with from_settings(Settings(data_dir=Path(tmp)), file_store=files) as rt:
            users = rt.core.users
            users.register(
                username="ada", email="ada@example.com", password="a long pw!", full_name="Ada"
            )
            ada = users.authenticate(users.login(username="ada", password="a long pw!").token)
            project = rt.core.projects.create_project(ada, name="Archive")
            task = rt.core.tasks.create_task(ada, project.id, title="Scan the letters")
            attached = rt.core.attachments.upload_attachment(
                ada, task.id, filename="letter.txt", content=[b"Dear Ada,\n"]
            )
            download = rt.core.attachments.open_download(ada, attached.id)
            text = b"".join(download.chunks).decode()
            print(f"{attached.original_filename} in {rt.health().storage_location}: {text!r}")
        files.close()


if __name__ == "__main__":
    main()
