"""An in-memory database with serialisable transactions (one at a time, copy on begin)."""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import threading
from collections.abc import Sequence
from types import TracebackType
from typing import Self

import attrs

from taskcore.domain.events import DomainEvent
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.users import User
from taskcore.errors import EmailAlreadyExists, UsernameAlreadyExists, UserNotFound, VersionMismatch


@attrs.define
class _Tables:
    users: dict[int, User] = attrs.field(factory=dict)
    revoked: dict[str, dt.datetime] = attrs.field(factory=dict)
    outbox: list[tuple[DomainEvent, dt.datetime | None]] = attrs.field(factory=list)
    next_id: dict[str, int] = attrs.field(factory=dict)

    def allocate(self, table: str) -> int:
        value = self.next_id.get(table, 0) + 1
        self.next_id[table] = value
        return value


class InMemoryStore:
    """The data of one in-memory taskcore; call it to get a unit of work.

    Transactions are serialised by a lock, so concurrent callers behave as if each ran
    alone, as under SERIALIZABLE isolation.
    """

    def __init__(self) -> None:
        self._tables = _Tables()
        self._lock = threading.RLock()

    def __call__(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self)

    @property
    def lock(self) -> threading.RLock:
        """The lock that serialises transactions."""
        return self._lock

    def snapshot(self) -> _Tables:
        """A private copy of every table."""
        return copy.deepcopy(self._tables)

    def install(self, tables: _Tables) -> None:
        """Replace every table (on commit)."""
        self._tables = tables


class InMemoryUnitOfWork:
    """A transaction over an :class:`InMemoryStore` (see ``taskcore.ports.uow``)."""

    users: InMemoryUserRepository
    revoked_tokens: InMemoryRevokedTokenRepository
    outbox: InMemoryOutbox

    def __init__(self, store: InMemoryStore) -> None:
        self._store = store
        self._tables: _Tables | None = None

    def __enter__(self) -> Self:
        self._store.lock.acquire()
        self._tables = self._store.snapshot()
        self.users = InMemoryUserRepository(self._tables)
        self.revoked_tokens = InMemoryRevokedTokenRepository(self._tables)
        self.outbox = InMemoryOutbox(self._tables)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._tables = None
        self._store.lock.release()

    def commit(self) -> None:
        """Install this transaction's copy as the store's data."""
        if self._tables is None:
            raise RuntimeError("commit outside the unit of work")
        self._store.install(self._tables)
        self._tables = self._store.snapshot()
        self._rebind()

    def rollback(self) -> None:
        """Throw away this transaction's changes."""
        self._tables = self._store.snapshot()
        self._rebind()

    def _rebind(self) -> None:
        if self._tables is None:
            raise RuntimeError("unit of work is not open")
        self.users = InMemoryUserRepository(self._tables)
        self.revoked_tokens = InMemoryRevokedTokenRepository(self._tables)
        self.outbox = InMemoryOutbox(self._tables)


class InMemoryUserRepository:
    """Users in memory (see ``taskcore.ports.repositories.UserRepository``)."""

    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def _check_unique(self, user: User) -> None:
        for other in self._t.users.values():
            if other.id == user.id:
                continue
            if other.username.lower() == user.username.lower():
                raise UsernameAlreadyExists()
            if other.email.lower() == user.email.lower():
                raise EmailAlreadyExists()

    def add(self, user: User) -> User:
        self._check_unique(user)
        stored = attrs.evolve(user, id=self._t.allocate("users"), version=1)
        self._t.users[stored.key] = stored
        return copy.deepcopy(stored)

    def get(self, user_id: int) -> User | None:
        found = self._t.users.get(user_id)
        return copy.deepcopy(found) if found else None

    def get_by_username(self, username: str) -> User | None:
        wanted = username.lower()
        for user in self._t.users.values():
            if user.username.lower() == wanted:
                return copy.deepcopy(user)
        return None

    def get_by_email(self, email: str) -> User | None:
        wanted = email.lower()
        for user in self._t.users.values():
            if user.email.lower() == wanted:
                return copy.deepcopy(user)
        return None

    def update(self, user: User) -> User:
        current = self._t.users.get(user.key)
        if current is None:
            raise UserNotFound(user.key)
        if current.version != user.version:
            raise VersionMismatch()
        self._check_unique(user)
        stored = attrs.evolve(user, version=user.version + 1)
        self._t.users[user.key] = stored
        return copy.deepcopy(stored)

    def record_login(self, user_id: int, when: dt.datetime) -> User:
        current = self._t.users.get(user_id)
        if current is None:
            raise UserNotFound(user_id)
        current.login_count += 1
        current.last_login = when
        return copy.deepcopy(current)

    def list(self, page: PageRequest) -> Page[User]:
        ordered = sorted(self._t.users.values(), key=lambda u: u.key)
        chunk = ordered[page.offset : page.offset + page.per_page]
        return Page(
            items=[copy.deepcopy(u) for u in chunk],
            page=page.page,
            per_page=page.per_page,
            total=len(ordered),
        )

    def count_active_admins(self) -> int:
        return sum(1 for u in self._t.users.values() if u.is_admin and u.is_active)


class InMemoryRevokedTokenRepository:
    """Revoked tokens in memory."""

    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def revoke(self, token_id: str, *, user_id: int, expires_at: dt.datetime) -> None:
        self._t.revoked[token_id] = expires_at

    def is_revoked(self, token_id: str) -> bool:
        return token_id in self._t.revoked

    def purge_expired(self, now: dt.datetime) -> int:
        gone = [k for k, exp in self._t.revoked.items() if exp <= now]
        for key in gone:
            del self._t.revoked[key]
        return len(gone)


class InMemoryOutbox:
    """The outbox in memory."""

    def __init__(self, tables: _Tables) -> None:
        self._t = tables

    def append(self, events: Sequence[DomainEvent]) -> None:
        self._t.outbox.extend((e, None) for e in events)

    def pending(self, limit: int) -> Sequence[DomainEvent]:
        return list(itertools.islice((e for e, done in self._t.outbox if done is None), limit))

    def mark_published(self, event_ids: Sequence[str], when: dt.datetime) -> None:
        wanted = set(event_ids)
        self._t.outbox = [
            (e, when if e.event_id in wanted and done is None else done)
            for e, done in self._t.outbox
        ]
