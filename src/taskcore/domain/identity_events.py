"""Events of external identities: accounts created for, linked to, or signed in through an
identity provider (entity: the user)."""

from __future__ import annotations

from typing import ClassVar

import attrs

from taskcore.domain.event_base import DomainEvent


@attrs.frozen(kw_only=True)
class ExternalUserCreated(DomainEvent):
    """An account without a password was created for the identity ``subject`` at
    ``provider`` (its first sign-in, or an embedding application's user)."""

    name: ClassVar[str] = "user.external_created"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "create_external"

    username: str
    provider: str
    subject: str


@attrs.frozen(kw_only=True)
class ExternalIdentityLinked(DomainEvent):
    """The identity ``subject`` at ``provider`` was linked to an existing account (whose
    e-mail address the provider asserted as verified)."""

    name: ClassVar[str] = "user.identity_linked"
    entity_type: ClassVar[str] = "user"
    action: ClassVar[str] = "link_identity"

    provider: str
    subject: str


IDENTITY_EVENT_TYPES: tuple[type[DomainEvent], ...] = (ExternalUserCreated, ExternalIdentityLinked)
"""Every concrete event class of external identities."""
