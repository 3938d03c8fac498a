"""Domain events: facts that happened, recorded in the outbox with the change that caused them.

Every event has a unique ``event_id`` (so consumers can be idempotent), the time it
happened, and the acting user. ``name`` is the stable identifier used on the wire and in
the outbox; it never changes once published.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any, ClassVar

import attrs


def new_event_id() -> str:
    """A fresh, globally unique event id."""
    return uuid.uuid4().hex


@attrs.frozen(kw_only=True)
class DomainEvent:
    """Base of every domain event."""

    name: ClassVar[str] = "event"
    entity_type: ClassVar[str] = ""
    action: ClassVar[str] = ""

    occurred_at: dt.datetime
    actor_id: int | None
    entity_id: int
    details: dict[str, Any] = attrs.field(factory=dict)
    event_id: str = attrs.field(factory=new_event_id)


@attrs.frozen(kw_only=True)
class UserRegistered(DomainEvent):
    """A new account was created (``details``: username)."""

    name: ClassVar[str] = "user.registered"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "create"


@attrs.frozen(kw_only=True)
class UserLoggedIn(DomainEvent):
    """A user logged in successfully."""

    name: ClassVar[str] = "user.logged_in"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "login"


@attrs.frozen(kw_only=True)
class UserLoggedOut(DomainEvent):
    """A user logged out; the token used was revoked."""

    name: ClassVar[str] = "user.logged_out"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "logout"


@attrs.frozen(kw_only=True)
class UserUpdated(DomainEvent):
    """A user changed their own profile (``details``: changed fields, old → new)."""

    name: ClassVar[str] = "user.updated"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "update"


@attrs.frozen(kw_only=True)
class UserAdminUpdated(DomainEvent):
    """An admin changed a user's flags (``details``: changed fields, old → new)."""

    name: ClassVar[str] = "user.admin_updated"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "admin_update"


def change(old: object, new: object) -> dict[str, object]:
    """The ``{"old": ..., "new": ...}`` record of one changed field."""
    return {"old": old, "new": new}


EVENT_TYPES: tuple[type[DomainEvent], ...] = (
    UserRegistered,
    UserLoggedIn,
    UserLoggedOut,
    UserUpdated,
    UserAdminUpdated,
)
"""Every concrete event class, for adapters that map names back to classes."""
