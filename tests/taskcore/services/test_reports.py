"""Use cases of the reporting area, on the in-memory adapters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import pytest

from taskcore import errors
from taskcore.domain.reports import ReportStatus
from taskcore.domain.tasks import TaskStatus
from taskcore.ports.jobs import JobSpec
from taskcore.services.users import Principal
from taskcore_adapters.testing import World


class HeldQueue:
    """Keeps report jobs until the test runs them; runs every other job at once."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.jobs: list[dict[str, Any]] = []

    def enqueue(
        self,
        spec: JobSpec,
        args: Mapping[str, Any],
        *,
        job_id: str | None = None,
        run_at: dt.datetime | None = None,
    ) -> bool:
        if spec.name == "reports.generate":
            self.jobs.append(dict(args))
        else:
            self.world.core.run_job(spec.name, args)
        return True

    def run(self) -> None:
        for args in self.jobs:
            self.world.core.run_job("reports.generate", args)


@pytest.fixture
def world() -> World:
    """A fresh in-memory taskcore."""
    return World.create()


@pytest.fixture
def held(world: World) -> HeldQueue:
    """Report jobs wait until :meth:`HeldQueue.run`."""
    queue = HeldQueue(world)
    world.core.jobs.use_queue(queue)
    return queue


class TestGeneration:
    def test_completed_report_expires_after_its_retention(self, world: World) -> None:
        """Project reports are kept 7 days from completion, system reports 6 hours."""
        alice, root = world.user("alice"), world.user("root", admin=True)
        project = world.project(alice)
        now = world.clock.now()

        report = world.core.reports.create_report(
            alice, name="r", report_type="project", parameters={"project_id": project.id}
        )
        system = world.core.reports.create_report(root, name="s", report_type="system")

        assert (ReportStatus.COMPLETED, now, now + dt.timedelta(days=7)) == (
            report.status,
            report.completed_at,
            report.expires_at,
        )
        assert now + dt.timedelta(hours=6) == system.expires_at

    def test_a_finished_report_is_not_generated_again(self, world: World) -> None:
        """Running the job again leaves a completed report as it was."""
        alice = world.user("alice")
        project = world.project(alice)
        report = world.core.reports.create_report(
            alice, name="r", report_type="project", parameters={"project_id": project.id}
        )
        world.clock.advance(hours=1)
        world.core.tasks.create_task(alice, project.id, title="late")

        world.core.run_job("reports.generate", {"report_id": report.key})

        assert report == world.core.reports.get_report(alice, report.key)

    def test_demoted_admin_gets_a_failed_system_report(self, world: World, held: HeldQueue) -> None:
        """An admin demoted before the job runs gets no system figures, and can no longer
        read the report."""
        root, other = world.user("root", admin=True), world.user("other", admin=True)
        report = world.core.reports.create_report(root, name="s", report_type="system")
        world.core.users.admin_update(other, root.user_id, is_admin=False)

        held.run()

        stored = world.core.reports.get_report(other, report.key)
        assert (ReportStatus.FAILED, "Admin privileges required for this report type") == (
            stored.status,
            stored.error,
        )
        demoted = Principal(user_id=root.user_id, username="root", is_admin=False)
        with pytest.raises(errors.ReportNotFound):
            world.core.reports.get_report(demoted, report.key)

    def test_deleted_project_fails_the_report(self, world: World, held: HeldQueue) -> None:
        """A project deleted before the job runs fails the report with a clear error."""
        alice = world.user("alice")
        project = world.project(alice)
        report = world.core.reports.create_report(
            alice, name="r", report_type="workload", parameters={"project_id": project.id}
        )
        world.core.projects.delete_project(alice, project.id)

        held.run()

        stored = world.core.reports.get_report(alice, report.key)
        assert (ReportStatus.FAILED, f"Project {project.id} no longer exists") == (
            stored.status,
            stored.error,
        )

    def test_job_without_a_report_id_does_nothing(self, world: World) -> None:
        """A malformed job is ignored rather than crashing the worker."""
        world.core.run_job("reports.generate", {"report_id": "1"})
        world.core.run_job("reports.generate", {"report_id": 42})


class TestGroupBy:
    def test_project_report_groups_by_a_custom_field(self, world: World) -> None:
        """``group_by: cf.<key>`` counts tasks and sums hours per value: a multi-select
        task in each of its options' groups, tasks without a value under ``null``."""
        alice = world.user("alice")
        project = world.project(alice)
        for key, kind in (("area", "multi_select"), ("size", "number")):
            world.core.tasks.define_field(
                alice,
                project.id,
                key=key,
                label=key,
                field_type=kind,
                options=["ui", "db"] if kind == "multi_select" else None,
            )
        tasks = world.core.tasks
        tasks.create_task(
            alice, project.id, title="a", estimated_hours=2, custom_fields={"area": ["ui", "db"]}
        )
        done = tasks.create_task(
            alice, project.id, title="b", estimated_hours=1, custom_fields={"area": ["ui"]}
        )
        tasks.update_task(alice, done.id, status=TaskStatus.COMPLETED)
        tasks.create_task(alice, project.id, title="c")
        params = {"project_id": project.id, "group_by": "cf.area"}
        report = world.core.reports.create_report(
            alice, name="r", report_type="project", parameters=params
        )
        assert report.data is not None
        assert "cf.area" == report.data["group_by"]
        assert [
            ("ui", 2, 1, 3.0),
            ("db", 1, 0, 2.0),
            (None, 1, 0, 0.0),
        ] == [
            (g["value"], g["tasks"], g["completed_tasks"], g["estimated_hours"])
            for g in report.data["groups"]
        ]

    def test_group_by_must_name_a_field_of_the_project(self, world: World) -> None:
        """A ``group_by`` that is not ``cf.<key>`` of one of the project's fields is a
        400 naming ``parameters.group_by``; nothing is stored."""
        alice = world.user("alice")
        project = world.project(alice)
        for group_by in ("status", "cf.missing", 7):
            with pytest.raises(errors.ValidationError) as refused:
                world.core.reports.create_report(
                    alice,
                    name="r",
                    report_type="project",
                    parameters={"project_id": project.id, "group_by": group_by},
                )
            assert "parameters.group_by" == refused.value.field
        assert 0 == world.core.reports.list_reports(alice).total


class TestAccess:
    def test_admin_sees_any_project_summary(self, world: World) -> None:
        """An administrator who is not a member may read a project's summary."""
        alice, root = world.user("alice"), world.user("root", admin=True)
        project = world.project(alice)
        summary = world.core.reports.project_summary(root, project.id)
        assert project.id == summary["project"]["id"]

    def test_viewer_may_request_reports(self, world: World) -> None:
        """Every member, viewers included, may request a report about the project."""
        alice, vera = world.user("alice"), world.user("vera")
        project = world.project(alice, viewers=[vera])
        report = world.core.reports.create_report(
            vera, name="r", report_type="cycle_time", parameters={"project_id": project.id}
        )
        assert ReportStatus.COMPLETED == report.status

    def test_unknown_filters_are_refused(self, world: World) -> None:
        """Listing with an unknown type or status names the field."""
        alice = world.user("alice")
        with pytest.raises(errors.ValidationError) as caught:
            world.core.reports.list_reports(alice, report_type="user")
        assert "report_type" == caught.value.field

    def test_expired_report_is_gone_then_purged(self, world: World) -> None:
        """After its retention a report answers expired, and the purge deletes it."""
        alice = world.user("alice")
        project = world.project(alice)
        report = world.core.reports.create_report(
            alice, name="r", report_type="project", parameters={"project_id": project.id}
        )
        world.clock.advance(days=8)

        with pytest.raises(errors.ReportExpired):
            world.core.reports.get_report(alice, report.key)
        assert 1 == world.core.reports.run_purge_job({})
        with pytest.raises(errors.ReportNotFound):
            world.core.reports.get_report(alice, report.key)
