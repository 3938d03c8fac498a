"""Personal access tokens: creating, listing and revoking them, and authenticating with
one (see :mod:`taskcore.domain.access_tokens`)."""

from __future__ import annotations

import datetime as dt

import attrs

from taskcore.domain import access_tokens as rules
from taskcore.domain.access_tokens import AccessToken
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.token_events import AccessTokenCreated, AccessTokenRevoked
from taskcore.errors import AccessTokenNotFound, TokenInvalid
from taskcore.ports.clock import Clock
from taskcore.services import access
from taskcore.services.users.base import UsersBase, security_log
from taskcore.services.users.views import Principal, UserView
from taskcore.uow import Transactions, Work


@attrs.frozen(kw_only=True)
class AccessTokenView:
    """What anyone may see of a token: never its secret or digest.

    ``expired``: whether it is past its expiry (expired tokens are listed until revoked).
    """

    id: int
    user_id: int
    name: str
    scopes: tuple[str, ...]
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None
    last_used_from: str | None
    expired: bool

    @classmethod
    def of(cls, token: AccessToken, now: dt.datetime) -> AccessTokenView:
        """The view of ``token`` at ``now``."""
        return cls(
            id=token.key,
            user_id=token.user_id,
            name=token.name,
            scopes=tuple(sorted(token.scopes)),
            created_at=token.created_at,
            expires_at=token.expires_at,
            last_used_at=token.last_used_at,
            last_used_from=token.last_used_from,
            expired=now >= token.expires_at,
        )


@attrs.frozen(kw_only=True)
class CreatedAccessToken:
    """A new token and its secret: the only time the secret is ever given out."""

    token: AccessTokenView
    secret: str


def revoke_all_tokens(
    work: Work, user_id: int, *, now: dt.datetime, reason: str, actor_id: int | None
) -> None:
    """Revoke every token of a user in ``work``'s transaction, one event each."""
    for token in work.uow.access_tokens.revoke_all(user_id, now=now, reason=reason):
        work.record(
            AccessTokenRevoked(
                occurred_at=now,
                actor_id=actor_id,
                entity_id=user_id,
                token_id=token.key,
                token_name=token.name,
                reason=reason,
            )
        )


def verify_access_token(
    tx: Transactions, clock: Clock, secret: str, *, address: str | None
) -> tuple[Principal, UserView]:
    """The caller behind a personal access token, noting its use (at most once a minute).

    Raises:
        TokenInvalid: ``Invalid or expired token`` (malformed, tampered, unknown, revoked,
            expired) or ``User not found or inactive``.
    """
    if not rules.well_formed(secret):
        raise TokenInvalid("Invalid or expired token")
    now = clock.now()
    with tx(read_only=True) as work:
        found = work.uow.access_tokens.get_with_user(rules.digest(secret))
    if found is None or not found[0].is_live(now):
        raise TokenInvalid("Invalid or expired token")
    token, user = found
    if not user.is_active:
        raise TokenInvalid("User not found or inactive")
    if token.needs_use_recorded(now):
        with tx() as work:
            where = None if address is None else address[: rules.ADDRESS_MAX]
            work.uow.access_tokens.record_use(token.key, now=now, address=where)
            work.commit()
    principal = Principal(
        user_id=user.key,
        username=user.username,
        is_admin=user.is_admin and any(s.startswith(f"{rules.ADMIN}:") for s in token.scopes),
        token_expires_at=token.expires_at,
        scopes=token.scopes,
        access_token_id=token.key,
    )
    return principal, UserView.of(user)


class AccessTokens(UsersBase):
    """Managing personal access tokens: one's own, and (administrators) everyone's."""

    def create_token(
        self,
        actor: Principal,
        *,
        name: object,
        scopes: list[object] | None,
        expires_at: dt.datetime | str | None,
    ) -> CreatedAccessToken:
        """Create a token for the caller; its secret is in the result and nowhere else.

        Raises:
            ValidationError: (``name``, ``scopes``, ``expires_at``) see
                :mod:`taskcore.domain.access_tokens`; the ``admin`` scope is refused to
                non-administrators.
        """
        now = self._clock.now()
        checked_name = rules.check_name(name)
        checked_scopes = rules.check_scopes(scopes, is_admin=actor.is_admin)
        expires = rules.check_expiry(expires_at, now=now)
        secret = rules.new_secret()
        with self._tx() as work:
            token = work.uow.access_tokens.add(
                AccessToken(
                    user_id=actor.user_id,
                    name=checked_name,
                    digest=rules.digest(secret),
                    scopes=checked_scopes,
                    created_at=now,
                    expires_at=expires,
                )
            )
            work.record(
                AccessTokenCreated(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=actor.user_id,
                    token_id=token.key,
                    token_name=token.name,
                    scopes=sorted(token.scopes),
                    expires_at=expires.isoformat(),
                )
            )
            work.commit()
        security_log.info(
            "access token created",
            extra={"event": "access_token_created", "user_id": actor.user_id},
        )
        return CreatedAccessToken(token=AccessTokenView.of(token, now), secret=secret)

    def list_my_tokens(self, actor: Principal, page: PageRequest) -> Page[AccessTokenView]:
        """The caller's tokens not revoked, newest first."""
        return self._list(page, user_id=actor.user_id)

    def list_tokens(
        self, actor: Principal, page: PageRequest, *, user_id: int | None = None
    ) -> Page[AccessTokenView]:
        """Everyone's tokens not revoked, or one user's, newest first (administrators).

        Raises:
            AdminRequired: the caller is not an administrator.
        """
        access.require_admin(actor)
        return self._list(page, user_id=user_id)

    def revoke_my_token(self, actor: Principal, token_id: int) -> None:
        """Revoke one of the caller's tokens; it stops working at once.

        Raises:
            AccessTokenNotFound: no such live token of the caller's.
        """
        self._revoke(actor, token_id, owner=actor.user_id, reason="revoked")

    def revoke_token(self, actor: Principal, token_id: int) -> None:
        """Revoke anyone's token (administrators).

        Raises:
            AdminRequired: the caller is not an administrator.
            AccessTokenNotFound: no such live token.
        """
        access.require_admin(actor)
        self._revoke(actor, token_id, owner=None, reason="revoked_by_admin")

    def _list(self, page: PageRequest, *, user_id: int | None) -> Page[AccessTokenView]:
        with self._tx(read_only=True) as work:
            found = work.uow.access_tokens.list(page, user_id=user_id)
        now = self._clock.now()
        return Page(
            items=[AccessTokenView.of(t, now) for t in found.items],
            page=found.page,
            per_page=found.per_page,
            total=found.total,
        )

    def _revoke(self, actor: Principal, token_id: int, *, owner: int | None, reason: str) -> None:
        with self._tx() as work:
            tokens = work.uow.access_tokens
            token = tokens.get(token_id)
            if token is None or token.revoked_at is not None:
                raise AccessTokenNotFound()
            if owner is not None and token.user_id != owner:
                raise AccessTokenNotFound()
            now = self._clock.now()
            revoked = tokens.revoke(token_id, now=now, reason=reason)
            if revoked is None:
                raise AccessTokenNotFound()
            work.record(
                AccessTokenRevoked(
                    occurred_at=now,
                    actor_id=actor.user_id,
                    entity_id=token.user_id,
                    token_id=token_id,
                    token_name=token.name,
                    reason=reason,
                )
            )
            work.commit()
        security_log.info(
            "access token revoked",
            extra={"event": "access_token_revoked", "user_id": token.user_id},
        )
