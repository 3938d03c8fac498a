"""Properties of projects, tasks and comments under random operations by random users.

A model of the memberships predicts, for every operation, whether it must succeed or
which error it must raise. A refused operation must leave the store exactly as it was, so
no one outside a project can read or change anything in it; after every step each
project's task count and each task's ``completed_at`` are checked.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    MultipleResults,
    RuleBasedStateMachine,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
)

from taskcore import errors
from taskcore.domain.invitations import InvitationView
from taskcore.domain.pagination import PageRequest
from taskcore.domain.projects import Role
from taskcore.domain.tasks import TaskStatus
from taskcore.services.users import Principal
from taskcore_adapters.testing import World

T = TypeVar("T")

MAX_PROJECTS, MAX_TASKS, MAX_COMMENTS = 4, 10, 10
"""How many of each a run creates at most."""

MISSING_ID = 1_000
"""An id that never exists."""

USERS = st.integers(min_value=0, max_value=4)
"""Four ordinary users and, at index 4, a system administrator."""
ROLES = st.sampled_from([r.value for r in Role])
STATUSES = st.sampled_from(list(TaskStatus))


def _existing(ids: st.SearchStrategy[int]) -> st.SearchStrategy[int]:
    """Mostly ids made earlier in the run, sometimes one that never existed."""
    return st.one_of(ids, ids, ids, st.just(MISSING_ID))


class AccessMachine(RuleBasedStateMachine):
    """Random project, membership, task and comment operations against a model."""

    projects = Bundle("projects")
    tasks_made = Bundle("tasks")
    comments_made = Bundle("comments")

    def __init__(self) -> None:
        super().__init__()
        self.world = World.create()
        self.users: list[Principal] = []
        self.roles: dict[int, dict[int, Role]] = {}
        self.tasks: dict[int, tuple[int, int | None]] = {}
        self.comments: dict[int, tuple[int, int]] = {}
        self.created = {"projects": 0, "tasks": 0, "comments": 0}

    @initialize(target=projects)
    def populate(self) -> MultipleResults[int]:
        """Five users; two projects with an owner, a member and a viewer."""
        self.users = [self.world.user(f"user{i}") for i in range(4)]
        self.users.append(self.world.user("root", admin=True))
        made: list[int] = []
        for owner, member, viewer in ((0, 1, 2), (1, 3, 0)):
            project = self.world.core.projects.create_project(self.users[owner], name="seed")
            self.roles[project.id] = {self.users[owner].user_id: Role.OWNER}
            for whom, role in ((member, Role.MEMBER), (viewer, Role.VIEWER)):
                user_id = self.users[whom].user_id
                self.world.join(self.users[owner], project.id, self.users[whom], role=role.value)
                self.roles[project.id][user_id] = role
            made.append(project.id)
        self.created["projects"] = len(made)
        return multiple(*made)

    @initialize(target=tasks_made)
    def populate_tasks(self) -> MultipleResults[int]:
        """Two tasks in each seeded project, one assigned to its member."""
        made: list[int] = []
        for project_id, roles in self.roles.items():
            owner = next(u for u in self.users if roles.get(u.user_id) is Role.OWNER)
            member = next(u for u in self.users if roles.get(u.user_id) is Role.MEMBER)
            for assignee in (None, member.user_id):
                task = self.world.core.tasks.create_task(
                    owner, project_id, title="seed", assignee_id=assignee
                )
                self.tasks[task.id] = (project_id, assignee)
                made.append(task.id)
        self.created["tasks"] = len(made)
        return multiple(*made)

    # -- the model ------------------------------------------------------------------------

    def actor(self, data: st.DataObject, project_id: int) -> Principal:
        """A random user; three times in four one of the project's members, if any."""
        members = [u for u in self.users if u.user_id in self.roles.get(project_id, {})]
        odds: int = data.draw(st.integers(min_value=0, max_value=3), label="odds")
        if members and odds > 0:
            return data.draw(st.sampled_from(members), label="actor")
        return self.users[data.draw(USERS, label="actor")]

    def project_of(self, task_id: int) -> int:
        return self.tasks.get(task_id, (MISSING_ID, None))[0]

    def role(self, user: Principal, project_id: int) -> Role | None:
        return self.roles.get(project_id, {}).get(user.user_id)

    def visible(self, user: Principal, project_id: int) -> bool:
        return project_id in self.roles and (
            user.is_admin or self.role(user, project_id) is not None
        )

    def writer(self, user: Principal, project_id: int) -> bool:
        role = self.role(user, project_id)
        return user.is_admin or (role is not None and role.can_write)

    def manager(self, user: Principal, project_id: int) -> bool:
        return user.is_admin or self.role(user, project_id) is Role.OWNER

    def attempt(
        self, expected: type[errors.TaskcoreError] | None, call: Callable[[], T]
    ) -> T | None:
        """Run ``call``; it must succeed, or raise ``expected`` and change nothing."""
        if expected is None:
            return call()
        before = self.world.store.snapshot()
        with pytest.raises(expected):
            call()
        assert before == self.world.store.snapshot()
        return None

    # -- projects and membership ----------------------------------------------------------

    @precondition(lambda self: self.created["projects"] < MAX_PROJECTS)
    @rule(target=projects, who=USERS)
    def create_project(self, who: int) -> int:
        self.created["projects"] += 1
        user = self.users[who]
        project = self.world.core.projects.create_project(user, name=f"p-{who}")
        self.roles[project.id] = {user.user_id: Role.OWNER}
        return project.id

    @rule(data=st.data(), project_id=_existing(projects), whom=USERS, role=ROLES)
    def add_member(self, data: st.DataObject, project_id: int, whom: int, role: str) -> None:
        user, target = self.actor(data, project_id), self.users[whom]
        expected: type[errors.TaskcoreError] | None = None
        if not self.visible(user, project_id):
            expected = errors.ProjectNotFound
        elif not self.manager(user, project_id):
            expected = errors.ProjectRoleRequired
        elif self.role(target, project_id) is not None:
            expected = errors.MemberAlreadyExists

        def add() -> None:
            """Owners invite and the user accepts; administrators add directly."""
            done = self.world.core.projects.add_or_invite(
                user, project_id, user_id=target.user_id, role=role
            )
            if isinstance(done, InvitationView):
                self.world.core.projects.accept_invitation(target, done.id)

        self.attempt(expected, add)
        if expected is None:
            self.roles[project_id][target.user_id] = Role(role)

    @rule(data=st.data(), project_id=_existing(projects), whom=USERS, role=ROLES)
    def change_role(self, data: st.DataObject, project_id: int, whom: int, role: str) -> None:
        user, target = self.actor(data, project_id), self.users[whom]
        current = self.role(target, project_id)
        expected: type[errors.TaskcoreError] | None = None
        if not self.visible(user, project_id):
            expected = errors.ProjectNotFound
        elif not self.manager(user, project_id):
            expected = errors.ProjectRoleRequired
        elif current is None:
            expected = errors.MemberNotFound
        elif current is Role.OWNER and role != "owner" and self.owners(project_id) == 1:
            expected = errors.LastOwner
        self.attempt(
            expected,
            lambda: self.world.core.projects.change_member_role(
                user, project_id, target.user_id, role=role
            ),
        )
        if expected is None:
            self.roles[project_id][target.user_id] = Role(role)

    def owners(self, project_id: int) -> int:
        return sum(1 for r in self.roles[project_id].values() if r is Role.OWNER)

    @rule(data=st.data(), project_id=_existing(projects), whom=USERS)
    def remove_member(self, data: st.DataObject, project_id: int, whom: int) -> None:
        user, target = self.actor(data, project_id), self.users[whom]
        current = self.role(target, project_id)
        expected: type[errors.TaskcoreError] | None = None
        if not self.visible(user, project_id):
            expected = errors.ProjectNotFound
        elif user.user_id != target.user_id and not self.manager(user, project_id):
            expected = errors.ProjectRoleRequired
        elif current is None:
            expected = errors.MemberNotFound
        elif current is Role.OWNER and self.owners(project_id) == 1:
            expected = errors.LastOwner
        self.attempt(
            expected,
            lambda: self.world.core.projects.remove_member(user, project_id, target.user_id),
        )
        if expected is None:
            del self.roles[project_id][target.user_id]
            for task_id, (pid, assignee) in list(self.tasks.items()):
                if pid == project_id and assignee == target.user_id:
                    self.tasks[task_id] = (pid, None)

    @rule(data=st.data(), project_id=_existing(projects))
    def delete_project(self, data: st.DataObject, project_id: int) -> None:
        user = self.actor(data, project_id)
        expected: type[errors.TaskcoreError] | None = None
        if not self.visible(user, project_id):
            expected = errors.ProjectNotFound
        elif not self.manager(user, project_id):
            expected = errors.ProjectRoleRequired
        self.attempt(expected, lambda: self.world.core.projects.delete_project(user, project_id))
        if expected is None:
            del self.roles[project_id]
            gone = {t for t, (pid, _) in self.tasks.items() if pid == project_id}
            self.tasks = {t: v for t, v in self.tasks.items() if t not in gone}
            self.comments = {c: v for c, v in self.comments.items() if v[0] not in gone}

    # -- tasks ----------------------------------------------------------------------------

    @precondition(lambda self: self.created["tasks"] < MAX_TASKS)
    @rule(
        target=tasks_made,
        data=st.data(),
        project_id=_existing(projects),
        status=STATUSES,
        assignee=st.none() | USERS,
    )
    def create_task(
        self, data: st.DataObject, project_id: int, status: TaskStatus, assignee: int | None
    ) -> int | MultipleResults[int]:
        user = self.actor(data, project_id)
        assignee_id = None if assignee is None else self.users[assignee].user_id
        expected: type[errors.TaskcoreError] | None = None
        if not self.visible(user, project_id):
            expected = errors.ProjectNotFound
        elif not self.writer(user, project_id):
            expected = errors.ProjectRoleRequired
        elif assignee_id is not None and assignee_id not in self.roles[project_id]:
            expected = errors.ValidationError
        task = self.attempt(
            expected,
            lambda: self.world.core.tasks.create_task(
                user, project_id, title="t", status=status, assignee_id=assignee_id
            ),
        )
        if task is None:
            return multiple()
        self.created["tasks"] += 1
        self.tasks[task.id] = (project_id, assignee_id)
        return task.id

    def task_error(self, user: Principal, task_id: int) -> type[errors.TaskcoreError] | None:
        if task_id not in self.tasks or not self.visible(user, self.tasks[task_id][0]):
            return errors.TaskNotFound
        if not self.writer(user, self.tasks[task_id][0]):
            return errors.ProjectRoleRequired
        return None

    @rule(
        data=st.data(),
        task_id=_existing(tasks_made),
        status=STATUSES,
        assignee=st.none() | USERS,
    )
    def update_task(
        self, data: st.DataObject, task_id: int, status: TaskStatus, assignee: int | None
    ) -> None:
        user = self.actor(data, self.project_of(task_id))
        assignee_id = None if assignee is None else self.users[assignee].user_id
        expected = self.task_error(user, task_id)
        if (
            expected is None
            and assignee_id is not None
            and assignee_id not in self.roles[self.tasks[task_id][0]]
        ):
            expected = errors.ValidationError
        self.attempt(
            expected,
            lambda: self.world.core.tasks.update_task(
                user, task_id, status=status, assignee_id=assignee_id
            ),
        )
        if expected is None:
            self.tasks[task_id] = (self.tasks[task_id][0], assignee_id)

    @rule(data=st.data(), task_id=_existing(tasks_made))
    def delete_task(self, data: st.DataObject, task_id: int) -> None:
        user = self.actor(data, self.project_of(task_id))
        expected = self.task_error(user, task_id)
        self.attempt(expected, lambda: self.world.core.tasks.delete_task(user, task_id))
        if expected is None:
            del self.tasks[task_id]
            self.comments = {c: v for c, v in self.comments.items() if v[0] != task_id}

    # -- comments -------------------------------------------------------------------------

    @precondition(lambda self: self.created["comments"] < MAX_COMMENTS)
    @rule(target=comments_made, data=st.data(), task_id=_existing(tasks_made))
    def add_comment(self, data: st.DataObject, task_id: int) -> int | MultipleResults[int]:
        user = self.actor(data, self.project_of(task_id))
        expected = self.task_error(user, task_id)
        comment = self.attempt(
            expected,
            lambda: self.world.core.comments.add_comment(user, task_id, content="@user0 hi"),
        )
        if comment is None:
            return multiple()
        self.created["comments"] += 1
        self.comments[comment.id] = (task_id, user.user_id)
        return comment.id

    @rule(data=st.data(), comment_id=_existing(comments_made))
    def delete_comment(self, data: st.DataObject, comment_id: int) -> None:
        task_id = self.comments.get(comment_id, (MISSING_ID, 0))[0]
        user = self.actor(data, self.project_of(task_id))
        expected: type[errors.TaskcoreError] | None = None
        if comment_id not in self.comments:
            expected = errors.CommentNotFound
        else:
            task_id, author_id = self.comments[comment_id]
            project_id = self.tasks[task_id][0]
            author = author_id == user.user_id and self.writer(user, project_id)
            if not self.visible(user, project_id):
                expected = errors.CommentNotFound
            elif not (author or self.manager(user, project_id)):
                expected = errors.PermissionDenied
        self.attempt(expected, lambda: self.world.core.comments.delete_comment(user, comment_id))
        if expected is None:
            del self.comments[comment_id]

    # -- reads ----------------------------------------------------------------------------

    @rule(
        who=USERS,
        project_id=_existing(projects),
        task_id=_existing(tasks_made),
        comment_id=_existing(comments_made),
    )
    def read(self, who: int, project_id: int, task_id: int, comment_id: int) -> None:
        user = self.users[who]
        core = self.world.core
        if not self.visible(user, project_id):
            self.attempt(
                errors.ProjectNotFound, lambda: core.projects.get_project(user, project_id)
            )
            self.attempt(errors.ProjectNotFound, lambda: core.tasks.list_tasks(user, project_id))
            self.attempt(
                errors.ProjectNotFound, lambda: core.projects.list_members(user, project_id)
            )
        task_project = self.tasks.get(task_id, (0, None))[0]
        if not self.visible(user, task_project):
            self.attempt(errors.TaskNotFound, lambda: core.tasks.get_task(user, task_id))
            self.attempt(errors.TaskNotFound, lambda: core.comments.list_comments(user, task_id))
        if comment_id in self.comments:
            comment_project = self.tasks[self.comments[comment_id][0]][0]
            if not self.visible(user, comment_project):
                self.attempt(
                    errors.CommentNotFound, lambda: core.comments.get_comment(user, comment_id)
                )

    # -- invariants -----------------------------------------------------------------------

    @invariant()
    def listings_match_memberships(self) -> None:
        """Each user lists exactly the projects they belong to."""
        for user in self.users:
            listed = self.world.core.projects.list_projects(
                user, page=PageRequest(per_page=100)
            ).items
            expected = {p for p, roles in self.roles.items() if user.user_id in roles}
            assert expected == {p.id for p in listed}

    @invariant()
    def counts_and_completion_are_consistent(self) -> None:
        """Task counts match the tasks, completed_at is set exactly on completed tasks, and
        no comment outlives its task."""
        with self.world.store() as uow:
            for project_id in self.roles:
                view = uow.projects.view(project_id, viewer_id=0)
                expected = sum(1 for pid, _ in self.tasks.values() if pid == project_id)
                assert view is not None
                assert expected == view.task_count
            for task_id, (_, assignee) in self.tasks.items():
                task = uow.tasks.get(task_id)
                assert task is not None
                assert (task.status is TaskStatus.COMPLETED) == (task.completed_at is not None)
                assert assignee == task.assignee_id
            for comment_id in range(1, self.created["comments"] + 1):
                assert (comment_id in self.comments) == (uow.comments.get(comment_id) is not None)


AccessMachine.TestCase.settings = settings(stateful_step_count=30, deadline=None)
TestAccessProperties = AccessMachine.TestCase
