"""User accounts in memory (see ``taskcore.ports.users.UserRepository``)."""

from __future__ import annotations

import copy
import datetime as dt

import attrs

from taskcore.domain import identifiers
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.users import User
from taskcore.errors import (
    EmailAlreadyExists,
    UsernameAlreadyExists,
    UserNotFound,
    VersionMismatch,
)
from taskcore_adapters.memory.tables import Tables


class InMemoryUserRepository:
    """Users in memory (see ``taskcore.ports.users.UserRepository``)."""

    def __init__(self, tables: Tables) -> None:
        self._t = tables

    def _check_unique(self, user: User) -> None:
        for other in self._t.users.values():
            if other.id == user.id:
                continue
            if other.username_key == user.username_key:
                raise UsernameAlreadyExists()
            if other.email_key == user.email_key:
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
        wanted = identifiers.username_key(username)
        for user in self._t.users.values():
            if user.username_key == wanted:
                return copy.deepcopy(user)
        return None

    def get_by_email(self, email: str) -> User | None:
        wanted = identifiers.email_key(email)
        for user in self._t.users.values():
            if user.email_key == wanted:
                return copy.deepcopy(user)
        return None

    def get_by_skeleton(self, skeleton: str) -> User | None:
        for user in sorted(self._t.users.values(), key=lambda u: u.key):
            if user.username_skeleton == skeleton:
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
