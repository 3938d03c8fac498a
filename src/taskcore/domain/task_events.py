"""The events of the tasks area: tasks, their relations and blocker overrides, and
projects' custom fields. :mod:`taskcore.domain.events` registers them with the others and
re-exports them."""

from __future__ import annotations

from typing import ClassVar

import attrs

from taskcore.domain.event_base import DETAILS_KEY, UNSET_IF_NONE, Change, DomainEvent

# -- tasks ---------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class TaskEvent(DomainEvent):
    """Base of the task events: the task's project and title."""

    project_id: int
    title: str


@attrs.frozen(kw_only=True)
class TaskCreated(TaskEvent):
    """A task was created (``parent_id``, stored only when set: as a subtask of that
    task)."""

    name: ClassVar[str] = "task.created"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "create"

    status: str
    priority: str
    assignee_id: int | None
    parent_id: int | None = attrs.field(default=None, metadata=UNSET_IF_NONE)


@attrs.frozen(kw_only=True)
class TaskUpdated(TaskEvent):
    """A task was changed."""

    name: ClassVar[str] = "task.updated"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "update"

    changes: dict[str, Change]


@attrs.frozen(kw_only=True)
class TaskStatusChanged(TaskEvent):
    """A task moved to another status, besides :class:`TaskUpdated` (the statuses are
    stored as ``old`` and ``new``)."""

    name: ClassVar[str] = "task.status_changed"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "status_change"

    old_status: str = attrs.field(metadata={DETAILS_KEY: "old"})
    new_status: str = attrs.field(metadata={DETAILS_KEY: "new"})
    assignee_id: int | None


@attrs.frozen(kw_only=True)
class TaskAssigned(TaskEvent):
    """A task got another assignee, or none: ``assignee_id`` joined the assignees,
    ``old_assignee_id`` left them (``assignee_ids``, stored when known: all of them
    after the change)."""

    name: ClassVar[str] = "task.assigned"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "assign"

    old_assignee_id: int | None
    assignee_id: int | None
    assignee_ids: list[int] | None = attrs.field(default=None, metadata=UNSET_IF_NONE)


@attrs.frozen(kw_only=True)
class TaskDeleted(TaskEvent):
    """A task was deleted with its comments (``with_project``: whether the whole project
    was deleted; ``comments_deleted``: how many comments went, for a task deleted by
    itself)."""

    name: ClassVar[str] = "task.deleted"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "delete"

    with_project: bool
    comments_deleted: int | None = attrs.field(default=None, metadata=UNSET_IF_NONE)


@attrs.frozen(kw_only=True)
class TaskRelationAdded(TaskEvent):
    """A relation between two tasks was added (the entity: the task it was added to;
    ``kind`` from the stored source to target)."""

    name: ClassVar[str] = "task.relation_added"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "add_relation"

    relation_id: int
    kind: str
    source_id: int
    target_id: int
    lag_days: int | None = attrs.field(default=None, metadata=UNSET_IF_NONE)


@attrs.frozen(kw_only=True)
class TaskRelationRemoved(TaskEvent):
    """A relation between two tasks was removed (the entity: the task it was removed
    from)."""

    name: ClassVar[str] = "task.relation_removed"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "remove_relation"

    relation_id: int
    kind: str
    source_id: int
    target_id: int


@attrs.frozen(kw_only=True)
class TaskBlockersOverridden(TaskEvent):
    """A task was completed although tasks blocking it were still open, on its writer's
    explicit override."""

    name: ClassVar[str] = "task.blockers_overridden"
    entity_type: ClassVar[str] = "task"
    action: ClassVar[str] = "override_blockers"

    blocker_ids: list[int]


@attrs.frozen(kw_only=True)
class CustomFieldEvent(DomainEvent):
    """Base of the custom-field events (the entity: the definition)."""

    entity_type: ClassVar[str] = "custom_field"

    project_id: int
    key: str
    field_type: str = attrs.field(metadata={DETAILS_KEY: "type"})


@attrs.frozen(kw_only=True)
class CustomFieldDefined(CustomFieldEvent):
    """A project got a new custom field."""

    name: ClassVar[str] = "custom_field.defined"
    action: ClassVar[str] = "create"

    label: str
    required: bool


@attrs.frozen(kw_only=True)
class CustomFieldChanged(CustomFieldEvent):
    """A custom field's definition changed (its values stay)."""

    name: ClassVar[str] = "custom_field.changed"
    action: ClassVar[str] = "update"

    changes: dict[str, Change]


@attrs.frozen(kw_only=True)
class CustomFieldDeleted(CustomFieldEvent):
    """A custom field was deleted with its values (``values_deleted``: how many)."""

    name: ClassVar[str] = "custom_field.deleted"
    action: ClassVar[str] = "delete"

    values_deleted: int


TASK_EVENT_TYPES: tuple[type[DomainEvent], ...] = (
    TaskCreated,
    TaskUpdated,
    TaskStatusChanged,
    TaskAssigned,
    TaskDeleted,
    TaskRelationAdded,
    TaskRelationRemoved,
    TaskBlockersOverridden,
    CustomFieldDefined,
    CustomFieldChanged,
    CustomFieldDeleted,
)
"""The concrete events of the tasks area, in their place in ``EVENT_TYPES``."""
