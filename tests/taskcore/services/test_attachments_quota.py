"""The per-user storage quota of attachments (T39), on the in-memory adapters."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from taskcore import errors
from taskcore.services.attachments import RESERVE_STEP
from taskcore.services.users import Principal
from taskcore_adapters.testing import World

QUOTA = 10_000
PDF_HEAD = b"%PDF-1.7\n"


def pdf(size: int) -> bytes:
    """A PDF-looking file of exactly ``size`` bytes."""
    return PDF_HEAD + b"x" * (size - len(PDF_HEAD))


def chunks(data: bytes, size: int = 512) -> Iterator[bytes]:
    for offset in range(0, len(data), size):
        yield data[offset : offset + size]


@pytest.fixture
def world() -> World:
    """A fresh in-memory taskcore whose users may store 10 000 bytes each."""
    return World.create(user_quota_bytes=QUOTA)


@pytest.fixture
def setup(world: World) -> tuple[Principal, Principal, int]:
    """Alice owns a project with Bob as a member, and a task in it."""
    alice, bob = world.user("alice"), world.user("bob")
    project = world.project(alice, members=[bob])
    task = world.core.tasks.create_task(alice, project.id, title="t")
    return alice, bob, task.id


class TestQuota:
    def test_sequential_uploads_stop_at_the_quota(
        self, world: World, setup: tuple[Principal, Principal, int]
    ) -> None:
        """Uploads that fit are stored; the one that would pass the quota is QuotaExceeded,
        leaves no file behind and does not count."""
        alice, _, task_id = setup
        attachments = world.core.attachments
        for _ in range(2):
            attachments.upload_attachment(alice, task_id, filename="a.pdf", content=[pdf(4000)])
        with pytest.raises(errors.QuotaExceeded) as raised:
            attachments.upload_attachment(
                alice, task_id, filename="b.pdf", content=chunks(pdf(2001))
            )
        assert ("quota_exceeded", QUOTA) == (raised.value.error_code, raised.value.limit)
        assert isinstance(raised.value, errors.TooLarge)
        assert 8000 == attachments.storage_used(alice)
        assert 2 == len(list(world.files.keys()))
        assert [] == list(world.files.partial_keys())
        view = attachments.upload_attachment(alice, task_id, filename="c.pdf", content=[pdf(2000)])
        assert (2000, QUOTA) == (view.file_size, attachments.storage_used(alice))

    def test_quota_is_per_user(self, world: World, setup: tuple[Principal, Principal, int]) -> None:
        """One user's files do not count against another's quota."""
        alice, bob, task_id = setup
        attachments = world.core.attachments
        attachments.upload_attachment(alice, task_id, filename="a.pdf", content=[pdf(QUOTA)])
        attachments.upload_attachment(bob, task_id, filename="b.pdf", content=[pdf(QUOTA)])
        assert (QUOTA, QUOTA) == (attachments.storage_used(alice), attachments.storage_used(bob))

    def test_deleting_frees_the_space(
        self, world: World, setup: tuple[Principal, Principal, int]
    ) -> None:
        """Deleting an attachment, a task's attachments in bulk, or the task gives the
        space back to the uploader."""
        alice, bob, task_id = setup
        attachments = world.core.attachments
        first = attachments.upload_attachment(alice, task_id, filename="a.pdf", content=[pdf(6000)])
        attachments.delete_attachment(alice, first.id)
        assert 0 == attachments.storage_used(alice)
        attachments.upload_attachment(alice, task_id, filename="a.pdf", content=[pdf(6000)])
        attachments.upload_attachment(bob, task_id, filename="b.pdf", content=[pdf(3000)])
        world.core.tasks.delete_task(alice, task_id)
        assert (0, 0) == (attachments.storage_used(alice), attachments.storage_used(bob))

    def test_bulk_delete_frees_the_space(self, world: World) -> None:
        """Bulk deletion by an administrator frees every uploader's space."""
        admin = world.user("root", admin=True)
        project = world.project(admin)
        task = world.core.tasks.create_task(admin, project.id, title="t")
        attachments = world.core.attachments
        attachments.upload_attachment(admin, task.id, filename="a.pdf", content=[pdf(7000)])
        attachments.bulk_delete(admin, [task.id])
        assert 0 == attachments.storage_used(admin)

    def test_failed_upload_releases_its_reservation(
        self, world: World, setup: tuple[Principal, Principal, int]
    ) -> None:
        """An upload refused for its content, or one given up half-way, reserves nothing
        afterwards."""
        alice, _, task_id = setup
        attachments = world.core.attachments
        with pytest.raises(errors.UnsupportedType):
            attachments.upload_attachment(
                alice, task_id, filename="a.png", content=chunks(pdf(3000))
            )
        permit = attachments.authorize_upload(alice, task_id)
        upload = attachments.start_upload(permit, filename="b.pdf")
        upload.write(pdf(3000))
        assert 3000 <= attachments.storage_used(alice)
        upload.abort()
        assert 0 == attachments.storage_used(alice)

    def test_reservation_grows_as_bytes_arrive(self) -> None:
        """An upload in progress holds at most one reservation step more than it has
        received, so it counts against the quota while it runs."""
        big = World.create(user_quota_bytes=None)
        alice = big.user("alice")
        project = big.project(alice)
        task = big.core.tasks.create_task(alice, project.id, title="t")
        attachments = big.core.attachments
        upload = attachments.start_upload(
            attachments.authorize_upload(alice, task.id), filename="a.pdf"
        )
        upload.write(PDF_HEAD)
        assert RESERVE_STEP == attachments.storage_used(alice)
        upload.write(b"x" * RESERVE_STEP)
        assert len(PDF_HEAD) + RESERVE_STEP <= attachments.storage_used(alice) <= 2 * RESERVE_STEP
        view = attachments.finish_upload(upload)
        assert view.file_size == attachments.storage_used(alice)

    def test_exact_fit_is_accepted(
        self, world: World, setup: tuple[Principal, Principal, int]
    ) -> None:
        """A file that fills the quota to the byte is accepted; one byte more is not."""
        alice, _, task_id = setup
        attachments = world.core.attachments
        attachments.upload_attachment(alice, task_id, filename="a.pdf", content=[pdf(QUOTA - 1)])
        with pytest.raises(errors.QuotaExceeded):
            attachments.upload_attachment(alice, task_id, filename="b.txt", content=[b"ab"])
        attachments.upload_attachment(alice, task_id, filename="c.txt", content=[b"a"])
        assert QUOTA == attachments.storage_used(alice)

    def test_no_quota_counts_without_limit(self) -> None:
        """Without a quota every upload is accepted, and usage is still counted."""
        world = World.create(user_quota_bytes=None)
        alice = world.user("alice")
        project = world.project(alice)
        task = world.core.tasks.create_task(alice, project.id, title="t")
        world.core.attachments.upload_attachment(
            alice, task.id, filename="a.pdf", content=[pdf(50_000)]
        )
        assert (None, 50_000) == (
            world.core.attachments.user_quota_bytes,
            world.core.attachments.storage_used(alice),
        )
