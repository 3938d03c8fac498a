"""Custom fields: their per-project definitions (managed by project owners) and the
checks of the values a task is given."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import attrs

from taskcore.domain import custom_fields as rules
from taskcore.domain.custom_fields import (
    CustomValue,
    FieldDefinition,
    FieldFilter,
    FilterOp,
)
from taskcore.domain.events import (
    Change,
    CustomFieldChanged,
    CustomFieldDefined,
    CustomFieldDeleted,
    change,
    json_value,
)
from taskcore.domain.tasks import TaskCriteria, TaskOrder
from taskcore.domain.values import UNSET, Unset
from taskcore.errors import Conflict, CustomFieldNotFound, ProjectNotFound, ValidationError
from taskcore.ports.uow import UnitOfWork
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.tasks.base import TasksBase
from taskcore.services.tasks.inputs import TaskFilters

MANAGE_FIELDS = "Only project owners can manage custom fields"


class CustomFields(TasksBase):
    """Managing a project's custom fields."""

    def list_fields(self, actor: Actor, project_id: int) -> list[FieldDefinition]:
        """A project's custom fields in their order (any member).

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
        """
        with self._tx(read_only=True) as work:
            uow = work.uow
            access.visible_role(uow.projects, actor, project_id, ProjectNotFound(project_id))
            return uow.tasks.fields_of([project_id])

    def define_field(
        self,
        actor: Actor,
        project_id: int,
        *,
        key: object,
        label: object,
        field_type: object,
        required: bool = False,
        options: Sequence[object] | None = None,
        position: int | None = None,
    ) -> FieldDefinition:
        """Define a custom field of a project (owners): a key (``a-z``, digits and ``_``,
        unique in the project), a label, a type, whether new tasks must give it, the
        options of a select and its place (last by default). At most 50 per project.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            ValidationError: a bad key, label, type or options, or too many fields.
            Conflict: the key is taken.
        """
        checked_key = rules.check_key(key)
        checked_label = rules.check_label(label)
        kind = rules.check_type(field_type)
        checked_options = rules.check_options(kind, options)
        with self._tx() as work:
            uow = work.uow
            role = access.visible_role(uow.projects, actor, project_id, ProjectNotFound(project_id))
            access.require_manage(actor, role, project_id, MANAGE_FIELDS)
            existing = uow.tasks.fields_of([project_id])
            if any(d.key == checked_key for d in existing):
                raise Conflict("A custom field with this key already exists")
            if len(existing) >= rules.FIELDS_MAX:
                raise ValidationError(
                    f"A project can have at most {rules.FIELDS_MAX} custom fields", field="key"
                )
            now = self._clock.now()
            last = max((d.position for d in existing), default=0)
            stored = uow.tasks.add_field(
                FieldDefinition(
                    project_id=project_id,
                    key=checked_key,
                    label=checked_label,
                    type=kind,
                    required=bool(required),
                    options=checked_options,
                    position=last + 1 if position is None else position,
                    created_at=now,
                )
            )
            work.record(
                CustomFieldDefined(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=stored.ident,
                    project_id=project_id,
                    key=stored.key,
                    field_type=kind.value,
                    label=stored.label,
                    required=stored.required,
                )
            )
            work.commit()
        return stored

    def change_field(
        self,
        actor: Actor,
        project_id: int,
        field_id: int,
        *,
        key: object | Unset = UNSET,
        label: object | Unset = UNSET,
        required: bool | Unset = UNSET,
        options: Sequence[object] | Unset = UNSET,
        position: int | Unset = UNSET,
        rename_options: Mapping[str, object] | Unset = UNSET,
    ) -> FieldDefinition:
        """Change a custom field (owners): renaming its key or label keeps every value;
        options may be added and reordered, not removed; ``rename_options`` (``{old:
        new}``) renames options, in every value too (``options``, when also given, lists
        them by their new names); the type stays.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            CustomFieldNotFound: no such field in the project.
            ValidationError: a bad value, or a removed option (field ``options``).
            Conflict: the new key is taken.
        """
        with self._tx() as work:
            uow = work.uow
            definition = _owned_field(uow, actor, project_id, field_id)
            renames = _renames(definition, rename_options)
            current = tuple(renames.get(o, o) for o in definition.options)
            definition = attrs.evolve(definition, options=current)
            new = attrs.evolve(
                definition,
                key=definition.key if key is UNSET else rules.check_key(key),
                label=definition.label if label is UNSET else rules.check_label(label),
                required=definition.required if required is UNSET else bool(required),
                position=definition.position if position is UNSET else position,
                options=(
                    definition.options
                    if options is UNSET
                    else rules.check_options(definition.type, options)
                ),
            )
            if set(definition.options) - set(new.options):
                raise ValidationError("options in use cannot be removed", field="options")
            others = [d for d in uow.tasks.fields_of([project_id]) if d.id != field_id]
            if any(d.key == new.key for d in others):
                raise Conflict("A custom field with this key already exists")
            changes: dict[str, Change] = {
                name: change(json_value(old), json_value(value))
                for name in ("key", "label", "required", "options", "position")
                if (old := getattr(definition, name)) != (value := getattr(new, name))
            }
            if renames:
                old_names = {v: k for k, v in renames.items()}
                before = tuple(old_names.get(o, o) for o in definition.options)
                changes["options"] = change(list(before), list(new.options))
            if changes:
                uow.tasks.update_field(new)
                for old_name, new_name in renames.items():
                    uow.tasks.rename_option(new, old_name, new_name)
                work.record(
                    CustomFieldChanged(
                        occurred_at=self._clock.now(),
                        actor_id=actor.user_id,
                        entity_id=field_id,
                        project_id=project_id,
                        key=new.key,
                        field_type=new.type.value,
                        changes=changes,
                    )
                )
            work.commit()
        return new

    def delete_field(self, actor: Actor, project_id: int, field_id: int) -> None:
        """Delete a custom field with every task's value of it (owners); the event
        counts the values deleted.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            CustomFieldNotFound: no such field in the project.
        """
        with self._tx() as work:
            uow = work.uow
            definition = _owned_field(uow, actor, project_id, field_id)
            removed = uow.tasks.delete_field(field_id)
            work.record(
                CustomFieldDeleted(
                    occurred_at=self._clock.now(),
                    actor_id=actor.user_id,
                    entity_id=field_id,
                    project_id=project_id,
                    key=definition.key,
                    field_type=definition.type.value,
                    values_deleted=removed,
                )
            )
            work.commit()


def _renames(definition: FieldDefinition, wanted: Mapping[str, object] | Unset) -> dict[str, str]:
    """The checked ``{old: new}`` option renames of a select.

    Raises:
        ValidationError: not a select, an unknown option, or a new name that is not a
            text of 1 to 100 characters or is taken (field ``rename_options``).
    """
    if wanted is UNSET or not wanted:
        return {}
    if not definition.type.has_options:
        raise ValidationError("rename_options is only for select fields", field="rename_options")
    renames: dict[str, str] = {}
    for old, new in wanted.items():
        if old not in definition.options:
            raise ValidationError(f"Unknown option: {old}", field="rename_options")
        if not isinstance(new, str) or not new.strip() or len(new) > rules.OPTION_MAX:
            raise ValidationError(
                f"New option names must be texts of 1 to {rules.OPTION_MAX} characters",
                field="rename_options",
            )
        renames[old] = new.strip()
    final = [renames.get(o, o) for o in definition.options]
    if len(set(final)) != len(final):
        raise ValidationError("Option names must stay distinct", field="rename_options")
    return {k: v for k, v in renames.items() if k != v}


def _owned_field(uow: UnitOfWork, actor: Actor, project_id: int, field_id: int) -> FieldDefinition:
    role = access.visible_role(uow.projects, actor, project_id, ProjectNotFound(project_id))
    access.require_manage(actor, role, project_id, MANAGE_FIELDS)
    definition = uow.tasks.get_field(field_id)
    if definition is None or definition.project_id != project_id:
        raise CustomFieldNotFound()
    return definition


def check_custom(
    uow: UnitOfWork, project_id: int, raw: object, *, creating: bool
) -> dict[str, CustomValue | None]:
    """The custom-field values given for a task of ``project_id``, checked against the
    project's definitions (``None`` removes a value; on creation every required field
    must have one).

    Raises:
        ValidationError: not an object (field ``custom_fields``); an unknown key, a bad
            value or a missing required one (field ``custom_fields.<key>``).
    """
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ValidationError("custom_fields must be an object", field="custom_fields")
    definitions = {d.key: d for d in uow.tasks.fields_of([project_id])} if (raw or creating) else {}
    checked: dict[str, CustomValue | None] = {}
    for key, value in raw.items():
        definition = definitions.get(key)
        if definition is None:
            raise ValidationError(f"Unknown custom field: {key}", field=f"custom_fields.{key}")
        checked[key] = rules.check_value(
            definition,
            value,
            lambda user_id: bool(uow.projects.member_roles(project_id, [user_id])),
        )
    for definition in definitions.values():
        missing = checked.get(definition.key) is None
        given = definition.key in checked
        if definition.required and missing and (creating or given):
            raise ValidationError(
                f"custom_fields.{definition.key} is required",
                field=f"custom_fields.{definition.key}",
            )
    return checked


def with_custom_fields(
    uow: UnitOfWork,
    project_id: int,
    filters: TaskFilters,
    criteria: TaskCriteria,
    order: TaskOrder,
) -> tuple[TaskCriteria, TaskOrder]:
    """``criteria`` with ``filters``' filters on the project's custom fields (its
    ``(key, op, text)`` triples), and ``order`` by the custom field ``cf.<key>`` when
    ``filters.sort`` names one; the project's definitions are read once, and only when a
    filter or the sort needs them.

    Raises:
        ValidationError: an unknown field or a bad value (field ``cf.<key>``), then an
            unknown field or a multi select to sort by (field ``sort``).
    """
    sorted_by = filters.sort[3:] if filters.sort.startswith("cf.") else None
    if not filters.custom and sorted_by is None:
        return criteria, order
    definitions = {d.key: d for d in uow.tasks.fields_of([project_id])}
    found: list[tuple[str, FieldFilter]] = []
    for key, op, text in filters.custom:
        definition = definitions.get(key)
        if definition is None:
            raise ValidationError(f"Unknown custom field: {key}", field=f"cf.{key}")
        found.append((key, rules.parse_filter(definition, FilterOp(op), text)))
    if found:
        criteria = attrs.evolve(criteria, custom=tuple(found))
    if sorted_by is not None:
        definition = definitions.get(sorted_by)
        if definition is None:
            raise ValidationError(f"Unknown custom field: {sorted_by}", field="sort")
        order = attrs.evolve(order, custom=rules.field_sort(definition))
    return criteria, order
