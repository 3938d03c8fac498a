"""The machinery of domain events: the base class, how an event's typed fields become the
JSON object stored and sent with it (:attr:`DomainEvent.details`), and how a stored event
is rebuilt (:meth:`DomainEvent.restore`). The events themselves are in
:mod:`taskcore.domain.events`, which registers them here by name.
"""

from __future__ import annotations

import datetime as dt
import enum
import uuid
from collections.abc import Mapping
from typing import Any, ClassVar

import attrs


def new_event_id() -> str:
    """A fresh, globally unique event id."""
    return uuid.uuid4().hex


DETAILS_KEY = "taskcore.details_key"
"""Field metadata: the key the field is stored under in ``details`` (default: its name)."""
OMIT_WHEN = "taskcore.omit_when"
"""Field metadata: the value for which the field is left out of ``details``."""

Change = dict[str, Any]
"""One changed field: ``{"old": ..., "new": ...}`` with JSON values."""


UNSET_IF_NONE: Mapping[str, object] = {OMIT_WHEN: None}
"""Field metadata: the field is left out of :attr:`DomainEvent.details` while ``None``."""


_ENVELOPE = frozenset({"occurred_at", "actor_id", "entity_id", "entity_version", "event_id"})


_PAYLOAD_FIELDS: dict[type[DomainEvent], tuple[attrs.Attribute[Any], ...]] = {}


def _payload_fields(cls: type[DomainEvent]) -> tuple[attrs.Attribute[Any], ...]:
    """The fields ``cls`` carries in ``details``, in declaration order."""
    found = _PAYLOAD_FIELDS.get(cls)
    if found is None:
        found = _PAYLOAD_FIELDS[cls] = tuple(
            f for f in attrs.fields(cls) if f.name not in _ENVELOPE
        )
    return found


@attrs.frozen(kw_only=True)
class DomainEvent:
    """Base of every domain event.

    ``entity_version`` is the version of the entity once the change is applied (task
    events carry it; ``None`` elsewhere). Events are delivered at least once and possibly
    out of order, so a consumer keeping the entity's latest state applies an event only if
    its version is at least the one it holds (the events of one change share a version;
    a deletion carries the version after the last change).
    """

    name: ClassVar[str] = "event"
    entity_type: ClassVar[str] = ""
    action: ClassVar[str] = ""

    occurred_at: dt.datetime
    actor_id: int | None
    entity_id: int
    entity_version: int | None = None
    event_id: str = attrs.field(factory=new_event_id)

    @property
    def details(self) -> dict[str, Any]:
        """The event's own fields as the JSON object stored and sent with it (a fresh
        dict, in the order the fields are declared)."""
        out: dict[str, Any] = {}
        for field in _payload_fields(type(self)):
            value = getattr(self, field.name)
            if OMIT_WHEN in field.metadata and value is field.metadata[OMIT_WHEN]:
                continue
            out[field.metadata.get(DETAILS_KEY, field.name)] = value
        return out

    @staticmethod
    def restore(
        name: str,
        *,
        event_id: str,
        occurred_at: dt.datetime,
        actor_id: int | None,
        entity_id: int,
        entity_version: int | None,
        details: Mapping[str, Any],
    ) -> DomainEvent:
        """Rebuild the event called ``name`` from its envelope and its stored
        :attr:`details`; keys the class does not know are ignored, and an optional field
        missing from ``details`` takes its default.

        Raises:
            KeyError: no event class has this name, or ``details`` lacks a required field.
        """
        cls = event_class(name)
        fields: dict[str, Any] = {}
        for field in _payload_fields(cls):
            key = field.metadata.get(DETAILS_KEY, field.name)
            if key in details:
                fields[field.name] = details[key]
            elif field.default is attrs.NOTHING:
                raise KeyError(f"{name} event without {key!r}")
        return cls(
            event_id=event_id,
            occurred_at=occurred_at,
            actor_id=actor_id,
            entity_id=entity_id,
            entity_version=entity_version,
            **fields,
        )


def json_value(value: object) -> object:
    """``value`` in a form JSON can hold: dates and datetimes as ISO 8601 text,
    enumerations as their value, tuples as lists."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return json_value(value.value)
    if isinstance(value, tuple | list):
        return [json_value(v) for v in value]
    return value


def change(old: object, new: object) -> Change:
    """The ``{"old": ..., "new": ...}`` record of one changed field."""
    return {"old": old, "new": new}


_BY_NAME: dict[str, type[DomainEvent]] = {}


def register(*classes: type[DomainEvent]) -> None:
    """Make :func:`event_class` (and so :meth:`DomainEvent.restore`) know ``classes`` by
    their names."""
    _BY_NAME.update({cls.name: cls for cls in classes})


def registered() -> list[type[DomainEvent]]:
    """Every registered event class, by name."""
    return [_BY_NAME[name] for name in sorted(_BY_NAME)]


def event_class(name: str) -> type[DomainEvent]:
    """The registered event class called ``name``.

    Raises:
        KeyError: no event class has this name.
    """
    return _BY_NAME[name]
