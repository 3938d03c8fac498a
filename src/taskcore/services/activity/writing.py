"""Writing the activity log: one entry per domain event, in its transaction, and the
entries administrators submit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from taskcore.domain.activity import (
    ACTION_MAX,
    ENTITY_TYPE_MAX,
    IP_ADDRESS_MAX,
    SERVICE_NAME_MAX,
    SESSION_ID_MAX,
    SUBMITTED_SERVICE_NAME,
    ActivityEntry,
    entry_from_event,
    sanitize_details,
)
from taskcore.domain.events import DomainEvent
from taskcore.domain.origin import USER_AGENT_MAX, current_origin
from taskcore.domain.values import UNSET
from taskcore.errors import ValidationError
from taskcore.services.access import Actor, require_admin
from taskcore.services.activity.base import ActivityBase
from taskcore.services.activity.inputs import check_id, check_text
from taskcore.uow import Work


class Writing(ActivityBase):
    """Recording events and storing submitted entries."""

    def record(self, work: Work, events: Sequence[DomainEvent]) -> None:
        """Write one entry per event into ``work``'s transaction (the in-transaction
        handler for every domain event), with the current request's origin."""
        origin = current_origin()
        work.uow.activity.add_many([entry_from_event(event, origin) for event in events])

    def log(
        self,
        actor: Actor,
        *,
        action: object,
        entity_type: object,
        entity_id: object,
        user_id: object = None,
        details: object = None,
        ip_address: object = None,
        user_agent: object = None,
        session_id: object = None,
        service_name: object = None,
    ) -> ActivityEntry:
        """Store an entry submitted by an administrator (``POST /api/activities``).

        ``action``, ``entity_type`` and ``entity_id`` must be given (a field passed as
        :data:`~taskcore.domain.values.UNSET` is missing; ``None`` is a wrong type);
        the other fields may be ``None`` or ``UNSET``. ``details`` lose every key naming a
        secret; ``user_agent`` is cut to 500 characters; ``service_name`` defaults to
        ``unknown``.

        Raises:
            AdminRequired: the caller is not an administrator.
            ValidationError: a field has the wrong type or is too long (naming it).
        """
        require_admin(actor)
        required = {"action": action, "entity_type": entity_type, "entity_id": entity_id}
        for name, value in required.items():
            if value is UNSET:
                raise ValidationError(f"{name} is required", field=name)
        user_id, details, ip_address, user_agent, session_id, service_name = (
            None if v is UNSET else v
            for v in (user_id, details, ip_address, user_agent, session_id, service_name)
        )
        checked_action = check_text(action, "action", ACTION_MAX, required=True)
        checked_type = check_text(entity_type, "entity_type", ENTITY_TYPE_MAX, required=True)
        checked_id = check_id(entity_id, "entity_id", required=True)
        checked_user = check_id(user_id, "user_id")
        if details is not None and not isinstance(details, Mapping):
            raise ValidationError("details must be an object", field="details")
        if user_agent is not None and not isinstance(user_agent, str):
            raise ValidationError("user_agent must be a string", field="user_agent")
        entry = ActivityEntry(
            user_id=checked_user,
            action=checked_action or "",
            entity_type=checked_type or "",
            entity_id=checked_id or 0,
            details=sanitize_details(details),
            ip_address=check_text(ip_address, "ip_address", IP_ADDRESS_MAX),
            user_agent=user_agent[:USER_AGENT_MAX] if user_agent is not None else None,
            session_id=check_text(session_id, "session_id", SESSION_ID_MAX),
            service_name=check_text(service_name, "service_name", SERVICE_NAME_MAX)
            or SUBMITTED_SERVICE_NAME,
            created_at=self._clock.now(),
        )
        with self._tx() as work:
            stored = work.uow.activity.add(entry)
            work.commit()
        return stored
