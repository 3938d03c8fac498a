"""Teams: groups of users that can be given a role in projects at once.

Any user may create a team and becomes its first admin. A team's admins rename it, delete it
and manage its members; its members see it and may leave it. A team added to a project with
a :class:`~taskcore.domain.projects.Role` gives that role to each of its members: a user's
effective role in a project is the highest of their own membership and their teams' grants.
"""

from __future__ import annotations

import datetime as dt
import enum
import unicodedata
from collections.abc import Sequence
from typing import Final

import attrs

from taskcore.domain import validation
from taskcore.domain.projects import MemberView, Role, choose
from taskcore.errors import ValidationError

TEAM_NAME_MAX: Final = 100
"""Longest team name, in characters."""

TEAM_DESCRIPTION_MAX: Final = 2_000
"""Longest team description, in characters."""

ROLE_RANKS: Final[dict[Role, int]] = {Role.VIEWER: 1, Role.MEMBER: 2, Role.OWNER: 3}
"""How much each project role allows: the effective role is the one with the highest rank."""


class TeamRole(enum.StrEnum):
    """A user's role in a team: admins manage the team, members belong to it."""

    ADMIN = "admin"
    MEMBER = "member"


@attrs.define(kw_only=True)
class Team:
    """A named group of users; names are unique, compared case-insensitively."""

    id: int | None = None
    name: str
    description: str = ""
    created_by: int
    created_at: dt.datetime
    updated_at: dt.datetime

    @property
    def key(self) -> int:
        """The id of a stored team.

        Raises:
            ValueError: the team has not been stored yet.
        """
        if self.id is None:
            raise ValueError("team has no id yet")
        return self.id

    @property
    def name_key(self) -> str:
        """The name as uniqueness compares it (NFKC, case-folded)."""
        return team_name_key(self.name)


@attrs.frozen(kw_only=True)
class TeamView:
    """A team as a caller sees it: its number of members and the caller's team role
    (``None`` for a system administrator who is not a member)."""

    id: int
    name: str
    description: str
    created_by: int
    created_at: dt.datetime
    updated_at: dt.datetime
    member_count: int
    role: TeamRole | None


@attrs.frozen(kw_only=True)
class TeamCriteria:
    """Which teams a listing returns.

    Args:
        viewer_id: The caller, whose team role is reported on each team.
        member_id: Only teams this user belongs to; ``None`` for every team.
    """

    viewer_id: int
    member_id: int | None


@attrs.frozen(kw_only=True)
class TeamMembership:
    """A user's role in a team."""

    team_id: int
    user_id: int
    role: TeamRole
    added_at: dt.datetime


@attrs.frozen(kw_only=True)
class TeamMemberView:
    """A team member as listed: the membership plus the user's names."""

    team_id: int
    user_id: int
    username: str
    full_name: str | None
    role: TeamRole
    added_at: dt.datetime


@attrs.frozen(kw_only=True)
class TeamGrant:
    """A team's role in a project: every member of the team holds it there."""

    project_id: int
    team_id: int
    role: Role
    added_at: dt.datetime


@attrs.frozen(kw_only=True)
class TeamGrantView:
    """A team's role in a project as listed, with the team's name and size."""

    project_id: int
    team_id: int
    team_name: str
    member_count: int
    role: Role
    added_at: dt.datetime


def highest(roles: list[Role | None]) -> Role | None:
    """The role that allows most among ``roles`` (``None`` entries are no role)."""
    held = [r for r in roles if r is not None]
    return max(held, key=ROLE_RANKS.__getitem__) if held else None


def merge_members(found: Sequence[MemberView]) -> list[MemberView]:
    """One entry per user, by user id, from their own membership and their teams' grants:
    the highest role, and the earliest date of them."""
    by_user: dict[int, MemberView] = {}
    for member in sorted(found, key=lambda m: m.added_at):
        kept = by_user.get(member.user_id)
        if kept is None or ROLE_RANKS[member.role] > ROLE_RANKS[kept.role]:
            added = member.added_at if kept is None else kept.added_at
            by_user[member.user_id] = attrs.evolve(member, added_at=added)
    return [by_user[uid] for uid in sorted(by_user)]


def team_name_key(name: str) -> str:
    """The key team names are compared by: NFKC-normalised and case-folded."""
    return unicodedata.normalize("NFKC", name).casefold()


def check_team_name(name: object) -> str:
    """A team name, stripped.

    Raises:
        ValidationError: missing, blank, not text, longer than 100 characters or holding
            control characters (field ``name``).
    """
    if name is not None and not isinstance(name, str):
        raise ValidationError("name must be a string", field="name")
    text = validation.required_text(name, "name", message="Team name is required")
    validation.max_length(text, "name", TEAM_NAME_MAX)
    validation.no_control_characters(text, "name")
    return text


def check_team_description(description: object) -> str:
    """A team description, stripped (``None`` is none).

    Raises:
        ValidationError: not text or longer than 2,000 characters (field ``description``).
    """
    text = validation.clean_description(description)  # type: ignore[arg-type]
    validation.max_length(text, "description", TEAM_DESCRIPTION_MAX)
    return text


def check_team_role(value: object) -> TeamRole:
    """A team role from its name.

    Raises:
        ValidationError: ``Invalid role. Must be one of ['admin', 'member']`` (field
            ``role``).
    """
    return choose(TeamRole, value, what="role", field="role")
