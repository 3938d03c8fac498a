"""The embedded profile's files are private whatever the process umask: the data folder
and the folders below it are created with mode 0700, the SQLite database (with its
``-wal`` and ``-shm`` files), attachments, ``.eml`` messages and the generated key with
mode 0600."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskcore.ports.mail import OutgoingMail
from taskcore_adapters.bootstrap import from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.fsspec import FsspecFileStore
from taskcore_adapters.mail.directory import DirectoryMailer
from taskcore_adapters.security import Argon2PasswordHasher


@pytest.fixture(autouse=True)
def permissive_umask() -> Iterator[None]:
    """Run with umask 000, so any mode left to the umask would be world-readable."""
    previous = os.umask(0)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    """The permission bits of ``path``."""
    return stat.S_IMODE(path.stat().st_mode)


def test_embedded_runtime_files_are_private(tmp_path: Path) -> None:
    """A fresh embedded runtime's data folder is 0700; its database, WAL and shared-memory
    files, its key, an attachment and its folders are 0600/0700."""
    data = tmp_path / "data"
    runtime = from_settings(
        Settings(data_dir=data), password_hasher=Argon2PasswordHasher.cheapest()
    )
    try:
        runtime.core.users.register(
            username="alice",
            email="alice@example.com",
            password="correct horse battery",
            full_name="Alice",
        )
        writer = runtime.file_store.open_writer("ab/cd/blob")
        writer.write(b"secret")
        writer.commit()
        files = sorted(p for p in data.rglob("*") if p.is_file())
        folders = sorted(p for p in data.rglob("*") if p.is_dir())
        assert {"taskcore.db", "taskcore.db-wal", "taskcore.db-shm", "secret_key", "blob"} <= {
            p.name for p in files
        }
        assert {p.name: 0o600 for p in files} == {p.name: mode(p) for p in files}
        assert 0o700 == mode(data)
        assert 0o700 == mode(data / "files")
        assert all(mode(p) & 0o077 == 0 for p in folders), [oct(mode(p)) for p in folders]
    finally:
        runtime.close()


def test_file_store_blobs_are_private(tmp_path: Path) -> None:
    """A blob written by the local store is 0600 in a 0700 folder."""
    store = FsspecFileStore(str(tmp_path / "files"))
    writer = store.open_writer("k/v")
    writer.write(b"x")
    writer.commit()
    assert (0o700, 0o600) == (mode(tmp_path / "files"), mode(tmp_path / "files" / "k" / "v"))


def test_eml_files_are_private(tmp_path: Path) -> None:
    """The development mailer's folder is 0700 and each message 0600."""
    mailer = DirectoryMailer(tmp_path / "mail")
    mailer.send(
        OutgoingMail(
            to="bob@example.com",
            subject="Hi",
            text="hello",
            message_id="<1@taskcore>",
        )
    )
    (message,) = mailer.messages()
    assert (0o700, 0o600) == (mode(tmp_path / "mail"), mode(message))
