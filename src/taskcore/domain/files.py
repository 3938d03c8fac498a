"""Attachments' files: client file names, allowed types, content checks, upload writing.

Blobs are stored under keys the core generates (:mod:`taskcore.domain.blobs`), never under
anything a client sent. The client's file name is metadata only: :func:`sanitize_filename`
makes it safe to store and to offer back in a download. What a file is, is decided by
its extension (an allow-list) *and* its first bytes (:func:`check_content`);
the type a client declares is never stored. The blob names are importable from here too,
as the attachment service and the HTTP host read them.
"""

from __future__ import annotations

import codecs
import hashlib
import re
import unicodedata
from typing import Final, Protocol

from taskcore.domain.blobs import (
    CHUNK_SIZE,
    StoredBlob,
    blob_key_created,
    check_blob_key,
    check_byte_range,
    check_key_prefix,
    new_blob_key,
)
from taskcore.errors import BlobNotFound, TooLarge, UnsupportedType, ValidationError

__all__ = [
    "ACTIVE_TYPES",
    "ALLOWED_EXTENSIONS",
    "CHUNK_SIZE",
    "FILE_FIELD",
    "FILE_TOO_LARGE",
    "INVALID_FILENAME",
    "MAX_FILENAME_BYTES",
    "MEDIA_TYPES",
    "NO_FILE_PROVIDED",
    "NO_FILE_SELECTED",
    "OLE2",
    "SNIFF_BYTES",
    "TYPE_NOT_ALLOWED",
    "BlobNotFound",
    "HashingWriter",
    "StoredBlob",
    "accept_filename",
    "blob_key_created",
    "check_blob_key",
    "check_byte_range",
    "check_content",
    "check_key_prefix",
    "file_extension",
    "new_blob_key",
    "sanitize_filename",
    "sniff",
]

SNIFF_BYTES: Final = 2048
"""How many leading bytes of a file :func:`sniff` looks at."""

MAX_FILENAME_BYTES: Final = 255
"""Longest stored file name, in UTF-8 bytes (also fits the 255-character column)."""

FILE_FIELD: Final = "file"
"""The name of the upload field; errors about the file name it."""

ALLOWED_EXTENSIONS: Final = (
    "txt",
    "pdf",
    "png",
    "jpg",
    "jpeg",
    "gif",
    "doc",
    "docx",
    "xls",
    "xlsx",
    "ppt",
    "pptx",
    "zip",
    "rar",
)
"""The file extensions accepted, compared case-insensitively."""

NO_FILE_PROVIDED: Final = "No file provided in the request"
NO_FILE_SELECTED: Final = "No file selected"
TYPE_NOT_ALLOWED: Final = "File type not allowed. Allowed extensions: " + ", ".join(
    ALLOWED_EXTENSIONS
)
INVALID_FILENAME: Final = "Invalid file name"
FILE_TOO_LARGE: Final = "File too large"

MEDIA_TYPES: Final[dict[str, str]] = {
    "txt": "text/plain",
    "pdf": "application/pdf",
    "png": "image/png",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "gif": "image/gif",
    "doc": "application/msword",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xls": "application/vnd.ms-excel",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt": "application/vnd.ms-powerpoint",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "zip": "application/zip",
    "rar": "application/vnd.rar",
}
"""The media type stored (and later served) for each allowed extension."""

OLE2: Final = "application/x-ole-storage"
"""What :func:`sniff` reports for an OLE2 compound file (legacy .doc, .xls, .ppt)."""

_TEXTUAL: Final = frozenset({"text/plain", "text/html", "image/svg+xml", "application/xml"})

_EXPECTED: Final[dict[str, frozenset[str]]] = {
    # Markup in a .txt file is stored and served as text/plain, which is harmless.
    "txt": _TEXTUAL,
    "pdf": frozenset({"application/pdf"}),
    "png": frozenset({"image/png"}),
    "jpg": frozenset({"image/jpeg"}),
    "jpeg": frozenset({"image/jpeg"}),
    "gif": frozenset({"image/gif"}),
    # Telling Word, Excel and PowerPoint apart would mean parsing the container.
    "doc": frozenset({OLE2}),
    "xls": frozenset({OLE2}),
    "ppt": frozenset({OLE2}),
    # Office Open XML files are zip archives, or OLE2 files once password-protected.
    "docx": frozenset({"application/zip", OLE2}),
    "xlsx": frozenset({"application/zip", OLE2}),
    "pptx": frozenset({"application/zip", OLE2}),
    "zip": frozenset({"application/zip"}),
    "rar": frozenset({"application/vnd.rar"}),
}
"""For each allowed extension, the sniffed types its content may have."""

ACTIVE_TYPES: Final = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
        "application/x-javascript",
        "text/ecmascript",
        "application/ecmascript",
    }
)
"""Declared types a browser would render or run; an upload declaring one is refused."""

_MAGIC: Final = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
    (b"%PDF-", "application/pdf"),
    (b"PK\x03\x04", "application/zip"),
    (b"PK\x05\x06", "application/zip"),  # an empty archive
    (b"PK\x07\x08", "application/zip"),  # a spanned archive
    (b"Rar!\x1a\x07\x00", "application/vnd.rar"),
    (b"Rar!\x1a\x07\x01\x00", "application/vnd.rar"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", OLE2),
)

# The HTML openings browsers sniff for (WHATWG MIME Sniffing, "identifying a resource with
# an unknown MIME type"); each must be followed by a space or ">".
_HTML_OPENINGS: Final = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<script",
    b"<iframe",
    b"<h1",
    b"<div",
    b"<font",
    b"<table",
    b"<a",
    b"<style",
    b"<title",
    b"<b",
    b"<body",
    b"<br",
    b"<p",
    b"<!--",
)
# Markup that makes a text file active content wherever it appears in the head.
_ACTIVE_MARKUP: Final = (
    b"<script",
    b"<html",
    b"<!doctype html",
    b"<iframe",
    b"<body",
    b"<object",
    b"<embed",
    b"<frameset",
    b"<meta",
    b"javascript:",
)
# Bytes that never occur in text (WHATWG MIME Sniffing, "binary data byte").
_BINARY_BYTES: Final = bytes([*range(0x00, 0x09), 0x0B, *range(0x0E, 0x1B), *range(0x1C, 0x20)])
_WHITESPACE: Final = b"\t\n\x0c\r "

# Characters Windows refuses in file names; replaced so a downloaded file can be saved as is.
_WINDOWS_RESERVED: Final = str.maketrans(dict.fromkeys('<>:"|?*', "_"))
_DEVICE_NAMES: Final = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"{port}{n}" for port in ("COM", "LPT") for n in (*"123456789", "¹", "²", "³")}
)
# Invisible formatting characters kept because scripts need them (ZWNJ and ZWJ).
_KEPT_FORMAT: Final = frozenset({"\u200c", "\u200d"})
_LONGEST_KEPT_EXTENSION: Final = 16


# -- file names -----------------------------------------------------------------------------


def _removed(ch: str) -> bool:
    """Whether ``ch`` is dropped from file names: controls, separators, bidi and format."""
    category = unicodedata.category(ch)
    if category in {"Cc", "Cs", "Zl", "Zp"}:
        return True
    return category == "Cf" and ch not in _KEPT_FORMAT


def _trim(text: str) -> str:
    """Strip white space at both ends and dots at the end (Windows drops those)."""
    while True:
        trimmed = text.strip().rstrip(".")
        if trimmed == text:
            return text
        text = trimmed


def _truncate(text: str, limit: int) -> str:
    """The longest prefix of ``text`` that fits in ``limit`` UTF-8 bytes."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def sanitize_filename(name: str) -> str:
    """The client's file name made safe to store and to offer back in a download.

    Keeps only the last path component (``/`` and ``\\`` both separate), drops control,
    bidirectional-override and other invisible formatting characters, replaces the
    characters Windows refuses with ``_``, normalises to NFC, trims white space (and
    trailing dots), prefixes Windows device names (``CON.png`` → ``_CON.png``) and caps the
    result at 255 UTF-8 bytes, keeping a short extension. Any other Unicode is kept.
    Applying it twice gives the same result.

    Raises:
        ValidationError: nothing usable is left (field ``file``).
    """
    text = unicodedata.normalize("NFC", name)
    text = re.split(r"[/\\]", text)[-1]
    text = "".join(ch for ch in text if not _removed(ch))
    # Dropping characters can bring a base character and a combining mark together.
    text = unicodedata.normalize("NFC", text).translate(_WINDOWS_RESERVED)
    text = _trim(text)
    if not text:
        raise ValidationError(INVALID_FILENAME, field=FILE_FIELD)
    if text.split(".", 1)[0].rstrip().upper() in _DEVICE_NAMES:
        text = "_" + text
    if len(text.encode("utf-8")) > MAX_FILENAME_BYTES:
        stem, dot, extension = text.rpartition(".")
        suffix = dot + extension
        if stem and 0 < len(suffix.encode("utf-8")) <= _LONGEST_KEPT_EXTENSION:
            room = MAX_FILENAME_BYTES - len(suffix.encode("utf-8"))
            text = _truncate(stem, room) + suffix
        else:
            text = _truncate(text, MAX_FILENAME_BYTES)
        text = _trim(unicodedata.normalize("NFC", text))
    return text


def file_extension(name: str) -> str:
    """The text after the last dot of ``name``, lower-cased; ``""`` if there is no dot."""
    _, dot, extension = name.rpartition(".")
    return extension.lower() if dot else ""


def accept_filename(raw: str | None) -> str:
    """Check an uploaded file's name, and sanitise it.

    Checks, in this order: a name was given, then its extension is allowed
    (case-insensitively, on the sanitised name).

    Returns:
        The sanitised name, to store as metadata.

    Raises:
        ValidationError: ``No file selected`` (empty name), ``Invalid file name`` (nothing
            left after sanitising) or ``File type not allowed...`` (field ``file``).
    """
    if not raw:
        raise ValidationError(NO_FILE_SELECTED, field=FILE_FIELD)
    name = sanitize_filename(raw)
    if file_extension(name) not in MEDIA_TYPES:
        raise ValidationError(TYPE_NOT_ALLOWED, field=FILE_FIELD)
    return name


# -- content --------------------------------------------------------------------------------


def _media_type(value: str) -> str:
    """The bare, lower-case media type of a Content-Type value."""
    return value.split(";", 1)[0].strip().lower()


def _sniff_text(text: bytes) -> str:
    """Classify bytes already known to be text: markup or plain."""
    lowered = text.lstrip(_WHITESPACE).lower()
    for opening in _HTML_OPENINGS:
        if lowered.startswith(opening):
            following = lowered[len(opening) : len(opening) + 1]
            if following in {b" ", b">"} or opening == b"<!--":
                return "text/html"
    if b"<svg" in lowered:
        return "image/svg+xml"
    if any(marker in lowered for marker in _ACTIVE_MARKUP):
        return "text/html"
    if lowered.startswith(b"<?xml"):
        return "application/xml"
    return "text/plain"


def sniff(head: bytes) -> str | None:
    """The media type the first bytes of a file reveal, or ``None`` if unrecognised.

    Recognises PNG, JPEG, GIF, PDF, zip (and so the Office Open XML formats), RAR and OLE2
    compound files (legacy Office) by their magic numbers; then text, which is reported as
    ``text/html`` or ``image/svg+xml`` when it holds markup a browser would render or run,
    ``application/xml`` for other XML, and ``text/plain`` otherwise. Text is any content
    without the control bytes that never occur in text (so UTF-8 and legacy 8-bit
    encodings both count), or content starting with a UTF-16 byte order mark.

    Args:
        head: The first bytes of the file; :data:`SNIFF_BYTES` are enough.
    """
    head = head[:SNIFF_BYTES]
    if not head:
        return None
    for magic, media_type in _MAGIC:
        if head.startswith(magic):
            return media_type
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if head.startswith(bom):
            decoded = head[len(bom) :].decode(encoding, "ignore")
            return _sniff_text(decoded.encode("utf-8", "ignore"))
    head = head.removeprefix(codecs.BOM_UTF8)
    if head.translate(None, _BINARY_BYTES) != head:
        return None
    return _sniff_text(head)


def check_content(extension: str, head: bytes, *, declared: str | None = None) -> str:
    """The media type to store for a file, once its content agrees with its extension.

    The stored type always comes from :data:`MEDIA_TYPES`, never from the client, so it is
    never ``text/html`` or another type a browser would run. An empty file is accepted
    for any allowed extension.

    Args:
        extension: The file's extension, as :func:`file_extension` gives it.
        head: The first bytes of the file (:data:`SNIFF_BYTES` are enough).
        declared: The Content-Type the client declared for the file, if any. It is not
            stored; only a type a browser would render or run is refused.

    Raises:
        ValidationError: the extension is not allowed (the text lists the allowed
            extensions; field ``file``).
        UnsupportedType: the content is not what the extension says (for example HTML or
            a PDF named ``.png``), or the declared type is HTML, SVG, XML or script.
    """
    extension = extension.lower().removeprefix(".")
    media_type = MEDIA_TYPES.get(extension)
    if media_type is None:
        raise ValidationError(TYPE_NOT_ALLOWED, field=FILE_FIELD)
    if declared and _media_type(declared) in ACTIVE_TYPES:
        raise UnsupportedType(f"Files declared as {_media_type(declared)} are not accepted")
    if head and sniff(head) not in _EXPECTED[extension]:
        raise UnsupportedType(f"File content does not match its .{extension} extension")
    return media_type


# -- streaming ------------------------------------------------------------------------------


class _Writer(Protocol):
    """What :class:`HashingWriter` wraps: a ``taskcore.ports.files.BlobWriter``."""

    def write(self, data: bytes) -> None: ...

    def commit(self) -> None: ...

    def abort(self) -> None: ...


class HashingWriter:
    """Wraps a blob writer: counts, hashes and keeps the head of what passes through.

    It is a blob writer itself, so it can be handed on wherever one is expected.

    Args:
        writer: The blob writer to pass the bytes to.
        key: The key the blob is written under (for :meth:`stored`).
        max_bytes: The most bytes the blob may hold.
    """

    def __init__(self, writer: _Writer, *, key: str, max_bytes: int) -> None:
        if max_bytes < 0:
            raise ValueError("max_bytes must not be negative")
        self._writer = writer
        self._key = key
        self._max_bytes = max_bytes
        self._hash = hashlib.sha256()
        self._size = 0
        self._head = bytearray()

    @property
    def key(self) -> str:
        """The key the blob is written under."""
        return self._key

    @property
    def size(self) -> int:
        """Bytes written so far."""
        return self._size

    @property
    def sha256(self) -> str:
        """SHA-256 of the bytes written so far, lower-case hex."""
        return self._hash.hexdigest()

    @property
    def head(self) -> bytes:
        """The first :data:`SNIFF_BYTES` bytes written (fewer if the blob is shorter)."""
        return bytes(self._head)

    def write(self, data: bytes) -> None:
        """Pass ``data`` on, unless it would take the blob over the limit.

        Raises:
            TooLarge: the blob would exceed ``max_bytes``; the underlying writer has been
                aborted and nothing of ``data`` was written.
        """
        if self._size + len(data) > self._max_bytes:
            self._writer.abort()
            raise TooLarge(FILE_TOO_LARGE, limit=self._max_bytes)
        self._writer.write(data)
        self._hash.update(data)
        self._size += len(data)
        if len(self._head) < SNIFF_BYTES:
            self._head += data[: SNIFF_BYTES - len(self._head)]

    def commit(self) -> None:
        """Make the blob visible (see ``BlobWriter.commit``)."""
        self._writer.commit()

    def abort(self) -> None:
        """Discard the blob (see ``BlobWriter.abort``)."""
        self._writer.abort()

    def stored(self, media_type: str) -> StoredBlob:
        """What was written, as a :class:`StoredBlob` of ``media_type``."""
        return StoredBlob(key=self._key, size=self._size, sha256=self.sha256, media_type=media_type)
