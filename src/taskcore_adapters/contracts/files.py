"""The FileStore contract suite: what every file store must do, for any implementation.

Subclass :class:`FileStoreContract` in a test module and give it one fixture, ``store``,
returning an empty store; pytest then runs every check against it::

    import pytest
    from taskcore_adapters.contracts import FileStoreContract

    class TestMyStore(FileStoreContract):
        @pytest.fixture
        def store(self, tmp_path):
            return MyStore(tmp_path)

taskcore's own stores (memory, fsspec on a folder, fsspec in memory) pass this suite.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest

from taskcore import errors
from taskcore.domain.blobs import new_blob_key
from taskcore.errors import BlobNotFound
from taskcore.ports.files import FileStore

__all__ = ["FileStoreContract", "content", "key_at", "put"]

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, tzinfo=dt.UTC)
MiB = 1024 * 1024


def key_at(days: int = 0, seconds: int = 0) -> str:
    """A fresh key made ``days`` and ``seconds`` after ``NOW``."""
    return new_blob_key(NOW + dt.timedelta(days=days, seconds=seconds))


def put(store: FileStore, key: str, *chunks: bytes) -> None:
    """Write and commit a blob."""
    writer = store.open_writer(key)
    try:
        for chunk in chunks:
            writer.write(chunk)
        writer.commit()
    finally:
        writer.abort()


def content(store: FileStore, key: str, **kwargs: int) -> bytes:
    """The bytes ``read`` yields, joined."""
    return b"".join(store.read(key, **kwargs))


def pseudo_random(size: int, seed: int = 7) -> Iterator[bytes]:
    """``size`` reproducible pseudo-random bytes in uneven pieces."""
    rng = random.Random(seed)
    left = size
    while left:
        piece = min(left, rng.randint(1, 300_000))
        left -= piece
        yield rng.randbytes(piece)


class _WriteAndRead:
    def test_round_trip(self, store: FileStore) -> None:
        """A committed blob reads back whole, with its size."""
        key = key_at()
        put(store, key, b"hello ", b"", b"world")
        assert (content(store, key), store.size(key)) == (b"hello world", 11)

    def test_empty_blob(self, store: FileStore) -> None:
        """A blob with no bytes exists, has size 0 and reads as no chunks."""
        key = key_at()
        put(store, key)
        assert (store.size(key), list(store.read(key))) == (0, [])

    def test_large_blob_round_trips_in_chunks(self, store: FileStore) -> None:
        """A multi-megabyte blob written in uneven pieces reads back in full-size chunks."""
        key = key_at()
        written = hashlib.sha256()
        writer = store.open_writer(key)
        for piece in pseudo_random(5 * MiB + 123):
            written.update(piece)
            writer.write(piece)
        writer.commit()
        chunks = list(store.read(key, chunk_size=MiB))
        assert [MiB] * 5 + [123] == [len(chunk) for chunk in chunks]
        assert written.hexdigest() == hashlib.sha256(b"".join(chunks)).hexdigest()

    def test_commit_replaces_an_existing_blob(self, store: FileStore) -> None:
        """Committing under a key that holds a blob replaces it whole."""
        key = key_at()
        put(store, key, b"first version, longer")
        put(store, key, b"second")
        assert content(store, key) == b"second"

    def test_writer_refuses_writes_after_commit(self, store: FileStore) -> None:
        """Writing or committing again after commit is a programming error."""
        key = key_at()
        writer = store.open_writer(key)
        writer.commit()
        with pytest.raises(ValueError, match="committed"):
            writer.write(b"late")
        with pytest.raises(ValueError, match="committed"):
            writer.commit()

    def test_concurrent_writers(self, store: FileStore) -> None:
        """Blobs written from several threads at once all read back intact."""
        keys = [key_at(seconds=n) for n in range(8)]

        def write(n: int) -> None:
            put(store, keys[n], *(bytes([n]) * 10_000 for _ in range(20)))

        with ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(write, range(8)))
        assert [bytes([n]) * 200_000 for n in range(8)] == [content(store, k) for k in keys]


class _Atomicity:
    def test_partial_blob_is_invisible_until_commit(self, store: FileStore) -> None:
        """Before commit the blob has no size, cannot be read and is not listed."""
        key = key_at()
        writer = store.open_writer(key)
        writer.write(b"partial data")
        assert (None, [], [key]) == (
            store.size(key),
            list(store.keys()),
            list(store.partial_keys()),
        )
        with pytest.raises(BlobNotFound):
            store.read(key)
        writer.commit()
        assert ([key], [], b"partial data") == (
            list(store.keys()),
            list(store.partial_keys()),
            content(store, key),
        )

    def test_abort_removes_partial_data(self, store: FileStore) -> None:
        """After abort nothing of the blob remains, and aborting again is harmless."""
        key = key_at()
        writer = store.open_writer(key)
        writer.write(b"doomed")
        writer.abort()
        writer.abort()
        assert (store.size(key), list(store.keys()), list(store.partial_keys())) == (None, [], [])
        with pytest.raises(ValueError, match="aborted"):
            writer.write(b"more")

    def test_abort_after_commit_keeps_the_blob(self, store: FileStore) -> None:
        """Abort after a successful commit does nothing."""
        key = key_at()
        writer = store.open_writer(key)
        writer.write(b"kept")
        writer.commit()
        writer.abort()
        assert content(store, key) == b"kept"

    def test_abort_leaves_an_existing_blob_alone(self, store: FileStore) -> None:
        """An aborted rewrite leaves the blob already under the key untouched."""
        key = key_at()
        put(store, key, b"original")
        writer = store.open_writer(key)
        writer.write(b"replacement")
        writer.abort()
        assert content(store, key) == b"original"

    def test_delete_during_write_fails_the_commit(self, store: FileStore) -> None:
        """Deleting a key discards its partial data, so the writer's commit fails."""
        key = key_at()
        writer = store.open_writer(key)
        writer.write(b"abandoned")
        store.delete(key)
        assert list(store.partial_keys()) == []
        with pytest.raises(errors.Unavailable):
            writer.commit()
        writer.abort()
        assert (store.size(key), list(store.keys())) == (None, [])


class _Ranges:
    DATA = bytes(range(256)) * 4

    @pytest.mark.parametrize(
        ("start", "end", "chunk_size", "expected"),
        [
            (0, None, 1000, [1000, 24]),
            (10, 20, 4, [4, 4, 2]),
            (0, 1, 1, [1]),
            (1000, None, 10, [10, 10, 4]),
            (1020, 5000, 100, [4]),
            (1024, None, 10, []),
            (2000, 3000, 10, []),
            (5, 5, 10, []),
        ],
    )
    def test_ranges(
        self,
        store: FileStore,
        start: int,
        end: int | None,
        chunk_size: int,
        expected: list[int],
    ) -> None:
        """``read`` yields bytes start (inclusive) to end (exclusive) in chunks of at most
        ``chunk_size``, clamped to the blob."""
        key = key_at()
        put(store, key, self.DATA)
        chunks = list(store.read(key, start=start, end=end, chunk_size=chunk_size))
        assert expected == [len(chunk) for chunk in chunks]
        assert self.DATA[start:end] == b"".join(chunks)

    @pytest.mark.parametrize(
        ("start", "end", "chunk_size"), [(-1, None, 10), (5, 4, 10), (0, -1, 10), (0, None, 0)]
    )
    def test_invalid_ranges(
        self, store: FileStore, start: int, end: int | None, chunk_size: int
    ) -> None:
        """Negative or reversed ranges and empty chunks are refused."""
        key = key_at()
        put(store, key, self.DATA)
        with pytest.raises(ValueError, match=r"range|chunk_size"):
            store.read(key, start=start, end=end, chunk_size=chunk_size)

    def test_missing_blob_is_reported_before_iteration(self, store: FileStore) -> None:
        """Reading a missing key raises BlobNotFound from the call itself, naming the key."""
        key = key_at()
        with pytest.raises(BlobNotFound) as caught:
            store.read(key)
        assert (key, "File not found on server") == (caught.value.key, caught.value.message)
        assert isinstance(caught.value, errors.NotFound)


class _DeleteAndList:
    def test_delete_is_idempotent(self, store: FileStore) -> None:
        """Deleting removes the blob; deleting a missing key is no error."""
        key = key_at()
        put(store, key, b"x")
        store.delete(key)
        store.delete(key)
        store.delete(key_at(days=1))
        assert (store.size(key), list(store.keys())) == (None, [])

    def test_keys_by_prefix(self, store: FileStore) -> None:
        """``keys`` lists committed blobs whose keys start with the prefix."""
        first, second, later = key_at(), key_at(days=1), key_at(days=400)
        for key in (first, second, later):
            put(store, key, b"x")
        pending = store.open_writer(key_at(days=2))
        pending.write(b"not yet")
        try:
            assert sorted([first, second, later]) == sorted(store.keys())
            assert sorted([first, second]) == sorted(store.keys("2026/03/0"))
            assert [first] == list(store.keys("2026/03/01/"))
            assert [later] == list(store.keys(later[:20]))
            assert list(store.keys("2025")) == []
        finally:
            pending.abort()

    @pytest.mark.parametrize(
        "key", ["", "../escape", "/absolute", "a/../b", "a//b", ".partial/x", "a\\b", "a/./b", "é"]
    )
    def test_malformed_keys_are_refused(self, store: FileStore, key: str) -> None:
        """Keys that could escape or confuse the storage are programming errors."""
        with pytest.raises(ValueError, match="malformed blob key"):
            store.open_writer(key)
        with pytest.raises(ValueError, match="malformed blob key"):
            store.read(key)
        with pytest.raises(ValueError, match="malformed blob key"):
            store.size(key)
        with pytest.raises(ValueError, match="malformed blob key"):
            store.delete(key)

    @pytest.mark.parametrize("prefix", ["/", "../", ".partial", "a//"])
    def test_malformed_prefixes_are_refused(self, store: FileStore, prefix: str) -> None:
        """A prefix no well-formed key can start with is a programming error."""
        with pytest.raises(ValueError, match="prefix"):
            list(store.keys(prefix))


class FileStoreContract(_WriteAndRead, _Atomicity, _Ranges, _DeleteAndList):
    """Every check of the :class:`~taskcore.ports.files.FileStore` contract.

    Subclass it (under a name starting with ``Test``) and override :meth:`store`.
    """

    @pytest.fixture
    def store(self) -> FileStore:
        """An empty store of the kind under test; override this fixture."""
        raise NotImplementedError("override the `store` fixture to return an empty store")
