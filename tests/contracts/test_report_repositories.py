"""The report repository and the report read model, on every adapter.

The read model's figures are checked on a small known data set, and the in-memory and SQL
implementations are compared on random data: they must give identical figures.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import attrs
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from taskcore.domain.attachments import Attachment
from taskcore.domain.comments import Comment
from taskcore.domain.projects import Membership, Priority, Project, ProjectStatus, Role
from taskcore.domain.report_figures import (
    CycleTime,
    HourTotals,
    Period,
    StatusCounts,
    sort_workload,
)
from taskcore.domain.reports import Report, ReportCriteria, ReportStatus, ReportType
from taskcore.domain.tasks import Task, TaskStatus
from taskcore.domain.users import User
from taskcore.ports.uow import UnitOfWork, UnitOfWorkFactory
from taskcore_adapters.memory import InMemoryStore
from taskcore_adapters.sql import SqlAlchemyUnitOfWorkFactory

NOW = dt.datetime(2026, 3, 4, 9, 30, 15, 123456, tzinfo=dt.UTC)
"""A Wednesday."""


def add_user(uow: UnitOfWork, name: str, **changes: Any) -> int:
    user = User(
        username=name,
        email=f"{name}@example.com",
        password_hash="hash",
        full_name=None,
        created_at=NOW,
    )
    return uow.users.add(attrs.evolve(user, **changes)).key


def add_project(uow: UnitOfWork, owner: int, name: str = "Apollo", **changes: Any) -> int:
    project = Project(name=name, owner_id=owner, created_at=NOW, updated_at=NOW)
    project_id = uow.projects.add(attrs.evolve(project, **changes)).key
    uow.projects.add_member(
        Membership(project_id=project_id, user_id=owner, role=Role.OWNER, added_at=NOW)
    )
    return project_id


def add_task(uow: UnitOfWork, project_id: int, **changes: Any) -> int:
    task = Task(project_id=project_id, title="t", created_at=NOW, updated_at=NOW)
    return uow.tasks.add(attrs.evolve(task, **changes)).key


def add_comment(uow: UnitOfWork, task_id: int, author: int) -> None:
    uow.comments.add(
        Comment(task_id=task_id, author_id=author, content="c", created_at=NOW, updated_at=NOW)
    )


def add_attachment(uow: UnitOfWork, task_id: int, uploader: int, n: int, size: int) -> None:
    uow.attachments.add(
        Attachment(
            task_id=task_id,
            uploaded_by=uploader,
            filename=f"{n:032x}.pdf",
            original_filename=f"{n}.pdf",
            extension="pdf",
            file_size=size,
            mime_type="application/pdf",
            file_hash=f"{n:064x}",
            blob_key=f"2026/03/01/{n:032x}",
            created_at=NOW,
        )
    )


def new_report(user_id: int, **changes: Any) -> Report:
    report = Report(
        name="Weekly",
        type=ReportType.PROJECT,
        parameters={"project_id": 1},
        requested_by=user_id,
        created_at=NOW,
        expires_at=NOW + dt.timedelta(days=7),
    )
    return attrs.evolve(report, **changes)


class TestReportRepository:
    def test_round_trip(self, uow_factory: UnitOfWorkFactory) -> None:
        """A stored report reads back equal, its parameters and data as JSON."""
        with uow_factory() as uow:
            alice = add_user(uow, "alice")
            stored = uow.reports.add(new_report(alice))
            stored.complete({"summary": {"total": 3, "rate": 33.33}, "tasks": []}, NOW)
            uow.reports.update(stored)
            uow.commit()
        with uow_factory() as uow:
            found = uow.reports.get(stored.key)
        assert stored == found
        assert ReportStatus.COMPLETED == stored.status

    def test_missing_report_is_none(self, uow_factory: UnitOfWorkFactory) -> None:
        """An unknown id finds nothing."""
        with uow_factory() as uow:
            assert None is uow.reports.get(99)

    def test_find_is_newest_first_with_usernames_and_filters(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Listings are newest first, carry the requester's name, and filter by requester,
        type and status."""
        with uow_factory() as uow:
            alice, bob = add_user(uow, "alice"), add_user(uow, "bob")
            first = uow.reports.add(new_report(alice))
            second = uow.reports.add(
                new_report(bob, created_at=NOW + dt.timedelta(minutes=1), type=ReportType.SYSTEM)
            )
            third = uow.reports.add(
                new_report(
                    alice, created_at=NOW + dt.timedelta(minutes=2), status=ReportStatus.FAILED
                )
            )
            uow.commit()
        with uow_factory() as uow:
            everyone = uow.reports.find(ReportCriteria(), offset=0, limit=10)
            alices = uow.reports.find(ReportCriteria(requested_by=alice), offset=0, limit=10)
            systems = uow.reports.find(ReportCriteria(type=ReportType.SYSTEM), offset=0, limit=10)
            failed = uow.reports.count(ReportCriteria(status=ReportStatus.FAILED))
            second_page = uow.reports.find(ReportCriteria(), offset=1, limit=1)
        assert [third.key, second.key, first.key] == [v.report.key for v in everyone]
        assert ["alice", "bob", "alice"] == [v.requested_by_username for v in everyone]
        assert [third.key, first.key] == [v.report.key for v in alices]
        assert [second.key] == [v.report.key for v in systems]
        assert 1 == failed
        assert [second.key] == [v.report.key for v in second_page]

    def test_delete_and_delete_expired(self, uow_factory: UnitOfWorkFactory) -> None:
        """Deleting removes one report; purging removes exactly those expired before now."""
        with uow_factory() as uow:
            alice = add_user(uow, "alice")
            gone = uow.reports.add(new_report(alice, expires_at=NOW - dt.timedelta(seconds=1)))
            kept = uow.reports.add(new_report(alice, expires_at=NOW))
            deleted = uow.reports.add(new_report(alice))
            uow.reports.delete(deleted.key)
            purged = uow.reports.delete_expired(NOW)
            uow.commit()
        with uow_factory() as uow:
            left = [v.report.key for v in uow.reports.find(ReportCriteria(), offset=0, limit=9)]
        assert 1 == purged
        assert [kept.key] == left
        assert gone.key not in left


class TestReportQueries:
    def test_known_figures(self, uow_factory: UnitOfWorkFactory) -> None:
        """Each figure matches a hand-computed value on a small project."""
        day = dt.timedelta(days=1)
        with uow_factory() as uow:
            alice, bob, carol = (add_user(uow, n) for n in ("alice", "bob", "carol"))
            project = add_project(uow, alice)
            other = add_project(uow, carol, "Other", status=ProjectStatus.ARCHIVED)
            uow.projects.add_member(
                Membership(project_id=project, user_id=bob, role=Role.MEMBER, added_at=NOW)
            )
            overdue = add_task(
                uow, project, assignee_id=bob, estimated_hours=2.5, due_date=NOW - day
            )
            add_task(
                uow,
                project,
                assignee_id=bob,
                status=TaskStatus.COMPLETED,
                created_at=NOW - 3 * day,
                completed_at=NOW - day,
                estimated_hours=1.0,
                actual_hours=4.0,
                priority=Priority.HIGH,
            )
            add_task(
                uow,
                project,
                status=TaskStatus.COMPLETED,
                created_at=NOW - 2 * day,
                completed_at=NOW - dt.timedelta(hours=1),
            )
            add_task(uow, project, status=TaskStatus.IN_PROGRESS, estimated_hours=0.5)
            add_task(uow, other, assignee_id=bob, due_date=NOW - day)
            add_comment(uow, overdue, alice)
            add_comment(uow, overdue, bob)
            add_attachment(uow, overdue, bob, 1, 3 * 1024 * 1024)
            uow.commit()
        with uow_factory() as uow:
            q = uow.report_queries
            dashboard = q.dashboard(bob, NOW)
            counts = q.status_counts(project)
            totals = q.hour_totals(project)
            figures = q.project_figures(project)
            workload = sort_workload(q.workload(project))
            daily = q.throughput(project, period=Period.DAY, start=NOW - 7 * day, end=NOW + day)
            cycle = q.cycle_time(project, since=None)
            system = q.system()
        assert (1, 1, 1) == (dashboard.projects_total, dashboard.projects_active, dashboard.overdue)
        assert StatusCounts(pending=1, completed=1) == dashboard.tasks
        assert [overdue] == [t.id for t in dashboard.overdue_tasks]
        assert StatusCounts(pending=1, in_progress=1, completed=2) == counts
        assert counts == figures.tasks
        assert {"medium": 3, "high": 1} == dict(figures.priority_breakdown)
        assert (4.0, 4.0) == (figures.total_estimated_hours, figures.total_actual_hours)
        assert HourTotals(estimated=4.0, spent=4.0) == totals
        assert {overdue: 2} == dict(figures.task_comments)
        assert {overdue: 1} == dict(figures.task_attachments)
        assert [(bob, "bob", 1, 2.5), (None, None, 1, 0.5)] == [
            (w.assignee_id, w.username, w.open_tasks, w.estimated_hours) for w in workload
        ]
        assert {dt.date(2026, 3, 3): 1, dt.date(2026, 3, 4): 1} == {
            b.period_start: b.completed for b in daily
        }
        assert (
            CycleTime(
                count=2,
                total_seconds=2 * 86400 + 2 * 86400 - 3600,
                min_seconds=2 * 86400 - 3600,
                max_seconds=2 * 86400,
                percentiles={50: 2 * 86400 - 3600, 75: 2 * 86400, 90: 2 * 86400, 95: 2 * 86400},
            )
            == cycle
        )
        assert (3, 3, 0) == (system.users_total, system.users_active, system.admins)
        assert {"active": 1, "archived": 1} == dict(system.projects)
        assert (5, 1, 3 * 1024 * 1024) == (
            system.tasks.total,
            system.attachments,
            system.attachment_bytes,
        )

    def test_weeks_start_on_monday(self, uow_factory: UnitOfWorkFactory) -> None:
        """Weekly throughput buckets are named by their Monday, in UTC."""
        sunday = dt.datetime(2026, 3, 1, 23, 59, 59, 999999, tzinfo=dt.UTC)
        with uow_factory() as uow:
            alice = add_user(uow, "alice")
            project = add_project(uow, alice)
            for done in (sunday, sunday + dt.timedelta(microseconds=1), NOW):
                add_task(
                    uow,
                    project,
                    status=TaskStatus.COMPLETED,
                    created_at=done,
                    completed_at=done,
                )
            uow.commit()
        with uow_factory() as uow:
            weekly = uow.report_queries.throughput(
                project,
                period=Period.WEEK,
                start=NOW - dt.timedelta(days=30),
                end=NOW + dt.timedelta(days=1),
            )
        assert {dt.date(2026, 2, 23): 1, dt.date(2026, 3, 2): 2} == {
            b.period_start: b.completed for b in weekly
        }

    def test_empty_figures(self, uow_factory: UnitOfWorkFactory) -> None:
        """A project without tasks has zero figures and no percentiles."""
        with uow_factory() as uow:
            alice = add_user(uow, "alice")
            project = add_project(uow, alice)
            uow.commit()
        with uow_factory() as uow:
            q = uow.report_queries
            assert StatusCounts() == q.status_counts(project)
            assert HourTotals() == q.hour_totals(project)
            assert CycleTime(
                count=0, total_seconds=0, min_seconds=None, max_seconds=None, percentiles={}
            ) == q.cycle_time(project, since=None)
            assert [] == list(q.workload(project))
            assert 0.0 == q.project_figures(project).total_estimated_hours

    def test_hours_stored_beyond_the_bound_do_not_overflow_totals(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Hours stored before they were bounded (``1.7e308``, twice: the plain sum is
        infinite on SQLite and an error on PostgreSQL) count as 100,000 in every total."""
        with uow_factory() as uow:
            alice = add_user(uow, "alice")
            project = add_project(uow, alice)
            for _ in range(2):
                add_task(uow, project, estimated_hours=1.7e308, actual_hours=1.7e308)
            add_task(uow, project, estimated_hours=0.5)
            uow.commit()
        with uow_factory() as uow:
            q = uow.report_queries
            figures = q.project_figures(project)
            assert (200_000.5, 200_000.0) == (
                figures.total_estimated_hours,
                figures.total_actual_hours,
            )
            assert [200_000.5] == [w.estimated_hours for w in q.workload(project)]


# -- the memory and SQL read models agree on random data -------------------------------------

BASE = dt.datetime(2026, 1, 5, tzinfo=dt.UTC)
SPAN = 40 * 86400  # seconds of the window where timestamps fall

moments = st.builds(
    lambda s, us: BASE + dt.timedelta(seconds=s, microseconds=us),
    st.integers(0, SPAN),
    st.integers(0, 999_999),
)
quarter_hours = st.one_of(st.none(), st.integers(0, 400).map(lambda k: k * 0.25))


@st.composite
def task_specs(draw: st.DrawFn, users: int, projects: int) -> dict[str, Any]:
    status = draw(st.sampled_from(list(TaskStatus)))
    created = draw(moments)
    completed = None
    if status is TaskStatus.COMPLETED:
        completed = created + dt.timedelta(
            seconds=draw(st.integers(0, 20 * 86400)), microseconds=draw(st.integers(0, 999_999))
        )
    return {
        "project": draw(st.integers(0, projects - 1)),
        "assignee": draw(st.one_of(st.none(), st.integers(0, users - 1))),
        "status": status,
        "priority": draw(st.sampled_from(list(Priority))),
        "created_at": created,
        "completed_at": completed,
        "due_date": draw(st.one_of(st.none(), moments)),
        "estimated_hours": draw(quarter_hours),
        "actual_hours": draw(quarter_hours),
        "comments": draw(st.integers(0, 2)),
        "attachments": draw(st.integers(0, 1)),
    }


@st.composite
def worlds(draw: st.DrawFn) -> dict[str, Any]:
    users = draw(st.integers(1, 4))
    projects = draw(st.integers(1, 3))
    return {
        "users": [
            (draw(st.booleans()), draw(st.booleans())) for _ in range(users)
        ],  # (active, admin)
        "projects": [draw(st.sampled_from(list(ProjectStatus))) for _ in range(projects)],
        "members": draw(
            st.sets(st.tuples(st.integers(0, projects - 1), st.integers(0, users - 1)))
        ),
        "tasks": draw(st.lists(task_specs(users, projects), max_size=25)),
        "now": draw(moments),
        "since_days": draw(st.one_of(st.none(), st.integers(1, 30))),
    }


def load(uow_factory: UnitOfWorkFactory, world: dict[str, Any]) -> tuple[list[int], list[int]]:
    """Store a random world; returns the user ids and the project ids."""
    with uow_factory() as uow:
        users = [
            add_user(uow, f"user{i}", is_active=active, is_admin=admin)
            for i, (active, admin) in enumerate(world["users"])
        ]
        projects = []
        for i, status in enumerate(world["projects"]):
            project = Project(
                name=f"p{i}", owner_id=users[0], status=status, created_at=BASE, updated_at=BASE
            )
            projects.append(uow.projects.add(project).key)
        for p, u in sorted(world["members"]):
            uow.projects.add_member(
                Membership(
                    project_id=projects[p], user_id=users[u], role=Role.MEMBER, added_at=BASE
                )
            )
        n = 0
        for spec in world["tasks"]:
            task_id = add_task(
                uow,
                projects[spec["project"]],
                assignee_id=None if spec["assignee"] is None else users[spec["assignee"]],
                status=spec["status"],
                priority=spec["priority"],
                created_at=spec["created_at"],
                updated_at=spec["created_at"],
                completed_at=spec["completed_at"],
                due_date=spec["due_date"],
                estimated_hours=spec["estimated_hours"],
                actual_hours=spec["actual_hours"],
            )
            for _ in range(spec["comments"]):
                add_comment(uow, task_id, users[0])
            for _ in range(spec["attachments"]):
                n += 1
                add_attachment(uow, task_id, users[0], n, 1000 * n)
        uow.commit()
    return users, projects


def figures(
    uow_factory: UnitOfWorkFactory, world: dict[str, Any], users: list[int], projects: list[int]
) -> dict[str, Any]:
    """Every figure of a stored world, comparable across adapters."""
    now: dt.datetime = world["now"]
    since = None if world["since_days"] is None else now - dt.timedelta(days=world["since_days"])
    out: dict[str, Any] = {}
    with uow_factory() as uow:
        q = uow.report_queries
        out["system"] = q.system()
        for i, user in enumerate(users):
            out[f"dashboard{i}"] = q.dashboard(user, now)
        for i, project in enumerate(projects):
            out[f"counts{i}"] = q.status_counts(project)
            out[f"figures{i}"] = q.project_figures(project)
            out[f"workload{i}"] = sort_workload(q.workload(project))
            for period in Period:
                buckets = q.throughput(
                    project, period=period, start=BASE, end=BASE + dt.timedelta(seconds=SPAN)
                )
                out[f"throughput{i}{period}"] = sorted(buckets, key=lambda b: b.period_start)
            out[f"cycle{i}"] = q.cycle_time(project, since=since)
    return out


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds())
def test_memory_and_sql_figures_agree(
    engine: Engine, empty_database: Callable[[Engine], None], world: dict[str, Any]
) -> None:
    """On any data, the in-memory and SQL read models compute identical figures."""
    empty_database(engine)
    memory = InMemoryStore()
    sql = SqlAlchemyUnitOfWorkFactory(engine)
    expected = figures(memory, world, *load(memory, world))
    actual = figures(sql, world, *load(sql, world))
    assert expected == actual
