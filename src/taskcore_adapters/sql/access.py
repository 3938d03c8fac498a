"""Who may see which project in SQL: a user's own membership and their teams' grants, in
one query.

Every access check and every listing of what a user may see goes through these pieces, so
a team's grant counts wherever a membership does, and removing a person from a team (or the
team from a project) takes the access away with the next statement: nothing is cached.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    CompoundSelect,
    Subquery,
    case,
    func,
    literal,
    select,
    union,
    union_all,
)

from taskcore.domain.teams import ROLE_RANKS
from taskcore_adapters.sql.tables import project_members, project_teams, team_members

UserRef = int | ColumnElement[Any]
"""A user id, or a bound parameter or column giving one."""


def _rank(role: ColumnElement[Any]) -> ColumnElement[int]:
    return case({r.value: rank for r, rank in ROLE_RANKS.items()}, value=role, else_=literal(0))


def role_of_rank(rank: ColumnElement[Any]) -> ColumnElement[str]:
    """The role named by a rank computed by :func:`roles_of` (``NULL`` for no role)."""
    return case({rank_: r.value for r, rank_ in ROLE_RANKS.items()}, value=rank)


def roles_of(user_id: UserRef, *, project_id: UserRef | None = None) -> Subquery:
    """A derived table of ``(project_id, rank)``: for each project the user holds a role
    in, the highest rank of their membership and their teams' grants (see
    :func:`role_of_rank`); only ``project_id`` when given."""
    direct = select(
        project_members.c.project_id.label("project_id"),
        _rank(project_members.c.role).label("rank"),
    ).where(project_members.c.user_id == user_id)
    granted = (
        select(project_teams.c.project_id, _rank(project_teams.c.role))
        .join(team_members, team_members.c.team_id == project_teams.c.team_id)
        .where(team_members.c.user_id == user_id)
    )
    if project_id is not None:
        direct = direct.where(project_members.c.project_id == project_id)
        granted = granted.where(project_teams.c.project_id == project_id)
    both = union_all(direct, granted).subquery("held")
    return (
        select(both.c.project_id, func.max(both.c.rank).label("rank"))
        .group_by(both.c.project_id)
        .subquery("roles")
    )


def visible_project_ids(user_id: UserRef) -> CompoundSelect[tuple[int]]:
    """The ids of the projects the user holds a role in, directly or through a team (for
    ``IN``)."""
    return union(
        select(project_members.c.project_id).where(project_members.c.user_id == user_id),
        select(project_teams.c.project_id)
        .join(team_members, team_members.c.team_id == project_teams.c.team_id)
        .where(team_members.c.user_id == user_id),
    )


def has_role(project_id: ColumnElement[Any], user_id: UserRef) -> ColumnElement[bool]:
    """Whether the user holds a role in the project (a condition on ``project_id``)."""
    return project_id.in_(visible_project_ids(user_id))


def role_column(project_id: ColumnElement[Any], user_id: UserRef) -> ColumnElement[str]:
    """The user's effective role in the project ``project_id`` (a column of the enclosing
    statement, e.g. a task's project), as a column of that statement (``NULL`` for none)."""
    direct = (
        select(_rank(project_members.c.role).label("rank"))
        .where(project_members.c.user_id == user_id, project_members.c.project_id == project_id)
        .correlate_except(project_members)
    )
    granted = (
        select(_rank(project_teams.c.role))
        .join(team_members, team_members.c.team_id == project_teams.c.team_id)
        .where(team_members.c.user_id == user_id, project_teams.c.project_id == project_id)
        .correlate_except(project_teams, team_members)
    )
    held = union_all(direct, granted).subquery("held")
    return role_of_rank(select(func.max(held.c.rank)).scalar_subquery())
