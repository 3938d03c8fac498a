"""External identities in memory (see ``taskcore.ports.identities.IdentityRepository``)."""

from __future__ import annotations

import copy
import datetime as dt

import attrs

from taskcore.domain.identities import ExternalIdentity
from taskcore.domain.pagination import Page, PageRequest
from taskcore.errors import IdentityAlreadyLinked, UserNotFound
from taskcore_adapters.memory.tables import Tables


class InMemoryIdentityRepository:
    """External identities in memory (see ``taskcore.ports.identities``)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def add(self, identity: ExternalIdentity) -> ExternalIdentity:
        if identity.user_id not in self._t.users:
            raise UserNotFound(identity.user_id)
        if self._find(identity.provider, identity.subject) is not None:
            raise IdentityAlreadyLinked()
        stored = attrs.evolve(identity, id=self._t.allocate("user_identities"))
        self._t.identities[stored.id or 0] = stored
        return copy.deepcopy(stored)

    def _find(self, provider: str, subject: str) -> ExternalIdentity | None:
        for identity in self._t.identities.values():
            if identity.provider == provider and identity.subject == subject:
                return identity
        return None

    def get(self, provider: str, subject: str) -> ExternalIdentity | None:
        found = self._find(provider, subject)
        return copy.deepcopy(found) if found else None

    def seen(self, identity_id: int, *, email: str | None, when: dt.datetime) -> None:
        found = self._t.identities.get(identity_id)
        if found is not None:
            found.email = email
            found.last_seen_at = when

    def list_for_user(self, user_id: int, page: PageRequest) -> Page[ExternalIdentity]:
        mine = sorted(
            (i for i in self._t.identities.values() if i.user_id == user_id),
            key=lambda i: i.id or 0,
        )
        chunk = mine[page.offset : page.offset + page.per_page]
        return Page(
            items=[copy.deepcopy(i) for i in chunk],
            page=page.page,
            per_page=page.per_page,
            total=len(mine),
        )
