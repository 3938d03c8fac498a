"""Attachments' files: keys, file names, type checks by content, hashing writes."""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from taskcore import errors
from taskcore.domain.files import (
    ACTIVE_TYPES,
    ALLOWED_EXTENSIONS,
    MEDIA_TYPES,
    OLE2,
    SNIFF_BYTES,
    HashingWriter,
    StoredBlob,
    accept_filename,
    blob_key_created,
    check_blob_key,
    check_content,
    file_extension,
    new_blob_key,
    sanitize_filename,
    sniff,
)
from taskcore_adapters.memory.files import InMemoryFileStore

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, 999, tzinfo=dt.UTC)

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00"
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n"
ZIP = b"PK\x03\x04\x14\x00\x06\x00\x08\x00[Content_Types].xml"
RAR = b"Rar!\x1a\x07\x01\x00\x33\x92\xb5\xe5"
OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1\x00\x00\x00\x00"
HTML = b"<!DOCTYPE html><html><script>alert(1)</script></html>"
SVG = b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
"""The bidirectional formatting characters."""
PERSIAN = "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
"""A Persian word that needs its zero-width non-joiner."""


class TestBlobKeys:
    def test_shape_and_time(self) -> None:
        """A key is the UTC time to the second, then 32 random hex digits."""
        key = new_blob_key(NOW.astimezone(dt.timezone(dt.timedelta(hours=2))))
        assert key.startswith("2026/03/01/093015-")
        assert 32 == len(key.rpartition("-")[2])
        assert NOW.replace(microsecond=0) == blob_key_created(key)

    def test_keys_are_unique(self) -> None:
        """Keys made at the same instant differ."""
        assert 1000 == len({new_blob_key(NOW) for _ in range(1000)})

    def test_naive_time_is_refused(self) -> None:
        """A naive datetime is a programming error."""
        with pytest.raises(ValueError, match="aware"):
            new_blob_key(dt.datetime(2026, 3, 1))  # noqa: DTZ001

    @pytest.mark.parametrize(
        "key", ["other/key", "2026/13/01/093015-" + "0" * 32, "2026/03/01/093015-xyz"]
    )
    def test_foreign_keys_have_no_time(self, key: str) -> None:
        """Keys not made by ``new_blob_key`` have no creation time."""
        assert blob_key_created(key) is None

    def test_generated_keys_are_well_formed(self) -> None:
        """Generated keys pass the stores' key check."""
        key = new_blob_key(NOW)
        assert key == check_blob_key(key)


class TestSanitizeFilename:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("report.pdf", "report.pdf"),
            ("My Report.PDF", "My Report.PDF"),
            ("../../etc/passwd", "passwd"),
            ("..\\..\\win.ini", "win.ini"),
            ("a/b/c.png", "c.png"),
            ("C:\\Users\\me\\photo.jpg", "photo.jpg"),
            ("a\x00.png", "a.png"),
            ("line\r\nbreak.txt", "linebreak.txt"),
            ("tab\there.txt", "tabhere.txt"),
            ("bell\x07\x7f\x9b.txt", "bell.txt"),
            (f"invoice{BIDI}gpj.exe", "invoicegpj.exe"),
            ("evil\u202egnp.exe", "evilgnp.exe"),
            ("zero\u200bwidth\ufeff.txt", "zerowidth.txt"),
            ("para\u2028graph\u2029.txt", "paragraph.txt"),
            ("Zoë 漢字 отчёт.txt", "Zoë 漢字 отчёт.txt"),
            ("Zoe\u0308.txt", "Zoë.txt"),
            ("e\u200b\u0301.txt", "é.txt"),
            (f"👩\u200d💻 {PERSIAN}.png", f"👩\u200d💻 {PERSIAN}.png"),
            ("  spaced out.txt \u00a0", "spaced out.txt"),
            ("trailing.txt. . .", "trailing.txt"),
            (".hidden", ".hidden"),
            ("CON.png", "_CON.png"),
            ("con", "_con"),
            ("Lpt1.txt", "_Lpt1.txt"),
            ("COM¹.txt", "_COM¹.txt"),
            ("CONSOLE.txt", "CONSOLE.txt"),
            ('say "hi".txt', "say _hi_.txt"),
            ("a:b|c?*<d>.txt", "a_b_c___d_.txt"),
        ],
    )
    def test_sanitizes(self, raw: str, expected: str) -> None:
        """Path parts, controls and bidi overrides go; Unicode stays; device names are
        defused."""
        assert expected == sanitize_filename(raw)

    @pytest.mark.parametrize(
        "raw", ["", ".", "..", "../", "..\\", "a/..", "...", "   ", "\x00\x01", BIDI, "a/b/"]
    )
    def test_refuses_names_with_nothing_left(self, raw: str) -> None:
        """Names that sanitise to nothing are refused, naming the ``file`` field."""
        with pytest.raises(errors.ValidationError) as caught:
            sanitize_filename(raw)
        assert ("Invalid file name", "file") == (caught.value.message, caught.value.field)

    def test_long_name_keeps_its_extension(self) -> None:
        """A long name is cut to 255 bytes, keeping the extension."""
        name = sanitize_filename("a" * 300 + ".pdf")
        assert (255, "a" * 251 + ".pdf") == (len(name.encode()), name)

    def test_long_multibyte_name_is_cut_on_a_character(self) -> None:
        """A long non-ASCII name is cut at a character boundary within 255 bytes."""
        name = sanitize_filename("漢" * 200 + ".txt")
        assert ("漢" * 83 + ".txt", 253) == (name, len(name.encode()))

    def test_long_name_without_short_extension(self) -> None:
        """Without a short extension the whole name is cut."""
        name = sanitize_filename("b" * 100 + "." + "c" * 300)
        assert ("b" * 100 + "." + "c" * 154) == name

    @given(st.text(max_size=400))
    @example("../" * 100 + "x" * 300)
    @example("a\u0300" * 200 + ".png")
    @example("x" * 254 + " .txt")
    def test_output_is_safe_and_stable(self, raw: str) -> None:
        """Any name sanitises to a non-empty NFC name of at most 255 bytes, without
        separators, controls or bidi characters, or is refused; sanitising again changes
        nothing."""
        try:
            name = sanitize_filename(raw)
        except errors.ValidationError:
            return
        assert name
        assert len(name.encode("utf-8")) <= 255
        assert not {"/", "\\"} & set(name)
        assert not [ch for ch in name if unicodedata.category(ch) in {"Cc", "Cs", "Zl", "Zp"}]
        assert not set(BIDI) & set(name)
        assert unicodedata.normalize("NFC", name) == name
        assert name == sanitize_filename(name)


class TestAcceptFilename:
    def test_missing_name(self) -> None:
        """No name is the original's ``No file selected``."""
        for raw in (None, ""):
            with pytest.raises(errors.ValidationError) as caught:
                accept_filename(raw)
            assert ("No file selected", "file") == (caught.value.message, caught.value.field)

    @pytest.mark.parametrize("raw", ["script.exe", "page.html", "image.svg", "noext", "a.tar.gz"])
    def test_type_not_allowed(self, raw: str) -> None:
        """Other extensions get the original's message listing the allowed ones."""
        with pytest.raises(errors.ValidationError) as caught:
            accept_filename(raw)
        assert (
            "File type not allowed. Allowed extensions: txt, pdf, png, jpg, jpeg, gif, doc, "
            "docx, xls, xlsx, ppt, pptx, zip, rar",
            "file",
        ) == (caught.value.message, caught.value.field)

    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("Photo.JPG", "Photo.JPG"),
            ("../../uploads/shell.php.png", "shell.php.png"),
            ("x.png\x00.exe", None),
            (".PNG", ".PNG"),
        ],
    )
    def test_sanitises_then_checks_the_extension(self, raw: str, expected: str | None) -> None:
        """The extension is checked on the sanitised name, case-insensitively."""
        if expected is None:
            with pytest.raises(errors.ValidationError):
                accept_filename(raw)
        else:
            assert expected == accept_filename(raw)

    def test_extension(self) -> None:
        """The extension is the lower-cased text after the last dot."""
        assert ["pdf", "gz", "", "", "png"] == [
            file_extension(name) for name in ["A.PDF", "a.tar.gz", "noext", "trailing.", ".png"]
        ]


class TestSniff:
    @pytest.mark.parametrize(
        ("head", "expected"),
        [
            (PNG, "image/png"),
            (JPEG, "image/jpeg"),
            (b"GIF87a\x01\x00", "image/gif"),
            (GIF, "image/gif"),
            (GIF + b"<script>alert(1)</script>", "image/gif"),
            (PDF, "application/pdf"),
            (ZIP, "application/zip"),
            (b"PK\x05\x06" + b"\x00" * 18, "application/zip"),
            (b"Rar!\x1a\x07\x00\xcf\x90", "application/vnd.rar"),
            (RAR, "application/vnd.rar"),
            (OLE, OLE2),
            (b"plain notes\r\n\tindented\n", "text/plain"),
            ("Zoë 漢字\n".encode(), "text/plain"),
            ("caf\xe9 cr\xe8me".encode("latin-1"), "text/plain"),
            ("\ufeffwith BOM".encode(), "text/plain"),
            ("\ufeffutf-16 text".encode("utf-16-le"), "text/plain"),
            ("\ufeffutf-16 text".encode("utf-16-be"), "text/plain"),
            (HTML, "text/html"),
            (b"  \n<HTML>\n<body>", "text/html"),
            (b"<p>paragraph", "text/html"),
            (b"<!-- comment --> text", "text/html"),
            (b"notes\n<script src=//evil></script>", "text/html"),
            (b"see javascript:alert(1)", "text/html"),
            ("\ufeff<script>x</script>".encode("utf-16-le"), "text/html"),
            (SVG, "image/svg+xml"),
            (b"<svg onload=alert(1)>", "image/svg+xml"),
            (b'<?xml version="1.0"?><note/>', "application/xml"),
            (b"<pre>not an html opening", "text/plain"),
            (b"<a>b", "text/html"),
            (b"<abbr>", "text/plain"),
            (b"\x7fELF\x02\x01\x01\x00", None),
            (b"MZ\x90\x00\x03\x00", None),
            (b"text with a NUL\x00byte", None),
            (b"", None),
        ],
    )
    def test_sniff(self, head: bytes, expected: str | None) -> None:
        """Magic numbers are recognised; text is plain unless it holds active markup."""
        assert expected == sniff(head)

    def test_only_the_head_counts(self) -> None:
        """Bytes past ``SNIFF_BYTES`` are not looked at."""
        assert "text/plain" == sniff(b"a" * SNIFF_BYTES + b"\x00<script>")


class TestCheckContent:
    @pytest.mark.parametrize(
        ("extension", "head", "expected"),
        [
            ("png", PNG, "image/png"),
            ("PNG", PNG, "image/png"),
            (".jpg", JPEG, "image/jpeg"),
            ("jpeg", JPEG, "image/jpeg"),
            ("gif", GIF + b"<script>alert(1)</script>", "image/gif"),
            ("pdf", PDF, "application/pdf"),
            ("zip", ZIP, "application/zip"),
            ("docx", ZIP, MEDIA_TYPES["docx"]),
            ("xlsx", ZIP, MEDIA_TYPES["xlsx"]),
            ("pptx", ZIP, MEDIA_TYPES["pptx"]),
            ("docx", OLE, MEDIA_TYPES["docx"]),
            ("doc", OLE, "application/msword"),
            ("xls", OLE, "application/vnd.ms-excel"),
            ("ppt", OLE, "application/vnd.ms-powerpoint"),
            ("rar", RAR, "application/vnd.rar"),
            ("txt", b"hello\n", "text/plain"),
            ("txt", HTML, "text/plain"),
            ("txt", SVG, "text/plain"),
            ("png", b"", "image/png"),
        ],
    )
    def test_accepted(self, extension: str, head: bytes, expected: str) -> None:
        """Content that agrees with the extension (an encrypted .docx is an OLE2 file) is
        stored with the extension's type; markup in a text file is stored as plain text."""
        assert expected == check_content(extension, head)

    @pytest.mark.parametrize(
        ("extension", "head"),
        [
            ("png", HTML),
            ("png", PDF),
            ("png", SVG),
            ("pdf", PNG),
            ("jpg", GIF),
            ("gif", b"<svg onload=alert(1)>"),
            ("doc", ZIP),
            ("zip", RAR),
            ("rar", ZIP),
            ("txt", PNG),
            ("txt", b"\x7fELF\x02\x01\x01\x00"),
            ("pdf", b"hello, I am text"),
        ],
    )
    def test_mismatch_is_unsupported(self, extension: str, head: bytes) -> None:
        """Content that is not what the extension says is refused as an unsupported type."""
        with pytest.raises(errors.UnsupportedType, match=f"does not match its .{extension}"):
            check_content(extension, head)

    @pytest.mark.parametrize(
        "declared", ["text/html", "TEXT/HTML; charset=utf-8", "image/svg+xml", "text/javascript"]
    )
    def test_active_declared_type_is_refused(self, declared: str) -> None:
        """A declared type that a browser would render or run is refused."""
        with pytest.raises(errors.UnsupportedType, match="declared"):
            check_content("png", PNG, declared=declared)

    @pytest.mark.parametrize(
        "declared", [None, "", "application/octet-stream", "image/png", "image/x-png; q=1"]
    )
    def test_other_declared_types_are_ignored(self, declared: str | None) -> None:
        """Other declared types neither matter nor get stored."""
        assert "image/png" == check_content("png", PNG, declared=declared)

    def test_extension_not_allowed(self) -> None:
        """An extension off the list is the original's 400 message."""
        with pytest.raises(errors.ValidationError, match=r"^File type not allowed"):
            check_content("html", HTML)

    @given(st.sampled_from(ALLOWED_EXTENSIONS), st.binary(max_size=64), st.text(max_size=20))
    def test_never_active_content(self, extension: str, head: bytes, declared: str) -> None:
        """Whatever is uploaded, the stored type is the extension's, never one a browser
        would render or run."""
        try:
            media_type = check_content(extension, head, declared=declared)
        except errors.UnsupportedType:
            return
        assert (MEDIA_TYPES[extension], False) == (media_type, media_type in ACTIVE_TYPES)


class TestHashingWriter:
    def test_counts_hashes_and_keeps_the_head(self) -> None:
        """Bytes pass through; size, SHA-256 and the first bytes are recorded."""
        store = InMemoryFileStore()
        key = new_blob_key(NOW)
        writer = HashingWriter(store.open_writer(key), key=key, max_bytes=10_000)
        chunks = [PNG, b"x" * 1500, b"y" * 1500, b""]
        for chunk in chunks:
            writer.write(chunk)
        writer.commit()
        data = b"".join(chunks)
        assert StoredBlob(
            key=key, size=len(data), sha256=hashlib.sha256(data).hexdigest(), media_type="image/png"
        ) == writer.stored("image/png")
        assert (data[:SNIFF_BYTES], data) == (writer.head, b"".join(store.read(key)))

    def test_exactly_the_limit_is_fine(self) -> None:
        """A blob of exactly ``max_bytes`` is accepted."""
        store = InMemoryFileStore()
        key = new_blob_key(NOW)
        writer = HashingWriter(store.open_writer(key), key=key, max_bytes=6)
        writer.write(b"abc")
        writer.write(b"def")
        writer.commit()
        assert 6 == store.size(key)

    def test_over_the_limit_aborts_and_raises(self) -> None:
        """The write that would pass the limit aborts the blob and raises TooLarge."""
        store = InMemoryFileStore()
        key = new_blob_key(NOW)
        writer = HashingWriter(store.open_writer(key), key=key, max_bytes=5)
        writer.write(b"abc")
        with pytest.raises(errors.TooLarge) as caught:
            writer.write(b"def")
        assert (5, "File too large", 3) == (caught.value.limit, caught.value.message, writer.size)
        assert (None, []) == (store.size(key), list(store.partial_keys()))

    def test_abort_discards(self) -> None:
        """Abort passes on to the wrapped writer."""
        store = InMemoryFileStore()
        key = new_blob_key(NOW)
        writer = HashingWriter(store.open_writer(key), key=key, max_bytes=5)
        writer.write(b"abc")
        writer.abort()
        assert ([], None) == (list(store.partial_keys()), store.size(key))
