"""Streaming multipart uploads: the file part goes to a sink as it arrives, within limits."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import random
from collections.abc import Iterable, Iterator, MutableMapping
from typing import Any

import anyio
import attrs
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.testclient import TestClient

from taskcore import errors
from taskcore.domain.files import HashingWriter, accept_filename, new_blob_key
from taskcore_adapters.http.errors import on_taskcore_error
from taskcore_adapters.http.multipart import FilePart, receive_upload
from taskcore_adapters.memory.files import InMemoryBlobWriter, InMemoryFileStore

MiB = 1024 * 1024
LIMIT = 4 * MiB
"""The body limit of the test application."""
FILE_LIMIT = 32 * MiB
"""The blob limit of the test application (the body limit binds first)."""
BOUNDARY = "----taskcore-test-boundary-7MA4YWxkTrZu0gW"
NOW = dt.datetime(2026, 3, 1, 9, 30, 15, tzinfo=dt.UTC)


class ObservedWriter:
    """A blob writer that records the size of each write, and whose storage fails once
    ``fail_after`` bytes were written (never, if ``None``)."""

    def __init__(
        self, writer: InMemoryBlobWriter, sizes: list[int], fail_after: int | None
    ) -> None:
        self._writer = writer
        self._sizes = sizes
        self._left = fail_after

    def write(self, data: bytes) -> None:
        self._sizes.append(len(data))
        if self._left is not None:
            self._left -= len(data)
            if self._left < 0:
                raise errors.Unavailable("File storage unavailable")
        self._writer.write(data)

    def commit(self) -> None:
        self._writer.commit()

    def abort(self) -> None:
        self._writer.abort()


@attrs.define
class Uploads:
    """The test application's state: where files go, and which storage fault to inject."""

    store: InMemoryFileStore = attrs.field(factory=InMemoryFileStore)
    limit: int = LIMIT
    fail_after: int | None = None
    offload: bool = True
    write_sizes: list[int] = attrs.field(factory=list)


def make_app(uploads: Uploads) -> Starlette:
    """A one-route application that stores an upload in ``uploads.store``."""

    def open_sink(part: FilePart) -> HashingWriter:
        accept_filename(part.filename)
        key = new_blob_key(NOW)
        writer = ObservedWriter(
            uploads.store.open_writer(key), uploads.write_sizes, uploads.fail_after
        )
        return HashingWriter(writer, key=key, max_bytes=FILE_LIMIT)

    async def upload(request: Request) -> Response:
        received = await receive_upload(
            request, open_sink, max_bytes=uploads.limit, offload=uploads.offload
        )
        received.sink.commit()
        return JSONResponse(
            {
                "filename": received.file.filename,
                "content_type": received.file.content_type,
                "size": received.size,
                "stored": received.sink.size,
                "sha256": received.sink.sha256,
                "fields": dict(received.fields),
            },
            status_code=201,
        )

    return Starlette(
        routes=[Route("/upload", upload, methods=["POST"])],
        exception_handlers={errors.TaskcoreError: on_taskcore_error},
    )


@pytest.fixture
def uploads() -> Uploads:
    """The state of a fresh test application."""
    return Uploads()


@pytest.fixture
def uploader(uploads: Uploads) -> Iterator[TestClient]:
    """A test client of the upload application."""
    with TestClient(make_app(uploads)) as test_client:
        yield test_client


def part(
    name: str, value: bytes, *, filename: str | None = None, ctype: str | None = None
) -> bytes:
    """One encoded part, its boundary line first."""
    disposition = f'form-data; name="{name}"'
    if filename is not None:
        disposition += f'; filename="{filename}"'
    head = f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\n"
    if ctype is not None:
        head += f"Content-Type: {ctype}\r\n"
    return head.encode() + b"\r\n" + value + b"\r\n"


def closing() -> bytes:
    """The closing boundary."""
    return f"--{BOUNDARY}--\r\n".encode()


def multipart_headers(**extra: str) -> dict[str, str]:
    """Request headers declaring the test boundary."""
    return {"content-type": f"multipart/form-data; boundary={BOUNDARY}", **extra}


def pseudo_random(size: int, piece: int, seed: int = 11) -> Iterator[bytes]:
    """``size`` reproducible pseudo-random bytes, generated ``piece`` bytes at a time."""
    rng = random.Random(seed)
    for offset in range(0, size, piece):
        yield rng.randbytes(min(piece, size - offset))


def streamed_upload(content: Iterable[bytes], *, filename: str = "big.zip") -> Iterator[bytes]:
    """A multipart body around ``content``, produced piece by piece as it is read."""
    yield part("note", b"large")
    yield (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="{filename}"\r\n'
        "Content-Type: application/zip\r\n\r\n"
    ).encode()
    yield from content
    yield b"\r\n" + closing()


@attrs.frozen
class Exchange:
    """What an ASGI call produced, and how much of the body the application pulled."""

    status: int
    body: Any
    consumed: int
    messages: int


def drive(app: Starlette, body: Iterable[bytes], headers: dict[str, str]) -> Exchange:
    """Call the application over ASGI, handing it ``body`` one message per piece, only
    as fast as it asks; count what it consumed."""
    pieces = iter(body)
    consumed = 0
    messages = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal consumed, messages
        piece = next(pieces, None)
        if piece is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        consumed += len(piece)
        messages += 1
        return {"type": "http.request", "body": piece, "more_body": True}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/upload",
        "raw_path": b"/upload",
        "query_string": b"",
        "root_path": "",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }

    async def call() -> None:
        await app(scope, receive, send)

    anyio.run(call)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    raw = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return Exchange(status, json.loads(raw), consumed, messages)


class TestUpload:
    """Well-formed uploads reach the sink whole."""

    def test_normal_upload(self, uploader: TestClient, uploads: Uploads) -> None:
        """The file streams into the sink; its name, declared type and fields come back."""
        data = b"%PDF-1.7\n" + b"x" * 5000
        response = uploader.post(
            "/upload",
            files={"file": ("Zoë report.pdf", data, "application/PDF; charset=binary")},
            data={"note": "quarterly", "tag": "ünïcode"},
        )
        assert 201 == response.status_code
        assert {
            "filename": "Zoë report.pdf",
            "content_type": "application/pdf",
            "size": len(data),
            "stored": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "fields": {"note": "quarterly", "tag": "ünïcode"},
        } == response.json()
        (key,) = uploads.store.keys()
        assert data == b"".join(uploads.store.read(key))

    def test_raw_client_name_is_reported_unsanitised(self, uploader: TestClient) -> None:
        """The reader reports the name as sent; sanitising is the caller's job."""
        response = uploader.post(
            "/upload",
            content=part("file", b"x", filename="../../x.txt") + closing(),
            headers=multipart_headers(),
        )
        assert (201, "../../x.txt", None) == (
            response.status_code,
            response.json()["filename"],
            response.json()["content_type"],
        )

    def test_empty_file(self, uploader: TestClient, uploads: Uploads) -> None:
        """An empty file part is a file of zero bytes."""
        response = uploader.post(
            "/upload",
            content=part("file", b"", filename="empty.txt") + closing(),
            headers=multipart_headers(),
        )
        assert (201, 0) == (response.status_code, response.json()["size"])
        (key,) = uploads.store.keys()
        assert 0 == uploads.store.size(key)

    def test_large_upload_through_the_test_client(self) -> None:
        """A 20 MiB body generated on the fly arrives intact (the body limit is raised)."""
        digest = hashlib.sha256()

        def content() -> Iterator[bytes]:
            for piece in pseudo_random(20 * MiB, 256 * 1024):
                digest.update(piece)
                yield piece

        with TestClient(make_app(Uploads(limit=64 * MiB))) as big_client:
            response = big_client.post(
                "/upload", content=streamed_upload(content()), headers=multipart_headers()
            )
        assert (201, 20 * MiB, digest.hexdigest()) == (
            response.status_code,
            response.json()["size"],
            response.json()["sha256"],
        )

    @pytest.mark.parametrize("offload", [True, False])
    def test_large_upload_streams_in_small_messages(self, offload: bool) -> None:
        """A 3.5 MiB file sent in 64 KiB messages is written in pieces of about 1 MiB and
        arrives intact, with or without worker threads."""
        uploads = Uploads(offload=offload)
        content = list(pseudo_random(3 * MiB + MiB // 2, 64 * 1024))
        exchange = drive(make_app(uploads), streamed_upload(content), multipart_headers())
        data = b"".join(content)
        assert (201, len(data), hashlib.sha256(data).hexdigest()) == (
            exchange.status,
            exchange.body["size"],
            exchange.body["sha256"],
        )
        assert 56 + 3 == exchange.messages
        assert [MiB, MiB, MiB, MiB // 2] == uploads.write_sizes
        (key,) = uploads.store.keys()
        assert (
            hashlib.sha256(data).hexdigest()
            == hashlib.sha256(b"".join(uploads.store.read(key))).hexdigest()
        )


class TestLimits:
    """Limits stop the reading early and leave nothing behind."""

    def test_oversize_stream_stops_within_one_chunk(self, uploads: Uploads) -> None:
        """A body without Content-Length sent in 1 MiB chunks up to three times the limit
        is refused with 413 within one chunk of the limit, and nothing is kept."""
        body = streamed_upload(pseudo_random(3 * LIMIT, MiB))
        exchange = drive(make_app(uploads), body, multipart_headers())
        assert (413, {"error": "File too large"}) == (exchange.status, exchange.body)
        assert LIMIT < exchange.consumed <= LIMIT + MiB + 1024
        assert ([], []) == (list(uploads.store.keys()), list(uploads.store.partial_keys()))

    def test_declared_oversize_is_refused_before_reading(self, uploads: Uploads) -> None:
        """An honest Content-Length over the limit is refused before any body is read."""
        body = streamed_upload(pseudo_random(2 * LIMIT, MiB))
        headers = multipart_headers(**{"content-length": str(2 * LIMIT + 400)})
        exchange = drive(make_app(uploads), body, headers)
        assert (413, 0) == (exchange.status, exchange.messages)

    def test_storage_failure_aborts_and_stops_reading(self, uploads: Uploads) -> None:
        """When the sink fails mid-write, the upload is aborted and the rest is not read."""
        uploads.fail_after = MiB
        body = streamed_upload(pseudo_random(3 * MiB + 17, 64 * 1024))
        exchange = drive(make_app(uploads), body, multipart_headers())
        assert (503, {"error": "File storage unavailable"}) == (exchange.status, exchange.body)
        assert exchange.consumed < 3 * MiB + 17
        assert ([], []) == (list(uploads.store.keys()), list(uploads.store.partial_keys()))

    def test_refused_file_name_reads_no_file_bytes(self, uploads: Uploads) -> None:
        """A name refused when the file part starts stops the upload before its bytes."""
        body = streamed_upload(pseudo_random(3 * MiB, 64 * 1024), filename="setup.exe")
        exchange = drive(make_app(uploads), body, multipart_headers())
        assert 400 == exchange.status
        assert exchange.body["error"].startswith("File type not allowed. Allowed extensions: ")
        assert 2 == exchange.messages
        assert ([], []) == (list(uploads.store.keys()), list(uploads.store.partial_keys()))

    def test_two_files(self, uploader: TestClient, uploads: Uploads) -> None:
        """A second file part is refused and the first one discarded."""
        body = part("file", b"one", filename="a.txt") + part("file", b"two", filename="b.txt")
        response = uploader.post("/upload", content=body + closing(), headers=multipart_headers())
        assert (400, {"error": "Only one file may be uploaded, in the field 'file'"}) == (
            response.status_code,
            response.json(),
        )
        assert [] == list(uploads.store.partial_keys())

    def test_file_in_another_field(self, uploader: TestClient) -> None:
        """A file part under another name is refused."""
        body = part("attachment", b"x", filename="a.txt") + closing()
        response = uploader.post("/upload", content=body, headers=multipart_headers())
        assert 400 == response.status_code

    def test_too_many_fields(self, uploader: TestClient) -> None:
        """1,001 text fields are refused."""
        body = b"".join(part(f"f{n}", b"v") for n in range(1001))
        body += part("file", b"x", filename="a.txt") + closing()
        response = uploader.post("/upload", content=body, headers=multipart_headers())
        assert (400, {"error": "Too many form fields"}) == (response.status_code, response.json())

    def test_oversized_text_field(self, uploader: TestClient) -> None:
        """A text field past the 64 KiB budget is refused."""
        body = part("note", b"n" * (64 * 1024 + 1)) + part("file", b"x", filename="a.txt")
        response = uploader.post("/upload", content=body + closing(), headers=multipart_headers())
        assert (400, {"error": "Form fields too large"}) == (response.status_code, response.json())


class TestMalformed:
    """Bodies without a usable file part are refused with the right message."""

    @pytest.mark.parametrize(
        ("content", "headers"),
        [
            (part("note", b"only a field") + closing(), multipart_headers()),
            (b"", multipart_headers()),
            (b'{"file": "x"}', {"content-type": "application/json"}),
            (b"file=x", {"content-type": "application/x-www-form-urlencoded"}),
            (part("file", b"x") + closing(), multipart_headers()),
        ],
    )
    def test_no_file_provided(
        self, uploader: TestClient, content: bytes, headers: dict[str, str]
    ) -> None:
        """A body without a file part gets the original's message."""
        response = uploader.post("/upload", content=content, headers=headers)
        assert (400, {"error": "No file provided in the request"}) == (
            response.status_code,
            response.json(),
        )

    def test_empty_file_name(self, uploader: TestClient) -> None:
        """A file part with an empty name gets the original's ``No file selected``."""
        body = part("file", b"x", filename="") + closing()
        response = uploader.post("/upload", content=body, headers=multipart_headers())
        assert (400, {"error": "No file selected"}) == (response.status_code, response.json())

    @pytest.mark.parametrize(
        ("content", "content_type"),
        [
            (
                part("file", b"x", filename="a.txt") + closing(),
                "multipart/form-data; boundary=something-else",
            ),
            (part("file", b"x", filename="a.txt") + closing(), "multipart/form-data"),
            (
                part("file", b"x", filename="a.txt") + closing(),
                "multipart/form-data; boundary=" + "b" * 300,
            ),
            (b"--" + BOUNDARY.encode() + b"\r\nno colon here\r\n\r\nx", None),
            (f"--{BOUNDARY}\r\nContent-Type: text/plain\r\n\r\nx\r\n".encode() + closing(), None),
            (f"--{BOUNDARY}\r\nContent-Disposition: form-data\r\n\r\nx\r\n".encode(), None),
        ],
    )
    def test_malformed_body(
        self, uploader: TestClient, content: bytes, content_type: str | None
    ) -> None:
        """A wrong or missing boundary, bad part headers or a part without a name are 400."""
        headers = multipart_headers()
        if content_type is not None:
            headers["content-type"] = content_type
        response = uploader.post("/upload", content=content, headers=headers)
        assert (400, {"error": "Malformed multipart body"}) == (
            response.status_code,
            response.json(),
        )

    def test_truncated_body_discards_the_file(self, uploader: TestClient, uploads: Uploads) -> None:
        """A body that ends inside the file part is 400 and leaves nothing stored."""
        body = part("file", b"x" * 10_000, filename="a.txt")[:-200]
        response = uploader.post("/upload", content=body, headers=multipart_headers())
        assert (400, {"error": "Malformed multipart body"}) == (
            response.status_code,
            response.json(),
        )
        assert ([], []) == (list(uploads.store.keys()), list(uploads.store.partial_keys()))

    def test_field_that_is_not_utf8(self, uploader: TestClient) -> None:
        """A text field that is not UTF-8 is refused, naming it."""
        body = part("note", b"\xff\xfe") + part("file", b"x", filename="a.txt") + closing()
        response = uploader.post("/upload", content=body, headers=multipart_headers())
        assert (400, {"error": "note must be UTF-8 text"}) == (
            response.status_code,
            response.json(),
        )
