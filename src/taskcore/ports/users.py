"""Storage of user accounts."""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.users import User


class UserRepository(Protocol):
    """Stores user accounts.

    Usernames and e-mail addresses are unique by their keys
    (:attr:`User.username_key`, :attr:`User.email_key`: NFKC and Unicode case folding,
    computed by the core), which are stored beside them and used for every lookup.
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
        """The user whose username has the key of ``username``
        (:func:`taskcore.domain.identifiers.username_key`), or ``None``."""
        ...

    def get_by_email(self, email: str) -> User | None:
        """The user whose e-mail address has the key of ``email``
        (:func:`taskcore.domain.identifiers.email_key`), or ``None``."""
        ...

    def get_by_skeleton(self, skeleton: str) -> User | None:
        """A user whose :attr:`User.username_skeleton` is ``skeleton``, or ``None``."""
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
