"""Personal access tokens in memory."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable, Sequence

import attrs

from taskcore.domain.access_tokens import USE_INTERVAL, AccessToken
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.users import User


class InMemoryAccessTokenRepository:
    """Tokens by id (see ``taskcore.ports.access_tokens``)."""

    def __init__(
        self,
        tokens: dict[int, AccessToken],
        users: dict[int, User],
        allocate: Callable[[str], int],
    ) -> None:
        self._tokens = tokens
        self._users = users
        self._allocate = allocate

    def add(self, token: AccessToken) -> AccessToken:
        if any(t.digest == token.digest for t in self._tokens.values()):
            raise ValueError("duplicate access token digest")
        stored = attrs.evolve(token, id=self._allocate("access_tokens"))
        self._tokens[stored.key] = stored
        return stored

    def get(self, token_id: int) -> AccessToken | None:
        return self._tokens.get(token_id)

    def get_with_user(self, digest: str) -> tuple[AccessToken, User] | None:
        for token in self._tokens.values():
            if token.digest == digest:
                user = self._users.get(token.user_id)
                return None if user is None else (token, copy.deepcopy(user))
        return None

    def list(self, page: PageRequest, *, user_id: int | None) -> Page[AccessToken]:
        found = sorted(
            (
                t
                for t in self._tokens.values()
                if t.revoked_at is None and (user_id is None or t.user_id == user_id)
            ),
            key=lambda t: (t.created_at, t.key),
            reverse=True,
        )
        return Page(
            items=found[page.offset : page.offset + page.per_page],
            page=page.page,
            per_page=page.per_page,
            total=len(found),
        )

    def revoke(self, token_id: int, *, now: dt.datetime, reason: str) -> AccessToken | None:
        token = self._tokens.get(token_id)
        if token is None or token.revoked_at is not None:
            return None
        revoked = attrs.evolve(token, revoked_at=now, revoked_reason=reason)
        self._tokens[token_id] = revoked
        return revoked

    def revoke_all(self, user_id: int, *, now: dt.datetime, reason: str) -> Sequence[AccessToken]:
        ids = sorted(t.key for t in self._tokens.values() if t.user_id == user_id)
        return [r for r in (self.revoke(i, now=now, reason=reason) for i in ids) if r is not None]

    def record_use(self, token_id: int, *, now: dt.datetime, address: str | None) -> None:
        token = self._tokens.get(token_id)
        if token is None:
            return
        if token.last_used_at is not None and now - token.last_used_at < USE_INTERVAL:
            return
        self._tokens[token_id] = attrs.evolve(token, last_used_at=now, last_used_from=address)
