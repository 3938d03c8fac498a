"""The repository contract of login sessions and refresh tokens, on every adapter."""

from __future__ import annotations

import datetime as dt
import threading

from taskcore.domain.sessions import AuthSession, RefreshUse
from taskcore.domain.users import User
from taskcore.ports.uow import UnitOfWorkFactory

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


def user_with_sessions(factory: UnitOfWorkFactory, *session_ids: str) -> int:
    with factory() as uow:
        user = uow.users.add(
            User(
                username="alice",
                email="alice@example.com",
                password_hash="h",
                full_name=None,
                created_at=NOW,
            )
        )
        for sid in session_ids:
            uow.sessions.add(
                AuthSession(
                    id=sid, user_id=user.key, created_at=NOW, expires_at=NOW + dt.timedelta(days=1)
                )
            )
            uow.sessions.add_refresh_token(f"digest-{sid}", session_id=sid, now=NOW)
        uow.commit()
    return user.key


class TestSessions:
    def test_sessions_round_trip_and_revoke_once(self, uow_factory: UnitOfWorkFactory) -> None:
        """A stored session reads back; revoking keeps the first time and reason."""
        user_id = user_with_sessions(uow_factory, "s1")
        later = NOW + dt.timedelta(minutes=5)
        with uow_factory() as uow:
            assert AuthSession(
                id="s1", user_id=user_id, created_at=NOW, expires_at=NOW + dt.timedelta(days=1)
            ) == uow.sessions.get("s1")
            assert uow.sessions.get("nope") is None
            uow.sessions.revoke("s1", now=NOW, reason="logout")
            uow.sessions.revoke("s1", now=later, reason="other")
            uow.commit()
        with uow_factory() as uow:
            stored = uow.sessions.get("s1")
        assert stored is not None
        assert (NOW, "logout", False) == (
            stored.revoked_at,
            stored.revoked_reason,
            stored.is_live(later),
        )

    def test_a_session_is_read_with_its_user(self, uow_factory: UnitOfWorkFactory) -> None:
        """``get_with_user`` gives the session and its user in one call; an unknown
        session gives ``None``."""
        user_id = user_with_sessions(uow_factory, "s1")
        with uow_factory() as uow:
            found = uow.sessions.get_with_user("s1")
            missing = uow.sessions.get_with_user("nope")
            expected = (uow.sessions.get("s1"), uow.users.get(user_id))
        assert (expected, None) == (found, missing)

    def test_revoke_all_ends_every_session_of_the_user(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Revoking all of a user's sessions ends each of them."""
        user_with_sessions(uow_factory, "s1", "s2")
        with uow_factory() as uow:
            session = uow.sessions.get("s1")
            assert session is not None
            uow.sessions.revoke_all(session.user_id, now=NOW, reason="password_changed")
            uow.commit()
        with uow_factory() as uow:
            reasons = [getattr(uow.sessions.get(s), "revoked_reason", None) for s in ("s1", "s2")]
        assert ["password_changed", "password_changed"] == reasons

    def test_a_refresh_token_is_used_once(self, uow_factory: UnitOfWorkFactory) -> None:
        """The first use of a refresh token wins; later uses are reported as replays, with
        the time of the first use."""
        user_with_sessions(uow_factory, "s1")
        later = NOW + dt.timedelta(seconds=5)
        with uow_factory() as uow:
            first = uow.sessions.use_refresh_token("digest-s1", now=NOW)
            second = uow.sessions.use_refresh_token("digest-s1", now=later)
            unknown = uow.sessions.use_refresh_token("digest-none", now=later)
            uow.commit()
        assert RefreshUse(session_id="s1", first_use=True, used_at=NOW) == first
        assert RefreshUse(session_id="s1", first_use=False, used_at=NOW) == second
        assert unknown is None

    def test_a_rolled_back_use_leaves_the_token_unused(
        self, uow_factory: UnitOfWorkFactory
    ) -> None:
        """Using a token in a transaction that rolls back does not consume it."""
        user_with_sessions(uow_factory, "s1")
        with uow_factory() as uow:
            uow.sessions.use_refresh_token("digest-s1", now=NOW)
        with uow_factory() as uow:
            use = uow.sessions.use_refresh_token("digest-s1", now=NOW)
        assert use is not None
        assert use.first_use

    def test_concurrent_uses_have_one_winner(self, uow_factory: UnitOfWorkFactory) -> None:
        """Of many concurrent transactions using one token, exactly one gets the first use."""
        user_with_sessions(uow_factory, "s1")
        results: list[bool] = []
        barrier = threading.Barrier(8)

        def use() -> None:
            barrier.wait()
            with uow_factory() as uow:
                outcome = uow.sessions.use_refresh_token("digest-s1", now=NOW)
                uow.commit()
            assert outcome is not None
            results.append(outcome.first_use)

        threads = [threading.Thread(target=use) for _ in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert [False] * 7 + [True] == sorted(results)
