"""The tasks service: one object with every use case of the area.

Each job lives in its own module and :class:`TaskService` joins them:

* :mod:`~taskcore.services.tasks.creating`: creating a task;
* :mod:`~taskcore.services.tasks.importing`: creating many tasks at once;
* :mod:`~taskcore.services.tasks.reading`: one task, a project's and the caller's tasks;
* :mod:`~taskcore.services.tasks.editing`: changing fields, status, position, watchers;
* :mod:`~taskcore.services.tasks.moving`: moving a task to another project;
* :mod:`~taskcore.services.tasks.deletion`: deleting a task (and its subtasks);
* :mod:`~taskcore.services.tasks.relations`: relations between tasks;
* :mod:`~taskcore.services.tasks.custom_fields`: custom-field definitions and values;
* :mod:`~taskcore.services.tasks.inputs`: the callers' fields and their checks.
"""

from __future__ import annotations

from taskcore.ports.clock import Clock
from taskcore.services.scopes import guarded
from taskcore.services.tasks.creating import Creating
from taskcore.services.tasks.custom_fields import CustomFields
from taskcore.services.tasks.deletion import Deletion
from taskcore.services.tasks.editing import Editing
from taskcore.services.tasks.importing import Importing
from taskcore.services.tasks.moving import Moving
from taskcore.services.tasks.reading import Reading
from taskcore.services.tasks.relations import Relating
from taskcore.uow import Transactions


@guarded("tasks")
class TaskService(Creating, Importing, Reading, Editing, Moving, Deletion, Relating, CustomFields):
    """Use cases of the tasks area.

    Args:
        transactions: Opens units of work.
        clock: Source of the current time.
    """

    def __init__(self, *, transactions: Transactions, clock: Clock) -> None:
        self._tx = transactions
        self._clock = clock
