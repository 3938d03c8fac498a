"""The tasks area: create, read, list and filter, change, delete; the caller's tasks
across projects; importing many tasks at once."""

from taskcore.services.tasks.service import TaskDraft, TaskFilters, TaskService

__all__ = ["TaskDraft", "TaskFilters", "TaskService"]
