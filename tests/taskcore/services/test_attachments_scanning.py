"""Malware scanning of uploads (T42), on the in-memory adapters and the fake scanner."""

from __future__ import annotations

from collections.abc import Iterable

import pytest

from taskcore import errors
from taskcore.domain.attachments import AttachmentStatus
from taskcore.ports.scanning import ScanResult
from taskcore.services.users import Principal
from taskcore_adapters.memory.scanning import EICAR, EICAR_SIGNATURE, FakeMalwareScanner
from taskcore_adapters.testing import World

TEXT = b"meeting notes\n"


@pytest.fixture
def scanner() -> FakeMalwareScanner:
    """A scanner that flags the EICAR test string."""
    return FakeMalwareScanner()


@pytest.fixture
def world(scanner: FakeMalwareScanner) -> World:
    """A fresh in-memory taskcore that scans uploads with ``scanner``."""
    return World.create(malware_scanner=scanner)


@pytest.fixture
def setup(world: World) -> tuple[Principal, int]:
    """Alice and a task of hers."""
    alice = world.user("alice")
    project = world.project(alice)
    return alice, world.core.tasks.create_task(alice, project.id, title="t").id


def attachment_count(world: World, task_id: int) -> int:
    with world.store() as uow:
        return uow.attachments.count(task_id)


class TestMalwareScanning:
    def test_clean_file_is_stored_available(
        self, world: World, scanner: FakeMalwareScanner, setup: tuple[Principal, int]
    ) -> None:
        """A clean file is scanned once and stored available for download."""
        alice, task_id = setup
        view = world.core.attachments.upload_attachment(
            alice, task_id, filename="a.txt", content=[TEXT]
        )
        download = world.core.attachments.open_download(alice, view.id)
        assert (1, AttachmentStatus.AVAILABLE, TEXT) == (
            scanner.scanned,
            view.status,
            b"".join(download.chunks),
        )

    def test_eicar_is_refused_and_removed(self, world: World, setup: tuple[Principal, int]) -> None:
        """The EICAR test file, split across chunks, is MalwareDetected: no row, no blob,
        no space used."""
        alice, task_id = setup
        content = [b"header ", EICAR[:20], EICAR[20:], b" trailer"]
        with pytest.raises(errors.MalwareDetected) as raised:
            world.core.attachments.upload_attachment(
                alice, task_id, filename="eicar.txt", content=content
            )
        assert ("malware_detected", EICAR_SIGNATURE, "file") == (
            raised.value.error_code,
            raised.value.signature,
            raised.value.field,
        )
        assert (0, [], [], 0) == (
            attachment_count(world, task_id),
            list(world.files.keys()),
            list(world.files.partial_keys()),
            world.core.attachments.storage_used(alice),
        )

    def test_scanner_down_quarantines(
        self, world: World, scanner: FakeMalwareScanner, setup: tuple[Principal, int]
    ) -> None:
        """With the scanner unavailable the file is stored quarantined, listed, and
        refused for download (fail closed)."""
        alice, task_id = setup
        scanner.available = False
        view = world.core.attachments.upload_attachment(
            alice, task_id, filename="a.txt", content=[TEXT]
        )
        assert AttachmentStatus.QUARANTINED == view.status
        listed = world.core.attachments.list_attachments(alice, task_id)
        assert [AttachmentStatus.QUARANTINED] == [a.status for a in listed.items]
        with pytest.raises(errors.AttachmentQuarantined) as raised:
            world.core.attachments.open_download(alice, view.id)
        assert "attachment_quarantined" == raised.value.error_code
        assert {"quarantined": True}.items() <= world.events()[-1].details.items()

    def test_unavailable_result_quarantines(self) -> None:
        """A scanner that returns "unavailable" instead of raising is treated alike."""

        class Down:
            def scan(self, chunks: Iterable[bytes]) -> ScanResult:
                return ScanResult.unavailable("clamd: connection refused")

        world = World.create(malware_scanner=Down())
        alice = world.user("alice")
        task = world.core.tasks.create_task(alice, world.project(alice).id, title="t")
        view = world.core.attachments.upload_attachment(
            alice, task.id, filename="a.txt", content=[TEXT]
        )
        assert AttachmentStatus.QUARANTINED == view.status

    def test_without_scanner_files_are_available(self) -> None:
        """The default (no scanner) stores every file available, unscanned."""
        world = World.create()
        alice = world.user("alice")
        task = world.core.tasks.create_task(alice, world.project(alice).id, title="t")
        view = world.core.attachments.upload_attachment(
            alice, task.id, filename="eicar.txt", content=[EICAR]
        )
        assert AttachmentStatus.AVAILABLE == view.status
