"""Team-given access on a real database: a role check is one statement, whatever the
number of teams a user belongs to and grants a project has."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event

from taskcore.app import Taskcore
from taskcore.domain.projects import Role
from taskcore.services.users import Principal


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def register(core: Taskcore, name: str) -> Principal:
    view = core.users.register(
        username=name, email=f"{name}@example.com", password="correct horse", full_name=name
    )
    return Principal(user_id=view.id, username=view.username, is_admin=False)


@pytest.mark.parametrize("teams", [1, 4])
def test_role_check_is_one_statement(core: Taskcore, engine: Engine, teams: int) -> None:
    owner, bob = register(core, "owner"), register(core, "bob")
    project = core.projects.create_project(owner, name="Apollo")
    for i in range(teams):
        team = core.teams.create_team(owner, name=f"team{i}")
        core.teams.add_team_member(owner, team.id, username="bob")
        role = "owner" if i == teams - 1 else "viewer"
        core.teams.add_project_team(owner, project.id, team_id=team.id, role=role)
    with core.transactions(read_only=True) as work, statements(engine) as seen:
        access = work.uow.projects.access(project.id, bob.user_id)
    assert access is not None
    assert access.role is Role.OWNER
    assert len([s for s in seen if s.lstrip().upper().startswith("SELECT")]) == 1
