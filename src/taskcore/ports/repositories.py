"""Repositories: collections of aggregates, reached only through a unit of work.

Repositories never commit. Ids are assigned by :meth:`add` so events can carry them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol

from taskcore.domain.events import DomainEvent
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.users import User


class UserRepository(Protocol):
    """Stores user accounts.

    Usernames and e-mail addresses are unique, compared case-insensitively.
    ``add`` and ``update`` raise :class:`~taskcore.errors.UsernameAlreadyExists` or
    :class:`~taskcore.errors.EmailAlreadyExists` when a uniqueness rule is broken, also
    when a concurrent transaction got there first.
    """

    def add(self, user: User) -> User:
        """Store a new user and return it with its id assigned."""
        ...

    def get(self, user_id: int) -> User | None:
        """The user with this id, or ``None``."""
        ...

    def get_by_username(self, username: str) -> User | None:
        """The user with this username (any case), or ``None``."""
        ...

    def get_by_email(self, email: str) -> User | None:
        """The user with this e-mail address (any case), or ``None``."""
        ...

    def update(self, user: User) -> User:
        """Save changed fields of a stored user; returns it with its version bumped.

        Raises:
            UserNotFound: no such user.
            VersionMismatch: the stored version is not ``user.version``.
        """
        ...

    def record_login(self, user_id: int, when: dt.datetime) -> User:
        """Atomically increment ``login_count`` and set ``last_login``; returns the user.

        Raises:
            UserNotFound: no such user.
        """
        ...

    def list(self, page: PageRequest) -> Page[User]:
        """All users, oldest first."""
        ...

    def count_active_admins(self) -> int:
        """How many active administrators exist."""
        ...


class RevokedTokenRepository(Protocol):
    """Remembers revoked access tokens until they would have expired anyway."""

    def revoke(self, token_id: str, *, user_id: int, expires_at: dt.datetime) -> None:
        """Mark a token revoked (revoking twice is harmless)."""
        ...

    def is_revoked(self, token_id: str) -> bool:
        """Whether this token was revoked."""
        ...

    def purge_expired(self, now: dt.datetime) -> int:
        """Forget revocations of tokens that have expired; returns how many."""
        ...


class Outbox(Protocol):
    """Durable record of domain events, written in the same transaction as the change."""

    def append(self, events: Sequence[DomainEvent]) -> None:
        """Store events to be published after commit."""
        ...

    def pending(self, limit: int) -> Sequence[DomainEvent]:
        """Events not yet marked published, oldest first."""
        ...

    def mark_published(self, event_ids: Sequence[str], when: dt.datetime) -> None:
        """Mark events as handed to the event bus / job queue."""
        ...
