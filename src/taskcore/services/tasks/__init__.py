"""The tasks area: create, read, list and filter, change, delete; the caller's tasks
across projects; importing many tasks at once.

Modules, one job each:

- :mod:`~taskcore.services.tasks.service`: :class:`TaskService` (every use case; joins
  the parts below);
- :mod:`~taskcore.services.tasks.creating`: creating a task and the events it records;
- :mod:`~taskcore.services.tasks.importing`: creating many tasks at once, all or none;
- :mod:`~taskcore.services.tasks.reading`: one task, a project's tasks and the caller's
  tasks, filtered, sorted and paged;
- :mod:`~taskcore.services.tasks.editing`: changing fields, status and position, and
  watching;
- :mod:`~taskcore.services.tasks.deletion`: deleting a task with its comments (and,
  when asked, its subtasks);
- :mod:`~taskcore.services.tasks.relations`: relations between tasks (blocks, relates,
  duplicates, precedes, copied from);
- :mod:`~taskcore.services.tasks.custom_fields`: per-project custom fields, the checks
  of their values and filters;
- :mod:`~taskcore.services.tasks.inputs`: :class:`TaskFilters`, :class:`TaskDraft` and
  the checks of new and changed fields;
- :mod:`~taskcore.services.tasks.base`: what they share (collaborators, visibility,
  assignee and membership checks, the end of a status column).
"""

from taskcore.services.tasks.inputs import TaskDraft, TaskFilters
from taskcore.services.tasks.service import TaskService

__all__ = ["TaskDraft", "TaskFilters", "TaskService"]
