"""The teams service: one object with every use case of the area.

Each job lives in its own module and :class:`TeamService` joins them:

* :mod:`~taskcore.services.teams.lifecycle`: creating, reading, listing, renaming and
  deleting teams;
* :mod:`~taskcore.services.teams.members`: a team's members;
* :mod:`~taskcore.services.teams.grants`: the roles teams hold in projects.
"""

from __future__ import annotations

from taskcore.ports.clock import Clock
from taskcore.services.scopes import guarded
from taskcore.services.teams.grants import ProjectTeams
from taskcore.services.teams.lifecycle import TeamLifecycle
from taskcore.services.teams.members import TeamMembers
from taskcore.uow import Transactions


@guarded("tasks")
class TeamService(TeamLifecycle, TeamMembers, ProjectTeams):
    """Use cases of teams: their members and their roles in projects.

    Args:
        transactions: Opens units of work.
        clock: Source of the current time.
    """

    def __init__(self, *, transactions: Transactions, clock: Clock) -> None:
        self._tx = transactions
        self._clock = clock
