"""Importing tasks, on the in-memory adapters: the run written chunk by chunk resumes
after a stop without losing or repeating rows, and a member who lost write access stops
it."""

from __future__ import annotations

import pytest

from taskcore.domain.import_mapping import RunStatus
from taskcore.domain.tasks import TaskCriteria, TaskOrder
from taskcore.errors import ValidationError
from taskcore.services.transfer import TransferService, importing
from taskcore.services.users import Principal
from taskcore_adapters.testing import World

HEADER = ("id", "title", "status")


def rows(count: int) -> list[tuple[int, dict[str, str]]]:
    return [(n + 2, {"id": f"T{n}", "title": f"Task {n}", "status": "todo"}) for n in range(count)]


@pytest.fixture
def world() -> World:
    return World.create()


@pytest.fixture
def service(world: World) -> TransferService:
    """The use cases without a job queue: the test runs the chunks itself."""
    return TransferService(transactions=world.core.transactions, clock=world.clock)


def titles(world: World, project_id: int) -> list[str]:
    with world.core.transactions(read_only=True) as work:
        found = work.uow.tasks.find(TaskCriteria(project_id=project_id), TaskOrder(), limit=1000)
    return sorted(t.title for t in found)


class TestChunks:
    def test_resumes_after_a_stop_without_loss_or_repeats(
        self, world: World, service: TransferService, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """Each chunk commits with the run's progress: after one chunk and a "crash", the
        job run again finishes the rest, and every row is there once."""
        monkeypatch.setattr(importing, "CHUNK", 4)
        alice = world.user("alice")
        project = world.project(alice)
        run = service.start_import(alice, project.id, source="csv", header=HEADER, rows=rows(10))
        assert service.write_chunk(run.key)
        assert 4 == service.get_import(alice, run.key).done
        with world.core.transactions(read_only=True) as work:  # the chunk dropped its rows
            left = work.uow.imports.rows(run.key, offset=0, limit=20)
        assert list(range(6, 12)) == [line for line, _ in left]
        service.run_import_job({"run_id": run.key})
        done = service.get_import(alice, run.key)
        assert (RunStatus.DONE, 10, 10, 0) == (done.status, done.done, done.created, done.updated)
        assert sorted(f"Task {n}" for n in range(10)) == titles(world, project.id)
        service.run_import_job({"run_id": run.key})
        assert 10 == len(titles(world, project.id))

    def test_a_writer_who_lost_access_stops_the_run(
        self, world: World, service: TransferService
    ) -> None:
        """A run whose starter is no longer a member ends failed, writing nothing."""
        alice, bob = world.user("alice"), world.user("bob")
        project = world.project(alice, members=[bob])
        run = service.start_import(bob, project.id, source="csv", header=HEADER, rows=rows(3))
        admin = Principal(user_id=alice.user_id, username="alice", is_admin=True)
        world.core.projects.remove_member(admin, project.id, bob.user_id)
        service.run_import_job({"run_id": run.key})
        failed = service.get_import(bob, run.key)
        assert (RunStatus.FAILED, 0) == (failed.status, failed.created)
        assert [] == titles(world, project.id)


class TestRefusals:
    def test_a_project_with_a_required_custom_field(
        self, world: World, service: TransferService
    ) -> None:
        """Imported tasks carry no custom-field values, so a project that requires one
        refuses the dry run and the run, naming the field."""
        alice = world.user("alice")
        project = world.project(alice)
        world.core.tasks.define_field(
            alice, project.id, key="size", label="Size", field_type="number", required=True
        )
        for attempt in (service.preview_import, service.start_import):
            with pytest.raises(ValidationError) as caught:
                attempt(alice, project.id, source="csv", header=HEADER, rows=rows(1))
            assert "custom_fields.size" == caught.value.field
