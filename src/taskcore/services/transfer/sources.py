"""Which tasks an import made: the external ids of a source and the tasks they became."""

from __future__ import annotations

from collections.abc import Collection
from typing import Final

from taskcore.errors import ProjectNotFound
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.uow import Transactions

LOOKUP: Final = 500
"""External ids looked up per query."""


class ImportedTasks:
    """Reading what imports made.

    Args:
        transactions: Opens units of work.
    """

    def __init__(self, *, transactions: Transactions) -> None:
        self._tx = transactions

    def imported_tasks(
        self, actor: Actor, project_id: int, *, source: str, external_ids: Collection[str]
    ) -> dict[str, int]:
        """The tasks the imports of ``source`` made in a project, by external id (ids
        never imported are left out; the project's members and administrators).

        Raises:
            ProjectNotFound: no such project, or the caller may not see it.
        """
        wanted = sorted(set(external_ids))
        found: dict[str, int] = {}
        with self._tx(read_only=True) as work:
            uow = work.uow
            access.visible_role(uow.projects, actor, project_id, ProjectNotFound(project_id))
            for start in range(0, len(wanted), LOOKUP):
                batch = wanted[start : start + LOOKUP]
                found.update(uow.imports.sources(project_id, source, batch))
        return found
