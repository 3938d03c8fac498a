"""The events of teams: teams themselves, their members, and their roles in projects.
:mod:`taskcore.domain.events` registers them with the others.

A team's own events (entity: the team) reach the activity log and never leave it (no
project routes them to webhooks). A team's grant on a project is an event of the project
(entity: the project, with ``project_id``), routed like a membership change.
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from taskcore.domain.event_base import DETAILS_KEY, Change, DomainEvent

TEAM_ENTITY = "team"
"""The entity type of a team's own events."""


@attrs.frozen(kw_only=True)
class TeamCreated(DomainEvent):
    """A user created a team and became its first admin (``team_name`` stored as
    ``name``)."""

    name: ClassVar[str] = "team.created"
    entity_type: ClassVar[str] = TEAM_ENTITY
    action: ClassVar[str] = "create"

    team_id: int
    team_name: str = attrs.field(metadata={DETAILS_KEY: "name"})


@attrs.frozen(kw_only=True)
class TeamUpdated(DomainEvent):
    """A team's name or description changed (``changes``: old → new per field)."""

    name: ClassVar[str] = "team.updated"
    entity_type: ClassVar[str] = TEAM_ENTITY
    action: ClassVar[str] = "update"

    team_id: int
    changes: dict[str, Change]


@attrs.frozen(kw_only=True)
class TeamDeleted(DomainEvent):
    """A team was deleted with its memberships and its roles in projects."""

    name: ClassVar[str] = "team.deleted"
    entity_type: ClassVar[str] = TEAM_ENTITY
    action: ClassVar[str] = "delete"

    team_id: int
    team_name: str = attrs.field(metadata={DETAILS_KEY: "name"})


@attrs.frozen(kw_only=True)
class TeamMemberAdded(DomainEvent):
    """A user was added to a team with a team role (``admin`` or ``member``)."""

    name: ClassVar[str] = "team.member_added"
    entity_type: ClassVar[str] = TEAM_ENTITY
    action: ClassVar[str] = "add_member"

    team_id: int
    user_id: int
    role: str


@attrs.frozen(kw_only=True)
class TeamMemberRemoved(DomainEvent):
    """A user left or was removed from a team (and lost the project roles it gave)."""

    name: ClassVar[str] = "team.member_removed"
    entity_type: ClassVar[str] = TEAM_ENTITY
    action: ClassVar[str] = "remove_member"

    team_id: int
    user_id: int
    role: str


@attrs.frozen(kw_only=True)
class TeamMemberRoleChanged(DomainEvent):
    """A team member's team role changed (``changes``: role)."""

    name: ClassVar[str] = "team.member_role_changed"
    entity_type: ClassVar[str] = TEAM_ENTITY
    action: ClassVar[str] = "change_member_role"

    team_id: int
    user_id: int
    changes: dict[str, Change]


@attrs.frozen(kw_only=True)
class ProjectTeamAdded(DomainEvent):
    """A team was given a role in a project (entity: the project)."""

    name: ClassVar[str] = "project.team_added"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "add_team"

    project_id: int
    team_id: int
    team_name: str
    role: str


@attrs.frozen(kw_only=True)
class ProjectTeamRoleChanged(DomainEvent):
    """A team's role in a project changed (entity: the project; ``changes``: role)."""

    name: ClassVar[str] = "project.team_role_changed"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "change_team_role"

    project_id: int
    team_id: int
    changes: dict[str, Change]


@attrs.frozen(kw_only=True)
class ProjectTeamRemoved(DomainEvent):
    """A team's role in a project was taken away (entity: the project)."""

    name: ClassVar[str] = "project.team_removed"
    entity_type: ClassVar[str] = "project"
    action: ClassVar[str] = "remove_team"

    project_id: int
    team_id: int
    role: str


TEAM_EVENT_TYPES: tuple[type[DomainEvent], ...] = (
    TeamCreated,
    TeamUpdated,
    TeamDeleted,
    TeamMemberAdded,
    TeamMemberRemoved,
    TeamMemberRoleChanged,
    ProjectTeamAdded,
    ProjectTeamRoleChanged,
    ProjectTeamRemoved,
)
"""Every concrete event class of teams."""
