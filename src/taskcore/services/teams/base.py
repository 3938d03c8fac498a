"""What the parts of the teams service share: its collaborators and the checks of who may
see and manage a team."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Final, TypeVar

from taskcore.domain.events import TaskAssigned
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.teams import TeamRole, TeamView
from taskcore.errors import TeamNotFound, TeamRoleRequired
from taskcore.ports.clock import Clock
from taskcore.ports.uow import UnitOfWork
from taskcore.services.access import Actor
from taskcore.uow import Transactions, Work

T = TypeVar("T")

MANAGE_TEAM: Final = "Only team admins can manage the team"


class TeamsBase:
    """The collaborators every part of :class:`TeamService` uses (set by its
    ``__init__``)."""

    _tx: Transactions
    _clock: Clock


def visible_team(uow: UnitOfWork, actor: Actor, team_id: int) -> TeamView:
    """A team the caller may see: they belong to it, or are a system administrator.

    Raises:
        TeamNotFound: no such team, or the caller may not see it (ids reveal nothing).
    """
    view = uow.teams.view(team_id, viewer_id=actor.user_id)
    if view is None or (view.role is None and not actor.is_admin):
        raise TeamNotFound(team_id)
    return view


def can_manage_team(actor: Actor, view: TeamView) -> bool:
    """Whether the caller may rename, delete and staff the team (its admins and system
    administrators)."""
    return actor.is_admin or view.role is TeamRole.ADMIN


def require_team_admin(actor: Actor, view: TeamView) -> None:
    """Raise unless the caller may manage the team.

    Raises:
        TeamRoleRequired: the caller is a plain member of the team.
    """
    if not can_manage_team(actor, view):
        raise TeamRoleRequired(MANAGE_TEAM)


def release_lost(
    work: Work, actor: Actor, pairs: Iterable[tuple[int, int]], now: dt.datetime
) -> None:
    """After a change to teams in ``work``'s transaction: each user of ``pairs``
    (``(project_id, user_id)``) who no longer holds any role in the project is unassigned
    from its tasks and stops watching them, as a removed member is (one
    :class:`TaskAssigned` per task released)."""
    uow = work.uow
    for project_id, user_id in pairs:
        found = uow.projects.access(project_id, user_id)
        if found is None or found.role is not None:
            continue
        for task in uow.tasks.release_member(project_id, user_id, now):
            work.record(
                TaskAssigned(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=task.key,
                    entity_version=task.version,
                    project_id=project_id,
                    title=task.title,
                    old_assignee_id=user_id,
                    assignee_id=None,
                )
            )


def page_of(page: PageRequest, items: Sequence[T], total: int) -> Page[T]:
    """One numbered page of a listing."""
    return Page(items=items, page=page.page, per_page=page.per_page, total=total)
