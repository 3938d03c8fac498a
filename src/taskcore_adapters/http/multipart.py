"""Streaming ``multipart/form-data`` uploads: the file part is handed on as it arrives.

Starlette's form parser spools files to temporary files and keeps up to a thousand parts;
an upload needs neither. :class:`MultipartReader` pushes the request body through
python-multipart's parser chunk by chunk and yields the one file part's bytes as they
come, so the body is never held whole, nothing is written to temporary files, and size
limits stop the reading as soon as they are passed. :func:`receive_upload` streams that
file part into a sink (usually a ``BlobWriter``) from an async handler::

    upload = await receive_upload(request, open_writer, max_bytes=16 * 1024 * 1024)
    upload.sink.commit()
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterable, AsyncIterator, Callable, Mapping
from typing import TYPE_CHECKING, Any, Final, Generic, Protocol, TypeVar

import anyio
import anyio.to_thread
import attrs
from python_multipart.exceptions import FormParserError
from python_multipart.multipart import MultipartParser, MultipartState, parse_options_header
from starlette.requests import Request

from taskcore.domain.files import CHUNK_SIZE, FILE_FIELD, FILE_TOO_LARGE, NO_FILE_PROVIDED
from taskcore.errors import TaskcoreError, TooLarge, ValidationError

if TYPE_CHECKING:
    from python_multipart.multipart import MultipartCallbacks

log = logging.getLogger(__name__)

MAX_FIELD_BYTES: Final = 64 * 1024
"""Default cap on the bytes of all text fields together."""

MAX_FIELDS: Final = 32
"""Default cap on the number of text fields."""

MALFORMED: Final = "Malformed multipart body"
ONE_FILE: Final = f"Only one file may be uploaded, in the field '{FILE_FIELD}'"
TOO_MANY_FIELDS: Final = "Too many form fields"
FIELDS_TOO_LARGE: Final = "Form fields too large"

S = TypeVar("S", bound="UploadSink")


@attrs.frozen(kw_only=True)
class FilePart:
    """What the client said about the uploaded file. None of it is trusted."""

    field_name: str
    """The form field (``file``)."""
    filename: str
    """The file name as sent (possibly empty, or holding path parts); sanitise before use."""
    content_type: str | None
    """The declared media type, lower case without parameters, or ``None``."""


class UploadSink(Protocol):
    """Where :func:`receive_upload` puts the file's bytes (a ``BlobWriter`` is one)."""

    def write(self, data: bytes) -> None:
        """Take the next bytes of the file."""
        ...

    def abort(self) -> None:
        """Discard what was written; the upload failed."""
        ...


@attrs.frozen(kw_only=True)
class ReceivedUpload(Generic[S]):
    """A complete, well-formed upload whose file went to ``sink``."""

    file: FilePart
    """The file part's declared name and type."""
    sink: S
    """The sink holding the file's bytes, neither committed nor aborted."""
    size: int
    """Length of the file in bytes."""
    fields: Mapping[str, str]
    """The text fields sent with the file."""


def _decode(raw: bytes) -> str:
    """A header parameter as text: UTF-8 as browsers send it, else Latin-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


class MultipartReader:
    """Reads one ``multipart/form-data`` body as it arrives.

    :meth:`read` yields a :class:`FilePart` when the file part starts, then its bytes in
    pieces of at most ``chunk_size``; text fields are collected in :attr:`fields`. Only
    one file part is allowed, in ``file_field``.

    Args:
        content_type: The request's ``Content-Type`` header.
        max_bytes: The most bytes the whole body may have.
        content_length: The request's ``Content-Length`` header, if any: a larger
            declared length is refused before anything is read.
        file_field: The name of the file field.
        max_field_bytes: The most bytes all text fields may have together.
        max_fields: The most text fields there may be.
        chunk_size: The largest piece of the file yielded at once.
    """

    def __init__(
        self,
        content_type: str | None,
        *,
        max_bytes: int,
        content_length: str | None = None,
        file_field: str = FILE_FIELD,
        max_field_bytes: int = MAX_FIELD_BYTES,
        max_fields: int = MAX_FIELDS,
        chunk_size: int = CHUNK_SIZE,
    ) -> None:
        self._content_type = content_type or ""
        self._content_length = content_length
        self._max_bytes = max_bytes
        self._file_field = file_field
        self._max_field_bytes = max_field_bytes
        self._max_fields = max_fields
        self._chunk_size = chunk_size
        self._received = 0
        self._file: FilePart | None = None
        self._file_size = 0
        self._fields: dict[str, str] = {}
        self._field_count = 0
        self._field_bytes = 0
        # the part being parsed
        self._headers: dict[bytes, bytes] = {}
        self._header_name = b""
        self._header_value = b""
        self._in_file = False
        self._field_name = ""
        self._field_data = bytearray()
        self._pending: list[FilePart | bytes] = []

    @property
    def received(self) -> int:
        """Bytes of the body read so far."""
        return self._received

    @property
    def file(self) -> FilePart | None:
        """The file part, once it has started."""
        return self._file

    @property
    def file_size(self) -> int:
        """Bytes of the file part seen so far."""
        return self._file_size

    @property
    def fields(self) -> Mapping[str, str]:
        """The text fields read so far (the last value of a repeated name wins)."""
        return dict(self._fields)

    def _boundary(self) -> bytes:
        media_type, options = parse_options_header(self._content_type)
        if media_type != b"multipart/form-data":
            # The original found no file in a body of any other type.
            raise ValidationError(NO_FILE_PROVIDED, field=self._file_field)
        boundary = options.get(b"boundary")
        if not boundary:
            raise ValidationError(MALFORMED)
        return boundary

    def _check_declared_length(self) -> None:
        declared = (self._content_length or "").strip()
        if declared.isdigit() and int(declared) > self._max_bytes:
            raise TooLarge(FILE_TOO_LARGE, limit=self._max_bytes)

    async def read(self, body: AsyncIterable[bytes]) -> AsyncIterator[FilePart | bytes]:
        """Parse ``body``, yielding the file part's start and then its bytes.

        Stops reading ``body`` as soon as a limit is passed or the body is found to be
        wrong. Ends normally only for a complete body that held the file part.

        Raises:
            TooLarge: the body (declared or counted) exceeds ``max_bytes``.
            ValidationError: no file part (``No file provided in the request``), more than
                one, a file part in another field, too many or too large text fields, or a
                malformed or truncated body.
        """
        self._check_declared_length()
        callbacks: MultipartCallbacks = {
            "on_part_begin": self._on_part_begin,
            "on_header_field": self._on_header_field,
            "on_header_value": self._on_header_value,
            "on_header_end": self._on_header_end,
            "on_headers_finished": self._on_headers_finished,
            "on_part_data": self._on_part_data,
            "on_part_end": self._on_part_end,
        }
        try:
            parser = MultipartParser(self._boundary(), callbacks)
        except FormParserError as exc:
            raise ValidationError(MALFORMED) from exc
        async for chunk in body:
            self._received += len(chunk)
            if self._received > self._max_bytes:
                raise TooLarge(FILE_TOO_LARGE, limit=self._max_bytes)
            try:
                parser.write(chunk)
            except FormParserError as exc:
                raise ValidationError(MALFORMED) from exc
            for item in self._drain():
                yield item
        if self._received == 0:
            raise ValidationError(NO_FILE_PROVIDED, field=self._file_field)
        if parser.state != MultipartState.END:
            raise ValidationError(MALFORMED)
        if self._file is None:
            raise ValidationError(NO_FILE_PROVIDED, field=self._file_field)

    def _drain(self) -> list[FilePart | bytes]:
        """The pending items, large pieces of the file split to ``chunk_size``."""
        items: list[FilePart | bytes] = []
        size = self._chunk_size
        for item in self._pending:
            if isinstance(item, bytes) and len(item) > size:
                view = memoryview(item)
                items.extend(bytes(view[i : i + size]) for i in range(0, len(item), size))
            else:
                items.append(item)
        self._pending.clear()
        return items

    # -- parser callbacks -----------------------------------------------------------------

    def _on_part_begin(self) -> None:
        self._headers = {}
        self._in_file = False

    def _on_header_field(self, data: bytes, start: int, end: int) -> None:
        self._header_name += data[start:end]

    def _on_header_value(self, data: bytes, start: int, end: int) -> None:
        self._header_value += data[start:end]

    def _on_header_end(self) -> None:
        self._headers[self._header_name.strip().lower()] = self._header_value.strip()
        self._header_name = b""
        self._header_value = b""

    def _on_headers_finished(self) -> None:
        disposition, options = parse_options_header(self._headers.get(b"content-disposition"))
        raw_name = options.get(b"name")
        if disposition != b"form-data" or raw_name is None:
            raise ValidationError(MALFORMED)
        name = _decode(raw_name)
        if b"filename" in options:
            if name != self._file_field or self._file is not None:
                raise ValidationError(ONE_FILE, field=self._file_field)
            declared, _ = parse_options_header(self._headers.get(b"content-type"))
            self._file = FilePart(
                field_name=name,
                filename=_decode(options[b"filename"]),
                content_type=declared.decode("latin-1") or None,
            )
            self._in_file = True
            self._pending.append(self._file)
            return
        self._field_count += 1
        if self._field_count > self._max_fields:
            raise ValidationError(TOO_MANY_FIELDS)
        self._field_name = name
        self._field_data = bytearray()

    def _on_part_data(self, data: bytes, start: int, end: int) -> None:
        if self._in_file:
            self._file_size += end - start
            self._pending.append(data[start:end])
            return
        self._field_bytes += end - start
        if self._field_bytes > self._max_field_bytes:
            raise ValidationError(FIELDS_TOO_LARGE, field=self._field_name)
        self._field_data += data[start:end]

    def _on_part_end(self) -> None:
        if self._in_file:
            self._in_file = False
            return
        try:
            self._fields[self._field_name] = self._field_data.decode("utf-8")
        except UnicodeDecodeError:
            raise ValidationError(
                f"{self._field_name} must be UTF-8 text", field=self._field_name
            ) from None


async def _call(offload: bool, func: Callable[..., Any], *args: Any) -> Any:
    """Call a synchronous function, in a worker thread when ``offload`` is set."""
    if offload:
        return await anyio.to_thread.run_sync(func, *args)
    return func(*args)


async def receive_upload(
    request: Request,
    open_sink: Callable[[FilePart], S],
    *,
    max_bytes: int,
    file_field: str = FILE_FIELD,
    max_field_bytes: int = MAX_FIELD_BYTES,
    max_fields: int = MAX_FIELDS,
    buffer_size: int = CHUNK_SIZE,
    offload: bool = True,
) -> ReceivedUpload[S]:
    """Stream the file of a ``multipart/form-data`` request into a sink.

    ``open_sink`` is called when the file part starts, before any of its bytes (it may
    check the file name and refuse it by raising); the bytes then go to the sink's
    ``write`` in pieces of about ``buffer_size``. When anything fails (a limit, a
    malformed body, the client going away, the sink itself) the sink is aborted, the rest
    of the body is not read, and the error is raised. On success the sink is returned
    as it is, for the caller to commit or abort.

    Args:
        request: The Starlette request.
        open_sink: Makes the sink for the file part.
        max_bytes: The most bytes the whole body may have.
        file_field: The name of the file field.
        max_field_bytes: The most bytes all text fields may have together.
        max_fields: The most text fields there may be.
        buffer_size: How many bytes to gather before each ``write``.
        offload: Call ``open_sink``, ``write`` and ``abort`` in a worker thread (they do
            blocking I/O); turn off for sinks that do not block.

    Raises:
        TooLarge: the body exceeds ``max_bytes``.
        ValidationError: see :meth:`MultipartReader.read`, or raised by ``open_sink``.
    """
    reader = MultipartReader(
        request.headers.get("content-type"),
        max_bytes=max_bytes,
        content_length=request.headers.get("content-length"),
        file_field=file_field,
        max_field_bytes=max_field_bytes,
        max_fields=max_fields,
        chunk_size=buffer_size,
    )
    sink: S | None = None
    buffer = bytearray()
    try:
        async for item in reader.read(request.stream()):
            if isinstance(item, FilePart):
                sink = await _call(offload, open_sink, item)
                continue
            buffer += item
            if len(buffer) >= buffer_size and sink is not None:
                await _call(offload, sink.write, bytes(buffer))
                buffer.clear()
        if sink is None or reader.file is None:  # pragma: no cover - read() raised already
            raise ValidationError(NO_FILE_PROVIDED, field=file_field)
        if buffer:
            await _call(offload, sink.write, bytes(buffer))
    except BaseException:
        if sink is not None:
            with anyio.CancelScope(shield=True):
                try:
                    await _call(offload, sink.abort)
                except TaskcoreError:
                    log.warning("could not discard a failed upload", exc_info=True)
        raise
    return ReceivedUpload(file=reader.file, sink=sink, size=reader.file_size, fields=reader.fields)
