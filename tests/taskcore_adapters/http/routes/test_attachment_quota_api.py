"""Storage quota (T39) and malware scanning (T42) of attachment uploads over HTTP, on the
selected SQL backend and local disk, with the fake scanner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from taskcore.services.users import Principal
from taskcore_adapters.bootstrap import Runtime, from_settings
from taskcore_adapters.config import Settings
from taskcore_adapters.memory.scanning import EICAR, FakeMalwareScanner
from taskcore_adapters.security import Argon2PasswordHasher

Account = tuple[int, dict[str, str]]

QUOTA = 10_000
PDF_HEAD = b"%PDF-1.7\n"


def pdf(size: int) -> bytes:
    return PDF_HEAD + b"x" * (size - len(PDF_HEAD))


@pytest.fixture
def scanner() -> FakeMalwareScanner:
    """The fake scanner: flags EICAR; can be switched off."""
    return FakeMalwareScanner()


@pytest.fixture
def runtime(
    tmp_path: Path, database_url: str, hasher: Argon2PasswordHasher, scanner: FakeMalwareScanner
) -> Iterator[Runtime]:
    """A runtime whose users may store 10 000 bytes each, scanning with ``scanner``."""
    built = from_settings(
        Settings(
            data_dir=tmp_path,
            database_url=database_url,
            secret_key="x" * 48,
            user_quota_bytes=QUOTA,
            auth_rate_per_address="10000/minute",
            failed_login_rate="10000/minute",
        ),
        password_hasher=hasher,
        migrate=False,
        malware_scanner=scanner,
    )
    try:
        yield built
    finally:
        built.close()


@pytest.fixture
def owner(runtime: Runtime, account: Callable[..., Account]) -> tuple[dict[str, str], int]:
    """Alice's headers and a task in her project."""
    alice_id, headers = account("alice")
    alice = Principal(user_id=alice_id, username="alice", is_admin=False)
    project = runtime.core.projects.create_project(alice, name="Apollo")
    return headers, runtime.core.tasks.create_task(alice, project.id, title="t").id


def upload(
    client: TestClient, headers: dict[str, str], task_id: int, name: str, data: bytes
) -> Any:
    return client.post(
        f"/api/tasks/{task_id}/attachments", headers=headers, files={"file": (name, data, None)}
    )


def stored_files(tmp_path: Path) -> list[Path]:
    return [p for p in (tmp_path / "files").rglob("*") if p.is_file()]


class TestQuotaApi:
    def test_over_quota_is_413_with_code(
        self, client: TestClient, owner: tuple[dict[str, str], int], tmp_path: Path
    ) -> None:
        """Uploads up to the quota are 201; the one past it is 413 `quota_exceeded` and
        leaves no file; after a deletion it fits again."""
        headers, task_id = owner
        first = upload(client, headers, task_id, "a.pdf", pdf(6000))
        assert 201 == first.status_code, first.text
        refused = upload(client, headers, task_id, "b.pdf", pdf(6000))
        assert (413, {"error": "Storage quota exceeded", "code": "quota_exceeded"}) == (
            refused.status_code,
            refused.json(),
        )
        assert 1 == len(stored_files(tmp_path))
        attachment_id = first.json()["attachment"]["id"]
        assert (
            200 == client.delete(f"/api/attachments/{attachment_id}", headers=headers).status_code
        )
        assert 201 == upload(client, headers, task_id, "b.pdf", pdf(6000)).status_code

    def test_file_too_large_has_no_quota_code(
        self, client: TestClient, owner: tuple[dict[str, str], int]
    ) -> None:
        """The per-file limit stays the original's plain 413."""
        headers, task_id = owner
        response = upload(client, headers, task_id, "a.pdf", pdf(17 * 1024 * 1024))
        assert (413, {"error": "File too large"}) == (response.status_code, response.json())


class TestMalwareApi:
    def test_eicar_is_422_with_code(
        self, client: TestClient, owner: tuple[dict[str, str], int], tmp_path: Path
    ) -> None:
        """The EICAR test file is 422 `malware_detected`; nothing is stored or listed."""
        headers, task_id = owner
        response = upload(client, headers, task_id, "eicar.txt", EICAR)
        assert (422, {"error": "File rejected: malware detected", "code": "malware_detected"}) == (
            response.status_code,
            response.json(),
        )
        listed = client.get(f"/api/tasks/{task_id}/attachments", headers=headers).json()
        assert ([], []) == (listed["attachments"], stored_files(tmp_path))

    def test_scanner_down_quarantines(
        self,
        client: TestClient,
        owner: tuple[dict[str, str], int],
        scanner: FakeMalwareScanner,
    ) -> None:
        """With the scanner down the upload is 201 but quarantined: listed with
        `status: quarantined`, and its download (GET and HEAD) is 409
        `attachment_quarantined`."""
        headers, task_id = owner
        scanner.available = False
        response = upload(client, headers, task_id, "notes.txt", b"meeting notes\n")
        assert 201 == response.status_code, response.text
        attachment = response.json()["attachment"]
        assert "quarantined" == attachment["status"]
        url = f"/api/attachments/{attachment['id']}/download"
        got = client.get(url, headers=headers)
        assert (
            409,
            {
                "error": "Attachment is quarantined and cannot be downloaded",
                "code": "attachment_quarantined",
            },
        ) == (got.status_code, got.json())
        assert 409 == client.head(url, headers=headers).status_code

    def test_clean_file_downloads(
        self, client: TestClient, owner: tuple[dict[str, str], int]
    ) -> None:
        """A clean file is stored without a `status` key and downloads as usual."""
        headers, task_id = owner
        response = upload(client, headers, task_id, "notes.txt", b"meeting notes\n")
        attachment = response.json()["attachment"]
        got = client.get(f"/api/attachments/{attachment['id']}/download", headers=headers)
        assert ("status" in attachment, 200, b"meeting notes\n") == (
            False,
            got.status_code,
            got.content,
        )
