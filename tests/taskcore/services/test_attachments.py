"""Use cases of the attachments area, on the in-memory adapters."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterator

import pytest

from taskcore import errors
from taskcore.domain.events import AttachmentDeleted
from taskcore.domain.files import TYPE_NOT_ALLOWED, new_blob_key
from taskcore.domain.pagination import CursorRequest, PageRequest
from taskcore.services.attachments import SWEEP_FILES, TASK_MISSING, NoFileStore
from taskcore.services.users import Principal
from taskcore_adapters.memory import InMemoryFileStore, InMemoryStore, InMemoryUnitOfWork
from taskcore_adapters.testing import World

PDF = b"%PDF-1.7\n" + b"x" * 1000
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100


class FlakyFiles(InMemoryFileStore):
    """An in-memory file store whose deletions fail while ``failing`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.failing = False

    def delete(self, key: str) -> None:
        if self.failing:
            raise errors.Unavailable("File storage unavailable")
        super().delete(key)


class FlakyUnitOfWork(InMemoryUnitOfWork):
    """An in-memory unit of work whose commit fails while its factory is armed."""

    def __init__(self, store: InMemoryStore, factory: FlakyCommits) -> None:
        super().__init__(store)
        self._factory = factory

    def commit(self) -> None:
        if self._factory.armed:
            self._factory.armed = False
            raise errors.Unavailable("Database unavailable")
        super().commit()


class FlakyCommits:
    """Makes units of work over ``store``; the next commit fails once ``armed`` is set."""

    def __init__(self, store: InMemoryStore) -> None:
        self.store = store
        self.armed = False

    def __call__(self, *, read_only: bool = False) -> FlakyUnitOfWork:
        return FlakyUnitOfWork(self.store, self)


Team = tuple[Principal, Principal, Principal, int]


@pytest.fixture
def world() -> World:
    """A fresh in-memory taskcore."""
    return World.create()


@pytest.fixture
def team(world: World) -> Team:
    """An owner, a member and a viewer of one project, and a task's id in it."""
    alice, bob, carol = world.user("alice"), world.user("bob"), world.user("carol")
    project = world.project(alice, members=[bob], viewers=[carol])
    task = world.core.tasks.create_task(alice, project.id, title="t")
    return alice, bob, carol, task.id


def blobs(world: World) -> tuple[list[str], list[str]]:
    """The committed and the partial keys of the world's file store."""
    return sorted(world.files.keys()), sorted(world.files.partial_keys())


def pending_removals(world: World) -> list[str]:
    with world.store() as uow:
        return [d.blob_key for d in uow.blob_deletions.pending(100)]


def chunks(data: bytes, size: int = 64) -> Iterator[bytes]:
    for offset in range(0, len(data), size):
        yield data[offset : offset + size]


class TestUpload:
    def test_stores_blob_and_metadata(self, world: World, team: Team) -> None:
        """The file is streamed into the store under a generated key; the row records its
        size, SHA-256, sanitised name and the type its extension stands for."""
        _, bob, _, task_id = team
        view = world.core.attachments.upload_attachment(
            bob, task_id, filename="Zoë 報告.PDF", content=chunks(PDF)
        )
        (key,) = world.files.keys()
        assert PDF == b"".join(world.files.read(key))
        assert (
            "Zoë 報告.PDF",
            "application/pdf",
            len(PDF),
            hashlib.sha256(PDF).hexdigest(),
            "bob",
            bob.user_id,
            key,
        ) == (
            view.original_filename,
            view.mime_type,
            view.file_size,
            view.file_hash,
            view.uploaded_by_username,
            view.uploaded_by,
            view.blob_key,
        )
        assert view.filename == key.rsplit("-", 1)[1] + ".pdf"
        assert "Zoë" not in key

    def test_records_attachment_uploaded(self, world: World, team: Team) -> None:
        """AttachmentUploaded carries the name, task, project and size."""
        _, bob, _, task_id = team
        view = world.core.attachments.upload_attachment(
            bob, task_id, filename="a.pdf", content=[PDF]
        )
        event = world.events()[-1]
        assert ("attachment.uploaded", view.id, bob.user_id) == (
            event.name,
            event.entity_id,
            event.actor_id,
        )
        assert {
            "filename": "a.pdf",
            "task_id": task_id,
            "project_id": view.project_id,
            "file_size": len(PDF),
        } == event.details

    @pytest.mark.parametrize(
        ("raw", "stored"),
        [
            ("../../etc/passwd.txt", "passwd.txt"),
            ("..\\..\\win.ini.txt", "win.ini.txt"),
            ("CON.txt", "_CON.txt"),
            ("evil\u202etxt.exe.txt", "eviltxt.exe.txt"),
            ('a"b<c>.txt', "a_b_c_.txt"),
        ],
    )
    def test_hostile_names_are_sanitised(
        self, world: World, team: Team, raw: str, stored: str
    ) -> None:
        """Path parts, device names, bidi overrides and reserved characters never reach
        the stored name, and the storage key never comes from the name."""
        _, bob, _, task_id = team
        view = world.core.attachments.upload_attachment(bob, task_id, filename=raw, content=[b"hi"])
        assert stored == view.original_filename
        assert [view.blob_key] == list(world.files.keys())

    def test_task_access_is_checked_first(self, world: World, team: Team) -> None:
        """An unknown task or an outsider gets 'Task not found or access denied' before the
        file name is looked at."""
        _, bob, _, task_id = team
        mallory = world.user("mallory")
        for user, target in ((bob, 999), (mallory, task_id)):
            with pytest.raises(errors.TaskNotFound) as caught:
                world.core.attachments.upload_attachment(user, target, filename="", content=[])
            assert TASK_MISSING == caught.value.message

    def test_viewers_may_not_upload(self, world: World, team: Team) -> None:
        """A viewer may read attachments but not add one."""
        _, _, carol, task_id = team
        with pytest.raises(errors.ProjectRoleRequired):
            world.core.attachments.upload_attachment(carol, task_id, filename="a.txt", content=[])

    def test_administrators_may_upload_anywhere(self, world: World, team: Team) -> None:
        """An administrator who is not a member may upload."""
        root = world.user("root", admin=True)
        view = world.core.attachments.upload_attachment(
            root, team[3], filename="a.txt", content=[b"x"]
        )
        assert "root" == view.uploaded_by_username

    @pytest.mark.parametrize(
        ("filename", "message"),
        [
            ("", "No file selected"),
            (None, "No file selected"),
            ("malware.exe", TYPE_NOT_ALLOWED),
            ("noextension", TYPE_NOT_ALLOWED),
            ("/", "Invalid file name"),
        ],
    )
    def test_bad_names(self, world: World, team: Team, filename: str | None, message: str) -> None:
        """Missing names, names left empty and extensions off the list are refused with the
        original's texts, before anything is written."""
        _, bob, _, task_id = team
        with pytest.raises(errors.ValidationError) as caught:
            world.core.attachments.upload_attachment(
                bob, task_id, filename=filename, content=[b"x"]
            )
        assert (message, "file") == (caught.value.message, caught.value.field)
        assert ([], []) == blobs(world)

    @pytest.mark.parametrize(
        ("filename", "content"),
        [
            ("photo.png", b"<html><script>alert(1)</script></html>"),
            ("photo.png", PDF),
            ("report.pdf", PNG),
            ("archive.zip", b"plain text"),
        ],
    )
    def test_content_must_match_the_extension(
        self, world: World, team: Team, filename: str, content: bytes
    ) -> None:
        """Content that is not what its extension says is refused and nothing is kept."""
        _, bob, _, task_id = team
        before = world.event_names()
        with pytest.raises(errors.UnsupportedType):
            world.core.attachments.upload_attachment(
                bob, task_id, filename=filename, content=[content]
            )
        assert ([], []) == blobs(world)
        assert before == world.event_names()

    def test_declared_active_types_are_refused(self, world: World, team: Team) -> None:
        """A file declared as HTML is refused, whatever its name."""
        _, bob, _, task_id = team
        with pytest.raises(errors.UnsupportedType):
            world.core.attachments.upload_attachment(
                bob, task_id, filename="notes.txt", content=[b"hi"], declared_type="text/html"
            )
        assert ([], []) == blobs(world)

    def test_markup_in_a_text_file_is_stored_as_plain_text(self, world: World, team: Team) -> None:
        """A .txt file holding HTML is kept, typed text/plain (never text/html)."""
        _, bob, _, task_id = team
        view = world.core.attachments.upload_attachment(
            bob, task_id, filename="page.txt", content=[b"<html><body>hi</body></html>"]
        )
        assert "text/plain" == view.mime_type

    def test_size_limit_is_enforced_while_streaming(self) -> None:
        """A file over the limit is refused within one piece of the limit; one at the limit
        is not."""
        world = World.create(max_upload_bytes=1000)
        bob = world.user("bob")
        task_id = world.core.tasks.create_task(bob, world.project(bob).id, title="t").id
        pulled: list[int] = []

        def content(size: int) -> Iterator[bytes]:
            for piece in chunks(b"y" * size, 100):
                pulled.append(len(piece))
                yield piece

        with pytest.raises(errors.TooLarge) as caught:
            world.core.attachments.upload_attachment(
                bob, task_id, filename="big.txt", content=content(5000)
            )
        assert ("File too large", 1000) == (caught.value.message, caught.value.limit)
        assert 1100 == sum(pulled)
        assert ([], []) == blobs(world)
        view = world.core.attachments.upload_attachment(
            bob, task_id, filename="exact.txt", content=content(1000)
        )
        assert 1000 == view.file_size

    def test_empty_file(self, world: World, team: Team) -> None:
        """An empty file is accepted for any allowed extension."""
        _, bob, _, task_id = team
        view = world.core.attachments.upload_attachment(bob, task_id, filename="e.png", content=[])
        assert (0, hashlib.sha256(b"").hexdigest()) == (view.file_size, view.file_hash)

    def test_storage_failure_mid_write_leaves_nothing(self, world: World, team: Team) -> None:
        """When the content cannot be read to the end, the partial blob is discarded."""
        _, bob, _, task_id = team

        def broken() -> Iterator[bytes]:
            yield b"x" * 100
            raise errors.Unavailable("File storage unavailable")

        with pytest.raises(errors.Unavailable):
            world.core.attachments.upload_attachment(
                bob, task_id, filename="a.txt", content=broken()
            )
        assert ([], []) == blobs(world)

    def test_failed_row_commit_removes_the_blob(self) -> None:
        """When the row's commit fails after the blob was written, the blob is removed."""
        flaky: list[FlakyCommits] = []

        def wrap(store: InMemoryStore) -> FlakyCommits:
            flaky.append(FlakyCommits(store))
            return flaky[0]

        world = World.create(wrap_uow=wrap)
        alice = world.user("alice")
        task_id = world.core.tasks.create_task(alice, world.project(alice).id, title="t").id
        service = world.core.attachments
        upload = service.start_upload(service.authorize_upload(alice, task_id), filename="a.pdf")
        upload.write(PDF)
        flaky[0].armed = True
        with pytest.raises(errors.Unavailable):
            service.finish_upload(upload)
        assert ([], []) == blobs(world)
        assert 0 == service.count_attachments(alice, task_id)
        assert "attachment.uploaded" not in world.event_names()

    def test_failed_row_commit_and_failed_removal_leave_it_to_the_sweep(self) -> None:
        """If the blob cannot be removed either, its removal is recorded and a sweep
        removes it."""
        files = FlakyFiles()
        flaky: list[FlakyCommits] = []

        def wrap(store: InMemoryStore) -> FlakyCommits:
            flaky.append(FlakyCommits(store))
            return flaky[0]

        world = World.create(files=files, wrap_uow=wrap)
        alice = world.user("alice")
        task_id = world.core.tasks.create_task(alice, world.project(alice).id, title="t").id
        service = world.core.attachments
        upload = service.start_upload(service.authorize_upload(alice, task_id), filename="a.pdf")
        upload.write(PDF)
        flaky[0].armed = True
        files.failing = True
        with pytest.raises(errors.Unavailable):
            service.finish_upload(upload)
        (key,) = files.keys()
        assert [key] == pending_removals(world)
        files.failing = False
        report = service.sweep_files()
        assert (1, 0, [], []) == (
            report.deletions_completed,
            report.deletions_pending,
            list(files.keys()),
            pending_removals(world),
        )

    def test_task_deleted_during_the_upload(self, world: World, team: Team) -> None:
        """An upload whose task is deleted before it finishes fails and leaves no file."""
        alice, bob, _, task_id = team
        service = world.core.attachments
        upload = service.start_upload(service.authorize_upload(bob, task_id), filename="a.pdf")
        upload.write(PDF)
        world.core.tasks.delete_task(alice, task_id)
        with pytest.raises(errors.TaskNotFound):
            service.finish_upload(upload)
        assert ([], []) == blobs(world)

    def test_member_removed_during_the_upload(self, world: World, team: Team) -> None:
        """Access is checked again when the row is stored."""
        alice, bob, _, task_id = team
        service = world.core.attachments
        upload = service.start_upload(service.authorize_upload(bob, task_id), filename="a.pdf")
        upload.write(PDF)
        project_id = world.core.tasks.get_task(alice, task_id).project_id
        world.core.projects.remove_member(alice, project_id, bob.user_id)
        with pytest.raises(errors.TaskNotFound):
            service.finish_upload(upload)
        assert ([], []) == blobs(world)

    def test_without_a_file_store(self) -> None:
        """A taskcore built without a file store refuses uploads as unavailable."""
        world = World.create(files=NoFileStore())
        alice = world.user("alice")
        task_id = world.core.tasks.create_task(alice, world.project(alice).id, title="t").id
        with pytest.raises(errors.Unavailable):
            world.core.attachments.upload_attachment(
                alice, task_id, filename="a.txt", content=[b"x"]
            )


class TestReading:
    def test_list_newest_first_with_pages_and_cursors(self, world: World, team: Team) -> None:
        """A task's attachments come newest first, by numbered page or by cursor."""
        alice, bob, carol, task_id = team
        ids = []
        for i in range(5):
            world.clock.advance(minutes=1)
            view = world.core.attachments.upload_attachment(
                bob, task_id, filename=f"f{i}.txt", content=[b"x"]
            )
            ids.append(view.id)
        newest = list(reversed(ids))
        page = world.core.attachments.list_attachments(carol, task_id, page=PageRequest(per_page=2))
        assert (newest[:2], 5) == ([a.id for a in page.items], page.total)
        seen: list[int] = []
        cursor: str | None = None
        while True:
            part = world.core.attachments.list_attachments(
                alice, task_id, page=CursorRequest(after=cursor, per_page=2)
            )
            seen += [a.id for a in part.items]
            cursor = part.next_cursor
            if cursor is None:
                break
        assert newest == seen
        assert 5 == world.core.attachments.count_attachments(carol, task_id)

    def test_outsiders_see_nothing(self, world: World, team: Team) -> None:
        """Non-members are told the task or attachment does not exist."""
        _, bob, _, task_id = team
        view = world.core.attachments.upload_attachment(bob, task_id, filename="a.txt", content=[])
        mallory = world.user("mallory")
        with pytest.raises(errors.TaskNotFound):
            world.core.attachments.list_attachments(mallory, task_id)
        with pytest.raises(errors.TaskNotFound):
            world.core.attachments.count_attachments(mallory, task_id)
        for call in (world.core.attachments.get_attachment, world.core.attachments.open_download):
            with pytest.raises(errors.AttachmentNotFound) as caught:
                call(mallory, view.id)
            assert "Attachment not found" == caught.value.message

    def test_download_streams_ranges_and_records_it(self, world: World, team: Team) -> None:
        """Viewers may download, whole or a byte range; each download is an event."""
        _, bob, carol, task_id = team
        view = world.core.attachments.upload_attachment(
            bob, task_id, filename="a.pdf", content=[PDF]
        )
        whole = world.core.attachments.open_download(carol, view.id)
        part = world.core.attachments.open_download(carol, view.id, start=2, end=7)
        assert PDF == b"".join(whole.chunks)
        assert (PDF[2:7], 2, 7) == (b"".join(part.chunks), part.start, part.end)
        downloads = [e for e in world.events() if e.name == "attachment.downloaded"]
        assert [carol.user_id] * 2 == [e.actor_id for e in downloads]
        assert {"filename": "a.pdf", "task_id": task_id, "file_size": len(PDF)}.items() <= (
            downloads[0].details.items()
        )

    def test_missing_blob(self, world: World, team: Team) -> None:
        """A row whose blob is gone answers 'File not found on server' and records nothing."""
        _, bob, _, task_id = team
        view = world.core.attachments.upload_attachment(
            bob, task_id, filename="a.pdf", content=[PDF]
        )
        world.files.delete(view.blob_key)
        before = world.event_names()
        with pytest.raises(errors.BlobNotFound) as caught:
            world.core.attachments.open_download(bob, view.id)
        assert "File not found on server" == caught.value.message
        assert before == world.event_names()

    def test_stats_for_administrators(self, world: World, team: Team) -> None:
        """Statistics count and size every attachment, by extension and by type."""
        _, bob, _, task_id = team
        for name, data in (("a.pdf", PDF), ("b.PDF", PDF), ("c.txt", b"hello"), ("d.jpg", b"")):
            content = [b"\xff\xd8\xff"] if name == "d.jpg" else [data]
            world.core.attachments.upload_attachment(bob, task_id, filename=name, content=content)
        with pytest.raises(errors.AdminRequired):
            world.core.attachments.stats(bob)
        stats = world.core.attachments.stats(world.user("root", admin=True))
        assert (4, 2 * len(PDF) + 5 + 3) == (stats.total_count, stats.total_size)
        assert [("pdf", 2, 2 * len(PDF)), ("txt", 1, 5), ("jpg", 1, 3)] == [
            (t.value, t.count, t.total_size) for t in stats.by_extension
        ]
        assert ["application/pdf", "text/plain", "image/jpeg"] == [
            t.value for t in stats.by_media_type
        ]


class TestDelete:
    def test_uploader_owner_and_admin_may_delete(self, world: World, team: Team) -> None:
        """The uploader, a project owner and an administrator may delete; the row, the
        blob and the recorded removal are all gone afterwards."""
        alice, bob, _, task_id = team
        root = world.user("root", admin=True)
        for who in (bob, alice, root):
            view = world.core.attachments.upload_attachment(
                bob, task_id, filename="a.txt", content=[b"x"]
            )
            world.core.attachments.delete_attachment(who, view.id)
            with pytest.raises(errors.AttachmentNotFound):
                world.core.attachments.get_attachment(bob, view.id)
        assert ([], []) == blobs(world)
        assert [] == pending_removals(world)
        deleted = [e for e in world.events() if isinstance(e, AttachmentDeleted)]
        assert [bob.user_id, alice.user_id, root.user_id] == [e.actor_id for e in deleted]
        assert [False] * 3 == [e.details["with_task"] for e in deleted]

    def test_others_may_not_delete(self, world: World, team: Team) -> None:
        """Another member and a viewer get 403; an outsider is told it does not exist."""
        alice, bob, carol, task_id = team
        dave = world.user("dave")
        project_id = world.core.tasks.get_task(alice, task_id).project_id
        world.join(alice, project_id, dave)
        view = world.core.attachments.upload_attachment(bob, task_id, filename="a.txt", content=[])
        for who in (dave, carol):
            with pytest.raises(errors.PermissionDenied) as caught:
                world.core.attachments.delete_attachment(who, view.id)
            assert "You do not have permission to delete this attachment" == caught.value.message
        with pytest.raises(errors.AttachmentNotFound):
            world.core.attachments.delete_attachment(world.user("mallory"), view.id)
        assert [view.blob_key] == list(world.files.keys())

    def test_uploader_demoted_to_viewer_may_not_delete(self, world: World, team: Team) -> None:
        """An uploader may delete only while they may still write in the project."""
        alice, bob, _, task_id = team
        view = world.core.attachments.upload_attachment(bob, task_id, filename="a.txt", content=[])
        project_id = world.core.tasks.get_task(alice, task_id).project_id
        world.core.projects.change_member_role(alice, project_id, bob.user_id, role="viewer")
        with pytest.raises(errors.PermissionDenied):
            world.core.attachments.delete_attachment(bob, view.id)

    def test_failed_blob_removal_is_recorded_and_swept(self) -> None:
        """When the store cannot remove the blob, the row is still deleted, the removal
        stays recorded with the error, and a later sweep completes it."""
        files = FlakyFiles()
        world = World.create(files=files)
        alice = world.user("alice")
        task_id = world.core.tasks.create_task(alice, world.project(alice).id, title="t").id
        view = world.core.attachments.upload_attachment(
            alice, task_id, filename="a.txt", content=[b"x"]
        )
        files.failing = True
        world.core.attachments.delete_attachment(alice, view.id)
        with world.store() as uow:
            (pending,) = uow.blob_deletions.pending(10)
        assert (view.blob_key, 1) == (pending.blob_key, pending.attempts)
        assert "Unavailable" in (pending.last_error or "")
        assert [view.blob_key] == list(files.keys())
        assert 0 == world.core.attachments.count_attachments(alice, task_id)
        report = world.core.attachments.sweep_files()
        assert (0, 1) == (report.deletions_completed, report.deletions_pending)
        files.failing = False
        report = world.core.attachments.sweep_files()
        assert (1, 0, []) == (
            report.deletions_completed,
            report.deletions_pending,
            list(files.keys()),
        )

    def test_bulk_delete(self, world: World, team: Team) -> None:
        """Administrators delete every attachment of the given tasks, with their files."""
        alice, bob, _, task_id = team
        project_id = world.core.tasks.get_task(alice, task_id).project_id
        other = world.core.tasks.create_task(alice, project_id, title="u").id
        kept = world.core.tasks.create_task(alice, project_id, title="v").id
        for target in (task_id, task_id, other, kept):
            world.core.attachments.upload_attachment(bob, target, filename="a.txt", content=[])
        root = world.user("root", admin=True)
        with pytest.raises(errors.AdminRequired):
            world.core.attachments.bulk_delete(alice, [task_id])
        empties: list[list[int] | None] = [None, []]
        for empty in empties:
            with pytest.raises(errors.ValidationError) as caught:
                world.core.attachments.bulk_delete(root, empty)
            assert "No task IDs provided" == caught.value.message
        result = world.core.attachments.bulk_delete(root, [task_id, other, 2**40])
        assert (3, 3) == (result.deleted_count, result.deleted_files)
        assert 1 == len(list(world.files.keys()))
        assert 1 == world.core.attachments.count_attachments(alice, kept)
        deleted = [e for e in world.events() if isinstance(e, AttachmentDeleted)]
        assert {project_id} == {e.details["project_id"] for e in deleted}


class TestCascade:
    def test_task_deletion_removes_its_attachments_and_files(
        self, world: World, team: Team
    ) -> None:
        """Deleting a task deletes its attachments in the same transaction and then their
        files; other tasks' attachments stay."""
        alice, bob, _, task_id = team
        project_id = world.core.tasks.get_task(alice, task_id).project_id
        other = world.core.tasks.create_task(alice, project_id, title="u").id
        gone = [
            world.core.attachments.upload_attachment(bob, task_id, filename=f"{i}.txt", content=[])
            for i in range(2)
        ]
        kept = world.core.attachments.upload_attachment(bob, other, filename="k.txt", content=[])
        world.core.tasks.delete_task(alice, task_id)
        assert [kept.blob_key] == list(world.files.keys())
        assert [] == pending_removals(world)
        names = world.event_names()
        assert ["task.deleted", "attachment.deleted", "attachment.deleted"] == names[-3:]
        deleted = [e for e in world.events() if isinstance(e, AttachmentDeleted)]
        assert [(a.id, True, project_id, alice.user_id) for a in gone] == [
            (e.entity_id, e.details["with_task"], e.details["project_id"], e.actor_id)
            for e in deleted
        ]

    def test_project_deletion_removes_every_attachment(self, world: World, team: Team) -> None:
        """Deleting a project deletes the attachments of all its tasks, and no others."""
        alice, bob, _, task_id = team
        project_id = world.core.tasks.get_task(alice, task_id).project_id
        second = world.core.tasks.create_task(alice, project_id, title="u").id
        elsewhere = world.project(alice, name="Gemini")
        foreign = world.core.tasks.create_task(alice, elsewhere.id, title="w").id
        for target in (task_id, second, second):
            world.core.attachments.upload_attachment(bob, target, filename="a.txt", content=[])
        kept = world.core.attachments.upload_attachment(
            alice, foreign, filename="k.txt", content=[]
        )
        world.core.projects.delete_project(alice, project_id)
        assert [kept.blob_key] == list(world.files.keys())
        deleted = [e for e in world.events() if isinstance(e, AttachmentDeleted)]
        assert 3 == len(deleted)
        assert {project_id} == {e.details["project_id"] for e in deleted}

    def test_cascade_with_a_failing_store_is_finished_by_the_sweep(self) -> None:
        """When the files cannot be removed, the task is deleted anyway and the removals
        stay recorded until a sweep completes them."""
        files = FlakyFiles()
        world = World.create(files=files)
        alice = world.user("alice")
        task_id = world.core.tasks.create_task(alice, world.project(alice).id, title="t").id
        view = world.core.attachments.upload_attachment(
            alice, task_id, filename="a.txt", content=[b"x"]
        )
        files.failing = True
        world.core.tasks.delete_task(alice, task_id)
        assert [view.blob_key] == pending_removals(world)
        files.failing = False
        assert 1 == world.core.attachments.sweep_files().deletions_completed
        assert [] == list(files.keys())

    def test_refused_task_deletion_keeps_everything(self, world: World, team: Team) -> None:
        """A task deletion that fails (a stale version) removes no attachment or file."""
        alice, bob, _, task_id = team
        view = world.core.attachments.upload_attachment(bob, task_id, filename="a.txt", content=[])
        with pytest.raises(errors.VersionMismatch):
            world.core.tasks.delete_task(alice, task_id, expected_version=99)
        assert [view.blob_key] == list(world.files.keys())
        assert view == world.core.attachments.get_attachment(alice, view.id)


class TestSweep:
    def test_orphans_partials_and_missing_blobs(self, world: World, team: Team) -> None:
        """The sweep removes blobs without rows and unfinished uploads older than the grace
        period, leaves younger ones and keys it did not make, and reports rows whose blob
        is missing."""
        _, bob, _, task_id = team
        now = world.clock.now()
        old = now - dt.timedelta(hours=25)
        young = now - dt.timedelta(hours=1)

        def put(key: str, *, commit: bool = True) -> None:
            writer = world.files.open_writer(key)
            writer.write(b"data")
            if commit:
                writer.commit()

        orphan, fresh, partial, fresh_partial = (new_blob_key(t) for t in (old, young, old, young))
        put(orphan)
        put(fresh)
        put(partial, commit=False)
        put(fresh_partial, commit=False)
        put("imported/legacy-file")
        world.clock.advance(hours=-30)
        kept = world.core.attachments.upload_attachment(bob, task_id, filename="a.txt", content=[])
        lost = world.core.attachments.upload_attachment(bob, task_id, filename="b.txt", content=[])
        world.clock.advance(hours=30)
        world.files.delete(lost.blob_key)
        told: list[tuple[str, int]] = []
        report = world.core.attachments.sweep_files(
            grace=dt.timedelta(hours=24), progress=lambda step, done: told.append((step, done))
        )
        # Each step says how far it got: 4 blobs listed (the orphan, the young one, the
        # foreign file and the kept upload's), 2 unfinished uploads, 2 attachment rows.
        assert [
            ("removals", 0),
            ("files", 4),
            ("unfinished uploads", 2),
            ("attachments", 2),
        ] == told
        assert (
            [orphan],
            [partial],
            ["imported/legacy-file"],
            [lost.id],
            0,
        ) == (
            list(report.orphans_removed),
            list(report.partials_removed),
            list(report.unrecognised_keys),
            list(report.missing_blobs),
            report.failures,
        )
        assert sorted([fresh, kept.blob_key, "imported/legacy-file"]) == sorted(world.files.keys())
        assert [fresh_partial] == list(world.files.partial_keys())
        assert [] == list(world.core.attachments.sweep_files(check_rows=False).missing_blobs)

    def test_as_a_job(self, world: World) -> None:
        """The sweep runs as the job ``attachments.sweep_files`` with JSON arguments."""
        orphan = new_blob_key(world.clock.now() - dt.timedelta(hours=2))
        writer = world.files.open_writer(orphan)
        writer.commit()
        world.core.run_job(SWEEP_FILES.name, {"grace_seconds": 3 * 3600})
        assert [orphan] == list(world.files.keys())
        world.core.run_job(SWEEP_FILES.name, {"grace_seconds": 3600, "check_rows": False})
        assert [] == list(world.files.keys())
        with pytest.raises(ValueError, match="unknown job"):
            world.core.run_job("attachments.nothing", {})
