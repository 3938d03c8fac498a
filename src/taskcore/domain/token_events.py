"""The events of personal access tokens. :mod:`taskcore.domain.events` registers them with
the others.

They are the owner's own (entity: the owning user), so they reach the activity log and
never leave it; the secret and its digest are never in an event. The token's id and name
are stored as ``id`` and ``name`` (the activity log drops keys that name a token).
"""

from __future__ import annotations

from typing import ClassVar

import attrs

from taskcore.domain.event_base import DETAILS_KEY, DomainEvent

ID = {DETAILS_KEY: "id"}
NAME = {DETAILS_KEY: "name"}


@attrs.frozen(kw_only=True)
class AccessTokenCreated(DomainEvent):
    """A user created a personal access token (``expires_at``: ISO 8601; ``scopes``:
    sorted)."""

    name: ClassVar[str] = "access_token.created"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "create_access_token"

    token_id: int = attrs.field(metadata=ID)
    token_name: str = attrs.field(metadata=NAME)
    scopes: list[str]
    expires_at: str


@attrs.frozen(kw_only=True)
class AccessTokenRevoked(DomainEvent):
    """A personal access token was revoked (``reason``: ``revoked`` by its owner,
    ``revoked_by_admin``, ``deactivated`` or ``password_changed``)."""

    name: ClassVar[str] = "access_token.revoked"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "revoke_access_token"

    token_id: int = attrs.field(metadata=ID)
    token_name: str = attrs.field(metadata=NAME)
    reason: str


TOKEN_EVENT_TYPES: tuple[type[DomainEvent], ...] = (AccessTokenCreated, AccessTokenRevoked)
"""Every concrete event class of personal access tokens."""
