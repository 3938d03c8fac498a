"""The teams area: teams of users, their members, and the roles teams hold in projects."""

from taskcore.services.teams.service import TeamService

__all__ = ["TeamService"]
