"""Projects, tasks and comments on a real database: query counts, cascades, concurrency."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import attrs
import pytest
from sqlalchemy import Engine, delete, event, func, select

from taskcore import errors
from taskcore.app import Taskcore
from taskcore.domain.pagination import CursorRequest, PageRequest
from taskcore.domain.projects import Role
from taskcore.services.tasks import TaskFilters
from taskcore.services.users import Principal
from taskcore_adapters.sql.tables import (
    comments,
    project_members,
    projects,
    task_labels,
    task_watchers,
    tasks,
)


def register(core: Taskcore, name: str) -> Principal:
    view = core.users.register(
        username=name, email=f"{name}@example.com", password="correct horse", full_name=name
    )
    return Principal(user_id=view.id, username=view.username, is_admin=False)


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """Collect every SQL statement sent to the database inside the block."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


class TestStatementCounts:
    SIZES = (1, 5, 30)

    @pytest.fixture
    def data(self, core: Taskcore) -> tuple[Principal, int, int]:
        """Forty projects; the first with members, labelled and watched tasks, and
        comments by several authors (some mentioning members)."""
        users = [register(core, f"user{i}") for i in range(4)]
        owner = users[0]
        first = core.projects.create_project(owner, name="p0")
        setup = attrs.evolve(owner, is_admin=True)  # adds directly, without invitations
        for user in users[1:]:
            core.projects.add_member(setup, first.id, user_id=user.user_id)
        task_id = 0
        for i in range(40):
            task = core.tasks.create_task(
                owner,
                first.id,
                title=f"t{i}",
                labels=["bug", f"l{i % 3}"],
                watchers=[u.user_id for u in users[: 1 + i % 4]],
                assignee_id=owner.user_id,
                due_date=None if i % 5 == 0 else dt.date(2026, 2, 1 + i % 28),
            )
            task_id = task.id
        for i in range(40):
            author = users[i % 4]
            core.comments.add_comment(author, task_id, content=f"note {i} for @user{(i + 1) % 4}")
        for i in range(1, 40):
            project = core.projects.create_project(owner, name=f"p{i}")
            core.tasks.create_task(owner, project.id, title="x")
        # The mail the assignments and mentions queued is sent on the mail lane's threads;
        # let it finish so its statements are not counted against the list requests.
        assert core.jobs.drain(30), "the mail lane did not finish"
        return owner, first.id, task_id

    def costs(self, engine: Engine, request: Callable[[int], object]) -> list[int]:
        counts = []
        for size in self.SIZES:
            with statements(engine) as seen:
                request(size)
            counts.append(len(seen))
        return counts

    def test_constant_statements_per_list(
        self, engine: Engine, core: Taskcore, data: tuple[Principal, int, int]
    ) -> None:
        """Every list request costs the same few SQL statements whatever the page size."""
        owner, project_id, task_id = data
        requests: dict[str, Callable[[int], object]] = {
            "projects": lambda n: core.projects.list_projects(owner, page=PageRequest(per_page=n)),
            "projects by cursor": lambda n: core.projects.list_projects(
                owner, page=CursorRequest(per_page=n)
            ),
            "tasks": lambda n: core.tasks.list_tasks(
                owner, project_id, page=PageRequest(per_page=n)
            ),
            "tasks by cursor": lambda n: core.tasks.list_tasks(
                owner, project_id, page=CursorRequest(per_page=n)
            ),
            "tasks sorted by priority": lambda n: core.tasks.list_tasks(
                owner,
                project_id,
                filters=TaskFilters(sort="priority", label="bug", overdue=False),
                page=PageRequest(per_page=n),
            ),
            "my tasks": lambda n: core.tasks.list_my_tasks(owner, page=PageRequest(per_page=n)),
            "comments": lambda n: core.comments.list_comments(
                owner, task_id, page=PageRequest(per_page=n)
            ),
            "comments by cursor": lambda n: core.comments.list_comments(
                owner, task_id, page=CursorRequest(per_page=n)
            ),
            "members": lambda n: core.projects.list_members(
                owner, project_id, page=PageRequest(per_page=n)
            ),
        }
        costs = {name: self.costs(engine, request) for name, request in requests.items()}
        assert {name: [c[0]] * len(self.SIZES) for name, c in costs.items()} == costs
        assert all(c[0] <= 7 for c in costs.values()), costs

    def test_pages_carry_counts_and_names(
        self, core: Taskcore, data: tuple[Principal, int, int]
    ) -> None:
        """The batched reads fill task counts, labels, watchers, author names and mentions."""
        owner, project_id, task_id = data
        page = core.projects.list_projects(owner, page=PageRequest(per_page=50))
        counts = {p.id: p.task_count for p in page.items}
        assert (40, 40) == (len(counts), counts[project_id])
        assert {1} == {c for pid, c in counts.items() if pid != project_id}
        task = core.tasks.get_task(owner, task_id)
        assert (("bug", "l0"), 4) == (task.labels, len(task.watchers))
        comment = core.comments.list_comments(owner, task_id).items[1]
        assert ("user1", ("user2",)) == (comment.author_name, comment.mentions)


class TestCascades:
    def test_deleting_a_project_row_cascades(self, engine: Engine, core: Taskcore) -> None:
        """The foreign keys remove a project's members, tasks, labels, watchers and comments."""
        alice = register(core, "alice")
        project = core.projects.create_project(alice, name="p")
        task = core.tasks.create_task(
            alice, project.id, title="t", labels=["x"], watchers=[alice.user_id]
        )
        core.comments.add_comment(alice, task.id, content="c")
        with engine.begin() as conn:
            conn.execute(delete(projects).where(projects.c.id == project.id))
        with engine.connect() as conn:
            left = [
                conn.execute(select(func.count()).select_from(table)).scalar_one()
                for table in (project_members, tasks, task_labels, task_watchers, comments)
            ]
        assert [0, 0, 0, 0, 0] == left


class TestConcurrency:
    def test_two_owners_demoting_each_other_keep_one(self, core: Taskcore) -> None:
        """When two owners demote each other at the same time, one owner always remains."""
        alice, bob = register(core, "alice"), register(core, "bob")
        root = Principal(user_id=alice.user_id, username="alice", is_admin=True)

        def demote(actor: Principal, target: Principal, project_id: int, go: Any) -> str:
            go.wait()
            try:
                core.projects.change_member_role(actor, project_id, target.user_id, role="member")
            except errors.LastOwner:
                return "refused"
            except errors.ProjectRoleRequired:
                return "no longer an owner"
            return "done"

        for _ in range(5):
            project = core.projects.create_project(alice, name="p")
            core.projects.add_member(
                attrs.evolve(alice, is_admin=True), project.id, user_id=bob.user_id, role="owner"
            )
            go = threading.Barrier(2)
            with ThreadPoolExecutor(max_workers=2) as pool:
                outcomes = list(
                    pool.map(demote, (alice, bob), (bob, alice), (project.id,) * 2, (go, go))
                )
            listed = core.projects.list_members(root, project.id).items
            assert 1 == sum(1 for m in listed if m.role is Role.OWNER)
            assert "done" in outcomes
