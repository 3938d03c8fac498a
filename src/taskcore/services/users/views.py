"""What the users area answers: the caller of a use case, an account's view, and a login."""

from __future__ import annotations

import datetime as dt

import attrs

from taskcore.domain.users import User


@attrs.frozen(kw_only=True)
class Principal:
    """The authenticated caller of a use case, read from the database on each request.

    ``scopes`` is ``None`` for a login session (the user's full rights), or the scopes of
    the personal access token (``access_token_id``) the caller authenticated with, which
    every use case checks (:mod:`taskcore.services.scopes`); ``is_admin`` is then true only
    if the owner is an administrator and the token has an ``admin`` scope.
    """

    user_id: int
    username: str
    is_admin: bool
    token_id: str | None = None
    token_expires_at: dt.datetime | None = None
    session_id: str | None = None
    scopes: frozenset[str] | None = None
    access_token_id: int | None = None


@attrs.frozen(kw_only=True)
class UserView:
    """What callers may see of an account (never the password hash).

    ``email``, ``is_admin``, ``last_login``, ``login_count`` and ``has_password`` are
    ``None`` when the viewer is neither the user nor an administrator. An account without
    a password signs in only through its identity provider.
    """

    id: int
    username: str
    email: str | None
    full_name: str | None
    is_active: bool
    is_admin: bool | None
    created_at: dt.datetime
    last_login: dt.datetime | None
    login_count: int | None
    has_password: bool | None = None

    @classmethod
    def of(cls, user: User, *, private: bool = True) -> UserView:
        """The view of ``user``; without ``private``, as someone other than the user or an
        administrator sees it (no e-mail address, role or login history)."""
        return cls(
            id=user.key,
            username=user.username,
            email=user.email if private else None,
            full_name=user.full_name,
            is_active=user.is_active,
            is_admin=user.is_admin if private else None,
            created_at=user.created_at,
            last_login=user.last_login if private else None,
            login_count=user.login_count if private else None,
            has_password=user.password_hash is not None if private else None,
        )


@attrs.frozen(kw_only=True)
class LoginResult:
    """A successful login or refresh: the access token, the refresh token that renews it
    (once), and the user."""

    token: str
    expires_at: dt.datetime
    user: UserView
    refresh_token: str
    refresh_expires_at: dt.datetime
