"""Who may see which project in memory: a user's own membership and their teams' grants
(the in-memory side of the SQL queries in ``taskcore_adapters.sql.access``)."""

from __future__ import annotations

from taskcore.domain.projects import Role
from taskcore.domain.teams import highest
from taskcore_adapters.memory.tables import Tables


def team_ids_of(tables: Tables, user_id: int) -> set[int]:
    """The teams ``user_id`` belongs to."""
    return {tid for (tid, uid) in tables.team_members if uid == user_id}


def role_in(tables: Tables, project_id: int, user_id: int) -> Role | None:
    """``user_id``'s effective role in the project: the highest of their membership and
    their teams' grants, or ``None``."""
    own = tables.members.get((project_id, user_id))
    teams = team_ids_of(tables, user_id)
    granted = [
        g.role for (pid, tid), g in tables.team_grants.items() if pid == project_id and tid in teams
    ]
    return highest([own.role if own else None, *granted])


def project_ids_of(tables: Tables, user_id: int) -> set[int]:
    """The projects ``user_id`` holds a role in, directly or through a team."""
    teams = team_ids_of(tables, user_id)
    own = {pid for (pid, uid) in tables.members if uid == user_id}
    return own | {pid for (pid, tid) in tables.team_grants if tid in teams}


def has_role(tables: Tables, project_id: int, user_id: int) -> bool:
    """Whether ``user_id`` holds any role in the project."""
    return role_in(tables, project_id, user_id) is not None
