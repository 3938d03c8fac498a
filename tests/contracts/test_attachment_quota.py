"""The storage quota of attachments (T39) on every adapter: the usage contract of the
repository, and concurrent uploads through the core that never exceed the quota.

The SQL cases run on the selected backend: SQLite by default, PostgreSQL with
``TASKCORE_TEST_DB=postgres``.
"""

from __future__ import annotations

import threading

from taskcore import errors
from taskcore.app import Taskcore, build
from taskcore.ports.uow import UnitOfWorkFactory
from taskcore.services.users import Principal
from taskcore_adapters.memory import (
    FakeTokenService,
    InMemoryFileStore,
    ManualClock,
    PlainPasswordHasher,
)

QUOTA = 10_000
UPLOADS = 5
PDF_HEAD = b"%PDF-1.7\n"


def pdf(size: int) -> bytes:
    return PDF_HEAD + b"x" * (size - len(PDF_HEAD))


class TestUsageContract:
    def test_reserve_within_quota_only(self, uow_factory: UnitOfWorkFactory) -> None:
        """Reservations add up to the quota exactly; one past it is refused and changes
        nothing; a user without usage uses nothing."""
        with uow_factory() as uow:
            repo = uow.attachments
            results = [
                repo.reserve_space(7, 6000, QUOTA),
                repo.reserve_space(7, 4000, QUOTA),
                repo.reserve_space(7, 1, QUOTA),
            ]
            uow.commit()
        with uow_factory() as uow:
            assert ([True, True, False], QUOTA, 0) == (
                results,
                uow.attachments.used_space(7),
                uow.attachments.used_space(8),
            )

    def test_release_never_goes_below_zero(self, uow_factory: UnitOfWorkFactory) -> None:
        """Releasing takes bytes off; releasing more than used leaves zero; releasing for
        an unknown user does nothing."""
        with uow_factory() as uow:
            repo = uow.attachments
            repo.reserve_space(7, 5000, None)
            repo.release_space(7, 2000)
            after_one = repo.used_space(7)
            repo.release_space(7, 9000)
            repo.release_space(8, 10)
            uow.commit()
        with uow_factory() as uow:
            assert (3000, 0, 0) == (
                after_one,
                uow.attachments.used_space(7),
                uow.attachments.used_space(8),
            )

    def test_no_quota_reserves_anything(self, uow_factory: UnitOfWorkFactory) -> None:
        """With no quota (``None``) every reservation succeeds and is counted."""
        with uow_factory() as uow:
            assert uow.attachments.reserve_space(7, 10**12, None)
            assert 10**12 == uow.attachments.used_space(7)

    def test_rolled_back_reservation_is_not_counted(self, uow_factory: UnitOfWorkFactory) -> None:
        """A reservation belongs to its transaction: rolled back, it is gone."""
        with uow_factory() as uow:
            uow.attachments.reserve_space(7, 5000, QUOTA)
            uow.rollback()
        with uow_factory() as uow:
            assert 0 == uow.attachments.used_space(7)


def core_on(uow_factory: UnitOfWorkFactory, files: InMemoryFileStore) -> Taskcore:
    return build(
        uow_factory=uow_factory,
        clock=ManualClock(),
        password_hasher=PlainPasswordHasher(),
        token_service=FakeTokenService(),
        file_store=files,
        user_quota_bytes=QUOTA,
    )


def owner_and_task(core: Taskcore) -> tuple[Principal, int]:
    user = core.users.register(
        username="alice",
        email="alice@example.com",
        password="Plum-Quartz-Harbor-91",
        full_name="Alice",
    )
    alice = Principal(user_id=user.id, username=user.username, is_admin=False)
    project = core.projects.create_project(alice, name="Apollo")
    return alice, core.tasks.create_task(alice, project.id, title="t").id


def upload_concurrently(
    core: Taskcore, alice: Principal, task_id: int, pieces: list[bytes]
) -> tuple[int, list[BaseException]]:
    """Start ``UPLOADS`` uploads of ``pieces`` at once; how many succeeded, and the errors."""
    barrier = threading.Barrier(UPLOADS)
    stored: list[int] = []
    failures: list[BaseException] = []
    lock = threading.Lock()

    def upload(n: int) -> None:
        barrier.wait(10)
        try:
            view = core.attachments.upload_attachment(
                alice, task_id, filename=f"f{n}.pdf", content=pieces
            )
        except BaseException as exc:  # noqa: BLE001 - collected for the assertions
            with lock:
                failures.append(exc)
        else:
            with lock:
                stored.append(view.file_size)

    threads = [threading.Thread(target=upload, args=(n,)) for n in range(UPLOADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return len(stored), failures


class TestConcurrentUploads:
    def test_whole_files_fit_exactly(self, uow_factory: UnitOfWorkFactory) -> None:
        """Five concurrent 4000-byte uploads against a 10 000-byte quota: exactly two are
        stored, three are QuotaExceeded, and the usage equals what is stored."""
        files = InMemoryFileStore()
        core = core_on(uow_factory, files)
        alice, task_id = owner_and_task(core)
        succeeded, failures = upload_concurrently(core, alice, task_id, [pdf(4000)])
        stored = sum(len(b"".join(files.read(key))) for key in files.keys())  # noqa: SIM118
        assert (2, 3 * [errors.QuotaExceeded], 8000, 8000) == (
            succeeded,
            [type(exc) for exc in failures],
            stored,
            core.attachments.storage_used(alice),
        )

    def test_streamed_files_never_exceed_the_quota(self, uow_factory: UnitOfWorkFactory) -> None:
        """Five concurrent uploads of 3000 bytes in 500-byte pieces: whatever the
        interleaving, the stored total stays within the quota, every refusal is
        QuotaExceeded, nothing partial is left, and the usage equals what is stored."""
        files = InMemoryFileStore()
        core = core_on(uow_factory, files)
        alice, task_id = owner_and_task(core)
        data = pdf(3000)
        pieces = [data[i : i + 500] for i in range(0, len(data), 500)]
        succeeded, failures = upload_concurrently(core, alice, task_id, pieces)
        sizes = [len(b"".join(files.read(key))) for key in files.keys()]  # noqa: SIM118
        assert UPLOADS == succeeded + len(failures)
        assert {errors.QuotaExceeded} >= {type(exc) for exc in failures}
        assert succeeded * 3000 == sum(sizes) <= QUOTA
        assert ([], sum(sizes)) == (
            list(files.partial_keys()),
            core.attachments.storage_used(alice),
        )
