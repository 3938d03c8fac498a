"""Records the repository suites store: users, projects with their owner, tasks.

Helpers for tests of repository adapters, the public suites' own and yours.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs

from taskcore.domain.projects import Membership, Project, Role
from taskcore.domain.tasks import Task
from taskcore.domain.users import User
from taskcore.ports.uow import UnitOfWork, UnitOfWorkFactory

__all__ = [
    "NOW",
    "add_user",
    "add_users",
    "new_project",
    "new_task",
    "new_user",
    "stored_project",
]

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
"""The time of the records (microseconds included: adapters keep them)."""


def new_user(name: str = "alice", **changes: Any) -> User:
    """A user named ``name`` (``<name>@example.com``), not stored, with ``changes``."""
    user = User(
        username=name,
        email=f"{name.lower()}@example.com",
        password_hash="hash",  # noqa: S106 - a stand-in, never checked
        full_name=name.title(),
        created_at=NOW,
    )
    for key, value in changes.items():
        setattr(user, key, value)
    return user


def add_user(factory: UnitOfWorkFactory, user: User) -> User:
    """Store ``user`` in a unit of work of its own and commit."""
    with factory() as uow:
        stored = uow.users.add(user)
        uow.commit()
    return stored


def add_users(factory: UnitOfWorkFactory) -> list[int]:
    """Store three users, alice, Bob and carol; their ids in that order."""
    with factory() as uow:
        ids = [uow.users.add(new_user(name)).key for name in ("alice", "Bob", "carol")]
        uow.commit()
    return ids


def new_project(owner_id: int, *, at: dt.datetime = NOW, **changes: Any) -> Project:
    """A project named Apollo owned by ``owner_id``, not stored, with ``changes``."""
    project = Project(name="Apollo", owner_id=owner_id, created_at=at, updated_at=at)
    return attrs.evolve(project, **changes)


def new_task(project_id: int, *, at: dt.datetime = NOW, **changes: Any) -> Task:
    """A task of ``project_id``, not stored, with ``changes``."""
    task = Task(project_id=project_id, title="t", created_at=at, updated_at=at)
    return attrs.evolve(task, **changes)


def stored_project(uow: UnitOfWork, owner_id: int, **changes: Any) -> Project:
    """Store a project (see :func:`new_project`) with its owner as a member."""
    project = uow.projects.add(new_project(owner_id, **changes))
    uow.projects.add_member(
        Membership(project_id=project.key, user_id=owner_id, role=Role.OWNER, added_at=NOW)
    )
    return project
