"""The attachment endpoints (A1-A8) over HTTP, on the selected SQL backend and local disk.

Projects and tasks are set up through the core; every attachment operation goes through
the API. A few tests serve an in-memory runtime instead, to inject storage and database
faults.
"""

from __future__ import annotations

import datetime as dt
import email.message
import hashlib
import json
import random
import urllib.parse
from collections.abc import Callable, Iterable, Iterator, MutableMapping
from pathlib import Path
from typing import Any

import anyio
import attrs
import pytest
from sqlalchemy import select
from starlette.testclient import TestClient

from taskcore import errors
from taskcore.app import build
from taskcore.domain.events import DomainEvent
from taskcore.domain.files import TYPE_NOT_ALLOWED, new_blob_key
from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import Runtime, from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.host import create_app
from taskcore_adapters.http.routes.attachments import (
    UPLOAD_OVERHEAD,
    RangeNotSatisfiable,
    byte_range,
    content_disposition,
)
from taskcore_adapters.memory import (
    FakeTokenService,
    InMemoryFileStore,
    InMemoryStore,
    InMemoryUnitOfWork,
    PlainPasswordHasher,
)
from taskcore_adapters.memory.files import InMemoryBlobWriter
from taskcore_adapters.security import Argon2PasswordHasher
from taskcore_adapters.sql.events import decode
from taskcore_adapters.sql.tables import outbox
from taskcore_adapters.system import SystemClock

Account = tuple[int, dict[str, str]]
AccountFactory = Callable[..., Account]

SECRET_KEY = "x" * 48
MiB = 1024 * 1024
BOUNDARY = "----taskcore-attachments-boundary-1f8c"
TASK_MISSING = {"error": "Task not found or access denied"}
NOT_FOUND = {"error": "Attachment not found"}
ATTACHMENT_KEYS = {
    "id",
    "filename",
    "original_filename",
    "file_size",
    "mime_type",
    "file_hash",
    "created_at",
    "task_id",
    "uploaded_by",
    "uploaded_by_username",
}
PDF = b"%PDF-1.7\n" + bytes(range(256)) * 40
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200


@attrs.frozen
class Team:
    """A project with an owner, a member and a viewer, an outsider, and a task."""

    owner: dict[str, str]
    member: dict[str, str]
    viewer: dict[str, str]
    outsider: dict[str, str]
    owner_principal: Principal
    member_id: int
    project_id: int
    task_id: int


def principal(user_id: int, name: str) -> Principal:
    return Principal(user_id=user_id, username=name, is_admin=False)


@pytest.fixture
def team(runtime: Runtime, account: AccountFactory) -> Team:
    """Alice owns the project, Bob is a member, Carol a viewer, Mallory an outsider."""
    (alice_id, alice), (bob_id, bob), (carol_id, carol), (_, mallory) = (
        account(name) for name in ("alice", "bob", "carol", "mallory")
    )
    owner = principal(alice_id, "alice")
    core = runtime.core
    project = core.projects.create_project(owner, name="Apollo")
    # Added directly, as an administrator would: invitations would send mail (files).
    setup = Principal(user_id=alice_id, username="alice", is_admin=True)
    core.projects.add_member(setup, project.id, user_id=bob_id)
    core.projects.add_member(setup, project.id, user_id=carol_id, role="viewer")
    task = core.tasks.create_task(owner, project.id, title="t")
    return Team(alice, bob, carol, mallory, owner, bob_id, project.id, task.id)


def upload(
    client: TestClient,
    headers: dict[str, str],
    task_id: int,
    name: str = "report.pdf",
    data: bytes = PDF,
    *,
    ctype: str | None = "application/pdf",
) -> Any:
    """POST one file in the ``file`` field."""
    return client.post(
        f"/api/tasks/{task_id}/attachments", headers=headers, files={"file": (name, data, ctype)}
    )


def uploaded(
    client: TestClient,
    headers: dict[str, str],
    task_id: int,
    name: str = "report.pdf",
    data: bytes = PDF,
) -> dict[str, Any]:
    """Upload a file, asserting success; returns the attachment object."""
    response = upload(client, headers, task_id, name, data, ctype=None)
    assert 201 == response.status_code, response.text
    attachment: dict[str, Any] = response.json()["attachment"]
    return attachment


def raw_part(filename: str, data: bytes, *, name: str = "file") -> bytes:
    """A multipart body with one part whose header holds ``filename`` exactly (UTF-8)."""
    head = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"'
    return head.encode() + b"\r\n\r\n" + data + f"\r\n--{BOUNDARY}--\r\n".encode()


def multipart(**extra: str) -> dict[str, str]:
    return {"content-type": f"multipart/form-data; boundary={BOUNDARY}", **extra}


def files_on_disk(root: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file()}


def stored_events(runtime: Runtime, name: str) -> list[DomainEvent]:
    """The events named ``name`` in the outbox, oldest first."""
    assert runtime.engine is not None
    with runtime.engine.connect() as conn:
        rows = conn.execute(
            select(outbox.c.name, outbox.c.payload)
            .where(outbox.c.name == name)
            .order_by(outbox.c.id)
        ).all()
    return [decode(row.name, row.payload) for row in rows]


def small_runtime(tmp_path: Path, database_url: str, hasher: Argon2PasswordHasher) -> Runtime:
    return from_settings(
        Settings(
            data_dir=tmp_path,
            database_url=database_url,
            secret_key=SECRET_KEY,
            max_upload_bytes=64 * 1024,
            auth_rate_per_address="10000/minute",
            failed_login_rate="10000/minute",
        ),
        password_hasher=hasher,
        migrate=False,
    )


class TestUpload:
    """A1 POST /api/tasks/{task_id}/attachments."""

    def test_created(self, client: TestClient, team: Team, tmp_path: Path) -> None:
        """201 with the original's message and attachment object; the bytes are on disk
        under a generated name; the name keeps its Unicode."""
        response = upload(client, team.member, team.task_id, "Zoë 報告.pdf")
        assert 201 == response.status_code, response.text
        body = response.json()
        attachment = body["attachment"]
        assert ("File uploaded successfully", ATTACHMENT_KEYS) == (body["message"], set(attachment))
        assert (
            "Zoë 報告.pdf",
            "application/pdf",
            len(PDF),
            hashlib.sha256(PDF).hexdigest(),
            team.task_id,
            team.member_id,
            "bob",
        ) == (
            attachment["original_filename"],
            attachment["mime_type"],
            attachment["file_size"],
            attachment["file_hash"],
            attachment["task_id"],
            attachment["uploaded_by"],
            attachment["uploaded_by_username"],
        )
        assert attachment["filename"].endswith(".pdf")
        (blob,) = files_on_disk(tmp_path / "files")
        assert PDF == blob.read_bytes()
        assert "Zoë" not in str(blob)

    def test_task_access_comes_first(self, client: TestClient, team: Team) -> None:
        """An unknown task and an outsider get 404 'Task not found or access denied', even
        without a file."""
        for headers, task_id in ((team.member, 999), (team.outsider, team.task_id)):
            response = client.post(f"/api/tasks/{task_id}/attachments", headers=headers)
            assert (404, TASK_MISSING) == (response.status_code, response.json())

    def test_viewer_and_anonymous(self, client: TestClient, team: Team) -> None:
        """A viewer gets 403; a request without a token gets 401."""
        denied = upload(client, team.viewer, team.task_id)
        anonymous = upload(client, {}, team.task_id)
        assert (403, 401) == (denied.status_code, anonymous.status_code)
        assert {"error": "Token is missing"} == anonymous.json()

    @pytest.mark.parametrize(
        ("content", "headers"),
        [
            (f"--{BOUNDARY}--\r\n".encode(), multipart()),
            (
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n'
                f"--{BOUNDARY}--\r\n".encode(),
                multipart(),
            ),
            (b'{"file": "x"}', {"content-type": "application/json"}),
            (b"", {}),
        ],
    )
    def test_no_file_provided(
        self, client: TestClient, team: Team, content: bytes, headers: dict[str, str]
    ) -> None:
        """A body without a file part is 400 'No file provided in the request'."""
        response = client.post(
            f"/api/tasks/{team.task_id}/attachments",
            headers={**team.member, **headers},
            content=content,
        )
        assert (400, {"error": "No file provided in the request"}) == (
            response.status_code,
            response.json(),
        )

    @pytest.mark.parametrize(
        ("name", "message"),
        [("", "No file selected"), ("tool.exe", TYPE_NOT_ALLOWED), ("README", TYPE_NOT_ALLOWED)],
    )
    def test_bad_names(self, client: TestClient, team: Team, name: str, message: str) -> None:
        """The original's 400 texts for an empty name and an extension off the list."""
        response = client.post(
            f"/api/tasks/{team.task_id}/attachments",
            headers={**team.member, **multipart()},
            content=raw_part(name, b"data"),
        )
        assert (400, {"error": message}) == (response.status_code, response.json())

    @pytest.mark.parametrize(
        "case",
        [
            ("image.png", b"<html><script>alert(1)</script></html>", "image/png"),
            ("image.png", PDF, "image/png"),
            ("report.pdf", PNG, "application/pdf"),
            ("notes.txt", b"hello", "text/html"),
            ("drawing.txt", b"<svg onload=alert(1)>", "image/svg+xml"),
        ],
    )
    def test_type_is_judged_by_content(
        self, client: TestClient, team: Team, tmp_path: Path, case: tuple[str, bytes, str]
    ) -> None:
        """Content that is not what the extension says, or a declared HTML/SVG type, is
        415 and nothing is stored."""
        name, data, ctype = case
        response = upload(client, team.member, team.task_id, name, data, ctype=ctype)
        assert 415 == response.status_code, response.text
        assert set() == files_on_disk(tmp_path / "files")

    def test_polyglot_is_only_ever_an_attachment(self, client: TestClient, team: Team) -> None:
        """A GIF that also holds markup is accepted as a GIF and served as a download that
        must not be sniffed."""
        polyglot = b"GIF89a/*<html><script>alert(1)</script></html>*/"
        attachment = uploaded(client, team.member, team.task_id, "cat.gif", polyglot)
        response = client.get(f"/api/attachments/{attachment['id']}/download", headers=team.viewer)
        assert (200, "image/gif", "nosniff") == (
            response.status_code,
            response.headers["content-type"],
            response.headers["x-content-type-options"],
        )
        assert response.headers["content-disposition"].startswith("attachment;")
        assert "sandbox" in response.headers["content-security-policy"]

    @pytest.mark.parametrize(
        ("raw", "stored"),
        [
            ("../../outside.txt", "outside.txt"),
            ("..\\..\\outside.txt", "outside.txt"),
            ("/etc/cron.d/job.txt", "job.txt"),
            ("CON.txt", "_CON.txt"),
            ("a\x00b.txt", "ab.txt"),
            ("right\u202eto\u202cleft.txt", "righttoleft.txt"),
            ("tab\tand\x07bell.txt", "tabandbell.txt"),
        ],
    )
    def test_hostile_names(
        self, client: TestClient, team: Team, tmp_path: Path, raw: str, stored: str
    ) -> None:
        """Hostile names are sanitised metadata; the file lands under a generated key inside
        the storage folder and nowhere else."""
        before = files_on_disk(tmp_path)
        response = client.post(
            f"/api/tasks/{team.task_id}/attachments",
            headers={**team.member, **multipart()},
            content=raw_part(raw, b"hello"),
        )
        assert 201 == response.status_code, response.text
        assert stored == response.json()["attachment"]["original_filename"]
        (new,) = files_on_disk(tmp_path) - before
        assert (tmp_path / "files") in new.parents
        assert stored not in str(new)

    def test_long_name_is_capped(self, client: TestClient, team: Team) -> None:
        """A 300-byte name is cut to 255 bytes, keeping its extension."""
        attachment = uploaded(client, team.member, team.task_id, "é" * 150 + ".txt", b"x")
        name = attachment["original_filename"]
        assert name.endswith(".txt")
        assert len(name.encode()) <= 255


class TestUploadLimits:
    """The size limit (TASKCORE_MAX_UPLOAD_BYTES) is enforced while streaming."""

    @pytest.fixture
    def small(
        self,
        tmp_path: Path,
        database_url: str,
        hasher: Argon2PasswordHasher,
        serve: Callable[[Runtime], TestClient],
    ) -> Iterator[tuple[Runtime, TestClient, dict[str, str], int]]:
        """An application with a 64 KiB upload limit, an owner's headers and a task."""
        runtime = small_runtime(tmp_path, database_url, hasher)
        try:
            client = serve(runtime)
            runtime.core.users.register(
                username="alice",
                email="alice@example.com",
                password="correct horse battery",
                full_name="Alice",
            )
            login = client.post(
                "/api/login", json={"username": "alice", "password": "correct horse battery"}
            )
            user_id = login.json()["user"]["id"]
            headers = {"Authorization": f"Bearer {login.json()['token']}"}
            owner = principal(user_id, "alice")
            project = runtime.core.projects.create_project(owner, name="P")
            task = runtime.core.tasks.create_task(owner, project.id, title="t")
            yield runtime, client, headers, task.id
        finally:
            runtime.close()

    def test_at_the_limit_and_over_it(
        self, small: tuple[Runtime, TestClient, dict[str, str], int], tmp_path: Path
    ) -> None:
        """A file of exactly the limit is stored; one byte more is 413 'File too large'."""
        _, client, headers, task_id = small
        exact = upload(client, headers, task_id, "a.txt", b"a" * 64 * 1024, ctype=None)
        over = upload(client, headers, task_id, "b.txt", b"b" * (64 * 1024 + 1), ctype=None)
        assert (201, 413) == (exact.status_code, over.status_code)
        assert {"error": "File too large"} == over.json()
        assert 1 == len(files_on_disk(tmp_path / "files"))

    def test_streamed_oversize_stops_the_reading(
        self, small: tuple[Runtime, TestClient, dict[str, str], int], tmp_path: Path
    ) -> None:
        """A body without Content-Length, sent in 16 KiB pieces up to 1 MiB, is refused
        with 413 as soon as the limit (plus the multipart allowance) is passed; the rest is
        never read and nothing is left in storage."""
        runtime, _, headers, task_id = small
        rng = random.Random(5)
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.zip"'
            "\r\nContent-Type: application/zip\r\n\r\n"
        ).encode()
        pieces = [head, *(rng.randbytes(16 * 1024) for _ in range(64))]
        exchange = drive(
            create_app(runtime), f"/api/tasks/{task_id}/attachments", pieces, multipart(**headers)
        )
        assert (413, {"error": "File too large"}) == (exchange.status, json.loads(exchange.body))
        # The body may exceed the file limit by the multipart overhead allowance.
        assert exchange.consumed <= 64 * 1024 + UPLOAD_OVERHEAD + 16 * 1024 + len(head)
        assert exchange.consumed < sum(len(p) for p in pieces) // 2
        assert set() == files_on_disk(tmp_path / "files")

    def test_declared_oversize_is_refused_before_reading(
        self, small: tuple[Runtime, TestClient, dict[str, str], int]
    ) -> None:
        """An honest Content-Length over the limit is refused before the body is read."""
        runtime, _, headers, task_id = small
        pieces = [b"x" * 16 * 1024] * 40
        exchange = drive(
            create_app(runtime),
            f"/api/tasks/{task_id}/attachments",
            pieces,
            multipart(**headers, **{"content-length": str(40 * 16 * 1024)}),
        )
        assert (413, 0) == (exchange.status, exchange.consumed)


@attrs.frozen
class Exchange:
    status: int
    headers: dict[str, str]
    body: bytes
    consumed: int


def drive(
    app: Any, path: str, body: Iterable[bytes], headers: dict[str, str], method: str = "POST"
) -> Exchange:
    """Call the application over ASGI, handing it ``body`` one message per piece only as
    fast as it asks for them; count the bytes it consumed."""
    pieces = iter(body)
    consumed = 0
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        nonlocal consumed
        piece = next(pieces, None)
        if piece is None:
            return {"type": "http.request", "body": b"", "more_body": False}
        consumed += len(piece)
        return {"type": "http.request", "body": piece, "more_body": True}

    async def send(message: MutableMapping[str, Any]) -> None:
        sent.append(dict(message))

    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        # A client always names the host (TASKCORE_ALLOWED_HOSTS refuses other names).
        "headers": [
            (k.lower().encode(), v.encode()) for k, v in {"host": "testserver", **headers}.items()
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
        "state": {},
    }

    async def call() -> None:
        await app(scope, receive, send)

    anyio.run(call)
    start = next(m for m in sent if m["type"] == "http.response.start")
    raw = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    response_headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return Exchange(start["status"], response_headers, raw, consumed)


class TestListGetCount:
    """A2 GET /api/tasks/{task_id}/attachments, A3 GET /api/attachments/{id}, A6 count."""

    def test_list_newest_first_with_pagination(self, client: TestClient, team: Team) -> None:
        """Every member sees the task's attachments newest first, a page at a time."""
        ids = [
            uploaded(client, team.member, team.task_id, f"f{i}.txt", b"x")["id"] for i in range(3)
        ]
        response = client.get(
            f"/api/tasks/{team.task_id}/attachments?per_page=2", headers=team.viewer
        )
        body = response.json()
        assert 200 == response.status_code
        assert [ids[2], ids[1]] == [a["id"] for a in body["attachments"]]
        assert {"page": 1, "pages": 2, "per_page": 2, "total": 3} == body["pagination"]
        second = client.get(
            f"/api/tasks/{team.task_id}/attachments?per_page=2&page=2", headers=team.owner
        )
        assert [ids[0]] == [a["id"] for a in second.json()["attachments"]]

    def test_list_by_cursor(self, client: TestClient, team: Team) -> None:
        """With ``cursor`` the list comes in keyset slices with ``next_cursor``; a bad
        cursor is 400."""
        ids = [
            uploaded(client, team.member, team.task_id, f"f{i}.txt", b"x")["id"] for i in range(3)
        ]
        path = f"/api/tasks/{team.task_id}/attachments?per_page=2&cursor="
        first = client.get(path, headers=team.viewer).json()
        second = client.get(path + first["next_cursor"], headers=team.viewer).json()
        assert ([ids[2], ids[1]], [ids[0]], None) == (
            [a["id"] for a in first["attachments"]],
            [a["id"] for a in second["attachments"]],
            second["next_cursor"],
        )
        assert 400 == client.get(path + "nonsense", headers=team.viewer).status_code

    def test_list_for_outsiders_and_unknown_tasks(self, client: TestClient, team: Team) -> None:
        """Outsiders and unknown tasks get 404 'Task not found or access denied'."""
        for headers, task_id in ((team.outsider, team.task_id), (team.member, 999)):
            response = client.get(f"/api/tasks/{task_id}/attachments", headers=headers)
            assert (404, TASK_MISSING) == (response.status_code, response.json())

    def test_get(self, client: TestClient, team: Team) -> None:
        """Members read an attachment; outsiders and unknown ids get 404 'Attachment not
        found' (never 403)."""
        attachment = uploaded(client, team.member, team.task_id)
        response = client.get(f"/api/attachments/{attachment['id']}", headers=team.viewer)
        assert (200, {"attachment": attachment}) == (response.status_code, response.json())
        for headers, ident in ((team.outsider, attachment["id"]), (team.owner, 999)):
            missing = client.get(f"/api/attachments/{ident}", headers=headers)
            assert (404, NOT_FOUND) == (missing.status_code, missing.json())

    def test_count_needs_a_token_and_access(self, client: TestClient, team: Team) -> None:
        """The count, public in the original, needs a token and access to the task."""
        uploaded(client, team.member, team.task_id)
        path = f"/api/attachments/count/{team.task_id}"
        ok = client.get(path, headers=team.viewer)
        anonymous = client.get(path)
        outsider = client.get(path, headers=team.outsider)
        assert (200, {"task_id": team.task_id, "attachment_count": 1}) == (
            ok.status_code,
            ok.json(),
        )
        assert (401, 404) == (anonymous.status_code, outsider.status_code)


class TestDownload:
    """A4 GET /api/attachments/{id}/download."""

    def test_headers(self, client: TestClient, team: Team, runtime: Runtime) -> None:
        """The file comes as an attachment with its exact name (RFC 6266 ``filename*``), a
        type from the allow-list, nosniff, a sandboxing CSP and its SHA-256 as ETag; the
        download is recorded."""
        attachment = uploaded(client, team.member, team.task_id, "Zoë; 報告 (final).pdf")
        response = client.get(f"/api/attachments/{attachment['id']}/download", headers=team.viewer)
        assert (200, PDF) == (response.status_code, response.content)
        encoded = urllib.parse.quote("Zoë; 報告 (final).pdf", safe="")
        assert {
            "content-type": "application/pdf",
            "content-length": str(len(PDF)),
            "content-disposition": f'attachment; filename="Zo_; __ (final).pdf"; '
            f"filename*=UTF-8''{encoded}",
            "x-content-type-options": "nosniff",
            "etag": f'"{hashlib.sha256(PDF).hexdigest()}"',
            "accept-ranges": "bytes",
            "cache-control": "private, no-cache",
        }.items() <= dict(response.headers).items()
        assert "sandbox" in response.headers["content-security-policy"]
        (event,) = stored_events(runtime, "attachment.downloaded")
        assert (attachment["id"], "Zoë; 報告 (final).pdf") == (
            event.entity_id,
            event.details["filename"],
        )

    def test_head(self, client: TestClient, team: Team, runtime: Runtime) -> None:
        """HEAD answers the download's headers without a body and records no download."""
        attachment = uploaded(client, team.member, team.task_id)
        response = client.head(
            f"/api/attachments/{attachment['id']}/download",
            headers={**team.viewer, "Range": "bytes=0-9"},
        )
        assert (206, b"", "10", f"bytes 0-9/{len(PDF)}") == (
            response.status_code,
            response.content,
            response.headers["content-length"],
            response.headers["content-range"],
        )
        assert [] == stored_events(runtime, "attachment.downloaded")

    def test_html_in_a_text_file_is_served_as_text(self, client: TestClient, team: Team) -> None:
        """Markup uploaded as .txt is served as text/plain, never text/html."""
        attachment = uploaded(client, team.member, team.task_id, "page.txt", b"<html>hi</html>")
        response = client.get(f"/api/attachments/{attachment['id']}/download", headers=team.owner)
        assert response.headers["content-type"].startswith("text/plain")

    @pytest.mark.parametrize(
        ("header", "start", "end"),
        [
            ("bytes=10-19", 10, 20),
            ("bytes=-5", len(PDF) - 5, len(PDF)),
            ("bytes=100-", 100, len(PDF)),
        ],
    )
    def test_ranges(
        self, client: TestClient, team: Team, header: str, start: int, end: int
    ) -> None:
        """A single byte range is 206 with its Content-Range."""
        attachment = uploaded(client, team.member, team.task_id)
        response = client.get(
            f"/api/attachments/{attachment['id']}/download",
            headers={**team.viewer, "Range": header},
        )
        assert (206, PDF[start:end], f"bytes {start}-{end - 1}/{len(PDF)}") == (
            response.status_code,
            response.content,
            response.headers["content-range"],
        )

    def test_unsatisfiable_range(self, client: TestClient, team: Team) -> None:
        """A range beyond the end is 416 with ``Content-Range: bytes */<size>``."""
        attachment = uploaded(client, team.member, team.task_id)
        response = client.get(
            f"/api/attachments/{attachment['id']}/download",
            headers={**team.viewer, "Range": f"bytes={len(PDF)}-"},
        )
        assert (416, f"bytes */{len(PDF)}", {"error": "Requested range not satisfiable"}) == (
            response.status_code,
            response.headers["content-range"],
            response.json(),
        )

    @pytest.mark.parametrize("header", ["bytes=0-1,5-6", "lines=1-2", "bytes=9-3", "bytes=0-"])
    def test_ignored_ranges(self, client: TestClient, team: Team, header: str) -> None:
        """Several ranges, other units, inverted and whole-file ranges get the whole file."""
        attachment = uploaded(client, team.member, team.task_id)
        response = client.get(
            f"/api/attachments/{attachment['id']}/download",
            headers={**team.viewer, "Range": header},
        )
        assert (200, PDF) == (response.status_code, response.content)

    def test_conditional_requests(self, client: TestClient, team: Team) -> None:
        """If-None-Match with the ETag is 304; If-Range with another ETag gets everything."""
        attachment = uploaded(client, team.member, team.task_id)
        path = f"/api/attachments/{attachment['id']}/download"
        etag = f'"{attachment["file_hash"]}"'
        cached = client.get(path, headers={**team.viewer, "If-None-Match": etag})
        changed = client.get(
            path, headers={**team.viewer, "Range": "bytes=0-9", "If-Range": '"other"'}
        )
        same = client.get(path, headers={**team.viewer, "Range": "bytes=0-9", "If-Range": etag})
        assert (304, b"") == (cached.status_code, cached.content)
        assert (200, 206) == (changed.status_code, same.status_code)

    def test_missing_file(self, client: TestClient, team: Team, tmp_path: Path) -> None:
        """A row whose file is gone answers 404 'File not found on server'."""
        attachment = uploaded(client, team.member, team.task_id)
        for path in files_on_disk(tmp_path / "files"):
            path.unlink()
        response = client.get(f"/api/attachments/{attachment['id']}/download", headers=team.owner)
        assert (404, {"error": "File not found on server"}) == (
            response.status_code,
            response.json(),
        )

    def test_outsiders(self, client: TestClient, team: Team) -> None:
        """An outsider is told the attachment does not exist."""
        attachment = uploaded(client, team.member, team.task_id)
        response = client.get(
            f"/api/attachments/{attachment['id']}/download", headers=team.outsider
        )
        assert (404, NOT_FOUND) == (response.status_code, response.json())


class TestDelete:
    """A5 DELETE /api/attachments/{id}."""

    def test_by_uploader_owner_and_admin(
        self, client: TestClient, team: Team, tmp_path: Path, admin: AccountFactory
    ) -> None:
        """The uploader, a project owner and an administrator may delete; the file goes."""
        _, root = admin()
        for headers in (team.member, team.owner, root):
            attachment = uploaded(client, team.member, team.task_id)
            response = client.delete(f"/api/attachments/{attachment['id']}", headers=headers)
            assert (200, {"message": "Attachment deleted successfully"}) == (
                response.status_code,
                response.json(),
            )
            gone = client.get(f"/api/attachments/{attachment['id']}", headers=team.owner)
            assert 404 == gone.status_code
        assert set() == files_on_disk(tmp_path / "files")

    def test_others(
        self, client: TestClient, team: Team, runtime: Runtime, account: AccountFactory
    ) -> None:
        """Another member and a viewer get 403; an outsider gets 404."""
        dave_id, dave = account("dave")
        setup = attrs.evolve(team.owner_principal, is_admin=True)
        runtime.core.projects.add_member(setup, team.project_id, user_id=dave_id)
        attachment = uploaded(client, team.member, team.task_id)
        path = f"/api/attachments/{attachment['id']}"
        for headers in (dave, team.viewer):
            response = client.delete(path, headers=headers)
            assert (403, {"error": "You do not have permission to delete this attachment"}) == (
                response.status_code,
                response.json(),
            )
        assert 404 == client.delete(path, headers=team.outsider).status_code
        assert 200 == client.get(path, headers=team.owner).status_code


class TestBulkDeleteAndStats:
    """A7 POST /api/attachments/bulk-delete and A8 GET /api/attachments/stats: admins only."""

    def test_bulk_delete(
        self, client: TestClient, team: Team, admin: AccountFactory, tmp_path: Path
    ) -> None:
        """Administrators delete every attachment of the given tasks with their files;
        others are refused; an empty list is the original's 400."""
        _, root = admin()
        for _ in range(2):
            uploaded(client, team.member, team.task_id)
        path = "/api/attachments/bulk-delete"
        body = {"task_ids": [team.task_id]}
        assert 401 == client.post(path, json=body).status_code
        assert 403 == client.post(path, headers=team.owner, json=body).status_code
        empties: list[dict[str, list[int]]] = [{}, {"task_ids": []}]
        for empty in empties:
            response = client.post(path, headers=root, json=empty)
            assert (400, {"error": "No task IDs provided"}) == (
                response.status_code,
                response.json(),
            )
        assert 400 == client.post(path, headers=root, json={"task_ids": "1"}).status_code
        response = client.post(path, headers=root, json=body)
        assert (
            200,
            {
                "message": "Successfully deleted 2 attachments",
                "deleted_count": 2,
                "deleted_files": 2,
            },
        ) == (response.status_code, response.json())
        assert set() == files_on_disk(tmp_path / "files")

    def test_stats(self, client: TestClient, team: Team, admin: AccountFactory) -> None:
        """Counts and sizes by extension and by media type, computed by the database."""
        _, root = admin()
        uploaded(client, team.member, team.task_id, "a.pdf", PDF)
        uploaded(client, team.member, team.task_id, "b.PDF", PDF)
        uploaded(client, team.member, team.task_id, "c.txt", b"hello")
        assert 401 == client.get("/api/attachments/stats").status_code
        assert 403 == client.get("/api/attachments/stats", headers=team.owner).status_code
        response = client.get("/api/attachments/stats", headers=root)
        total = 2 * len(PDF) + 5
        assert (
            200,
            {
                "total_attachments": 3,
                "total_size_bytes": total,
                "total_size_mb": round(total / MiB, 2),
                "file_types": [
                    {"extension": "pdf", "count": 2, "total_size": 2 * len(PDF)},
                    {"extension": "txt", "count": 1, "total_size": 5},
                ],
                "media_types": [
                    {"media_type": "application/pdf", "count": 2, "total_size": 2 * len(PDF)},
                    {"media_type": "text/plain", "count": 1, "total_size": 5},
                ],
            },
        ) == (response.status_code, response.json())


class TestCascadeAndSweep:
    """Deleting tasks and projects removes attachments; the sweep cleans up what is left."""

    def test_task_and_project_deletion(
        self, client: TestClient, team: Team, runtime: Runtime, tmp_path: Path
    ) -> None:
        """Deleting a task removes its attachments and files at once; deleting the project
        removes the rest."""
        core = runtime.core
        second = core.tasks.create_task(team.owner_principal, team.project_id, title="u").id
        first = uploaded(client, team.member, team.task_id)
        uploaded(client, team.member, second, "b.txt", b"b")
        core.tasks.delete_task(team.owner_principal, team.task_id)
        assert 404 == client.get(f"/api/attachments/{first['id']}", headers=team.owner).status_code
        assert 1 == len(files_on_disk(tmp_path / "files"))
        core.projects.delete_project(team.owner_principal, team.project_id)
        assert set() == files_on_disk(tmp_path / "files")
        deleted = stored_events(runtime, "attachment.deleted")
        assert [True, True] == [e.details["with_task"] for e in deleted]

    def test_orphan_sweep(self, client: TestClient, team: Team, runtime: Runtime) -> None:
        """A file no attachment refers to is removed by the sweep once old enough."""
        kept = uploaded(client, team.member, team.task_id)
        orphan = new_blob_key(dt.datetime.now(dt.UTC) - dt.timedelta(days=2))
        writer = runtime.file_store.open_writer(orphan)
        writer.write(b"left behind")
        writer.commit()
        report = runtime.core.attachments.sweep_files()
        assert ([orphan], []) == (list(report.orphans_removed), list(report.missing_blobs))
        assert 200 == (
            client.get(f"/api/attachments/{kept['id']}/download", headers=team.owner).status_code
        )


# -- faults, on an in-memory runtime ---------------------------------------------------------


class ArmingWriter:
    """A blob writer that calls ``on_commit`` once its blob is committed."""

    def __init__(self, writer: InMemoryBlobWriter, on_commit: Callable[[], None]) -> None:
        self._writer = writer
        self._on_commit = on_commit

    def write(self, data: bytes) -> None:
        self._writer.write(data)

    def commit(self) -> None:
        self._writer.commit()
        self._on_commit()

    def abort(self) -> None:
        self._writer.abort()


class FaultyFiles(InMemoryFileStore):
    """An in-memory store that can fail deletions, and arm a database fault when a blob
    is committed."""

    def __init__(self) -> None:
        super().__init__()
        self.failing_deletes = False
        self.refusing_writes = False
        self.on_commit: Callable[[], None] = lambda: None

    def open_writer(self, key: str) -> ArmingWriter:  # type: ignore[override]
        if self.refusing_writes:
            raise errors.Unavailable("File storage unavailable")
        return ArmingWriter(super().open_writer(key), self._committed)

    def _committed(self) -> None:
        self.on_commit()

    def delete(self, key: str) -> None:
        if self.failing_deletes:
            raise errors.Unavailable("File storage unavailable")
        super().delete(key)


class FaultyUnitOfWork(InMemoryUnitOfWork):
    def __init__(self, store: InMemoryStore, faults: FaultyCommits) -> None:
        super().__init__(store)
        self._faults = faults

    def commit(self) -> None:
        if self._faults.armed:
            self._faults.armed = False
            raise errors.Unavailable("Database unavailable")
        super().commit()


class FaultyCommits:
    """Units of work over ``store`` whose next commit fails once ``armed``."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.armed = False

    def __call__(self, *, read_only: bool = False) -> FaultyUnitOfWork:
        return FaultyUnitOfWork(self.store, self)


@attrs.define
class Faulty:
    runtime: Runtime
    client: TestClient
    files: FaultyFiles
    commits: FaultyCommits
    headers: dict[str, str]
    task_id: int


@pytest.fixture
def faulty(serve: Callable[[Runtime], TestClient]) -> Faulty:
    """An in-memory runtime with fault injection, served over HTTP, and a task."""
    store, files = InMemoryStore(), FaultyFiles()
    commits = FaultyCommits(store)
    core = build(
        uow_factory=commits,
        clock=SystemClock(),
        password_hasher=PlainPasswordHasher(),
        token_service=FakeTokenService(),
        file_store=files,
    )
    runtime = Runtime(core=core, settings=Settings(secret_key=SECRET_KEY), file_store=files)
    client = serve(runtime)
    user = core.users.register(
        username="alice", email="alice@example.com", password="correct horse", full_name="A"
    )
    token = core.users.login(username="alice", password="correct horse").token
    owner = principal(user.id, "alice")
    task = core.tasks.create_task(
        owner, core.projects.create_project(owner, name="P").id, title="t"
    )
    return Faulty(runtime, client, files, commits, {"Authorization": f"Bearer {token}"}, task.id)


class TestFaults:
    def test_row_commit_fails_after_the_blob_was_written(self, faulty: Faulty) -> None:
        """When the database fails right after the file was committed, the answer is 503
        and the file is removed: no file without a row."""

        def arm() -> None:
            faulty.commits.armed = True

        faulty.files.on_commit = arm
        response = upload(faulty.client, faulty.headers, faulty.task_id)
        assert (503, {"error": "Database unavailable"}) == (
            response.status_code,
            response.json(),
        )
        assert ([], []) == (list(faulty.files.keys()), list(faulty.files.partial_keys()))
        count = faulty.client.get(
            f"/api/attachments/count/{faulty.task_id}", headers=faulty.headers
        )
        assert 0 == count.json()["attachment_count"]

    def test_blob_removal_fails(self, faulty: Faulty) -> None:
        """When the store cannot remove a deleted attachment's file, the deletion still
        succeeds, the removal stays recorded, and the sweep removes the file later."""
        attachment = uploaded(faulty.client, faulty.headers, faulty.task_id)
        faulty.files.failing_deletes = True
        response = faulty.client.delete(
            f"/api/attachments/{attachment['id']}", headers=faulty.headers
        )
        assert 200 == response.status_code
        assert 1 == len(list(faulty.files.keys()))
        with faulty.commits.store() as uow:
            assert 1 == uow.blob_deletions.count()
        faulty.files.failing_deletes = False
        report = faulty.runtime.core.attachments.sweep_files()
        assert (1, 0, []) == (
            report.deletions_completed,
            report.deletions_pending,
            list(faulty.files.keys()),
        )

    def test_health_reports_the_store(self, faulty: Faulty) -> None:
        """/health/attachments names the store's location and whether it accepts writes."""
        body = faulty.client.get("/health/attachments").json()
        assert ("memory://", True) == (body["upload_directory"], body["upload_dir_writable"])

        faulty.files.refusing_writes = True
        response = faulty.client.get("/health/attachments")
        assert (200, False) == (response.status_code, response.json()["upload_dir_writable"])


class TestHeaderHelpers:
    @pytest.mark.parametrize(
        "name", ["plain.txt", 'quote " and \\ backslash.txt', "Zoë 報告.pdf", "semi;colon=.txt"]
    )
    def test_content_disposition_round_trips(self, name: str) -> None:
        """``filename*`` carries the exact name; the ASCII ``filename`` is a well-formed
        quoted string; the header has no line breaks."""
        header = content_disposition(name)
        plain, _, extended = header.partition("; filename*=UTF-8''")
        message = email.message.Message()
        message["Content-Disposition"] = plain
        fallback = "".join(ch if ch.isascii() else "_" for ch in name)
        assert (fallback, name) == (message.get_filename(), urllib.parse.unquote(extended))
        assert header.isascii()
        assert not set(header) & {"\r", "\n"}

    @pytest.mark.parametrize(
        ("header", "size", "expected"),
        [
            (None, 10, None),
            ("bytes=0-4", 10, (0, 5)),
            ("bytes=5-100", 10, (5, 10)),
            ("bytes=-3", 10, (7, 10)),
            ("bytes=-30", 10, None),
            ("bytes=0-9", 10, None),
            ("bytes=-", 10, None),
            ("bytes=a-b", 10, None),
        ],
    )
    def test_byte_range(
        self, header: str | None, size: int, expected: tuple[int, int] | None
    ) -> None:
        """One range is resolved against the size; whole-file and malformed ones mean the
        whole file."""
        assert expected == byte_range(header, size)

    @pytest.mark.parametrize(
        ("header", "size"), [("bytes=10-", 10), ("bytes=-0", 10), ("bytes=-1", 0)]
    )
    def test_unsatisfiable(self, header: str, size: int) -> None:
        """Ranges starting at or past the end, and empty suffixes, cannot be satisfied."""
        with pytest.raises(RangeNotSatisfiable):
            byte_range(header, size)
