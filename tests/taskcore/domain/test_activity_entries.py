"""Activity entries from events, the details sanitizer, and the request origin."""

from __future__ import annotations

import concurrent.futures
import contextvars
import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from taskcore.domain.activity import entry_from_event, is_secret_key, sanitize_details
from taskcore.domain.events import TaskUpdated, UserUpdated
from taskcore.domain.origin import UNKNOWN, Origin, current_origin, origin_scope

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


class TestSanitizeDetails:
    def test_drops_secret_keys_at_any_depth(self) -> None:
        """Keys naming passwords, tokens, secrets or credentials go, in nested objects and
        in objects inside arrays; everything else stays."""
        details = {
            "password": "hunter2",
            "username": "ada",
            "changes": {
                "new_password": {"old": "a", "new": "b"},
                "email": {"old": "a@x", "new": "b@x"},
                "API-Key": "k",
            },
            "items": [{"access_token": "t", "id": 1}, {"Client_Secret": "s", "id": 2}],
            "Authorization": "Bearer x",
            "session_cookie": "c",
            "refresh_token": "r",
            "private_key": "p",
            "author_id": 7,
        }
        assert {
            "username": "ada",
            "changes": {"email": {"old": "a@x", "new": "b@x"}},
            "items": [{"id": 1}, {"id": 2}],
            "author_id": 7,
        } == sanitize_details(details)

    @given(
        st.recursive(
            st.none() | st.booleans() | st.integers() | st.text(max_size=5),
            lambda children: (
                st.lists(children, max_size=3)
                | st.dictionaries(
                    st.sampled_from(["id", "title", "password", "x_token", "Secret", "changes"]),
                    children,
                    max_size=4,
                )
            ),
            max_leaves=20,
        )
    )
    def test_no_secret_key_survives(self, value: object) -> None:
        """Whatever the nesting, no key naming a secret is left."""
        cleaned = sanitize_details({"details": value})

        def keys(node: object) -> list[str]:
            if isinstance(node, dict):
                return [*node, *(k for v in node.values() for k in keys(v))]
            if isinstance(node, list):
                return [k for v in node for k in keys(v)]
            return []

        assert [] == [k for k in keys(cleaned) if is_secret_key(k)]

    def test_values_become_json(self) -> None:
        """Dates become ISO text and tuples become arrays."""
        assert {"due": "2026-03-01T12:00:00+00:00", "ids": [1, 2]} == sanitize_details(
            {"due": NOW, "ids": (1, 2)}
        )

    def test_none_stays_none(self) -> None:
        """No details stay no details."""
        assert sanitize_details(None) is None

    def test_secret_key_names(self) -> None:
        """Only names that mention a secret are secret."""
        assert [True, True, True, False, False, False] == [
            is_secret_key(k)
            for k in ("passwd", "jwt_token", "x-signature", "title", "total", "authored")
        ]


class TestEntryFromEvent:
    def test_copies_the_event_and_origin(self) -> None:
        """The entry has the event's actor, action, entity, details and time, the origin,
        and service name ``taskcore``."""
        event = TaskUpdated(
            occurred_at=NOW,
            actor_id=4,
            entity_id=9,
            project_id=2,
            title="b",
            changes={"title": {"old": "a", "new": "b"}},
        )
        entry = entry_from_event(event, Origin(ip_address="198.51.100.2", user_agent="ua"))
        assert (4, "update", "task", 9, event.details, "198.51.100.2", "ua", "taskcore", NOW) == (
            entry.user_id,
            entry.action,
            entry.entity_type,
            entry.entity_id,
            entry.details,
            entry.ip_address,
            entry.user_agent,
            entry.service_name,
            entry.created_at,
        )

    def test_password_change_keeps_no_password(self) -> None:
        """The password-change event's marker key is dropped."""
        event = UserUpdated(occurred_at=NOW, actor_id=1, entity_id=1, password="changed")
        assert {"password": "changed"} == event.details
        assert {} == entry_from_event(event, UNKNOWN).details


class TestOrigin:
    def test_user_agent_is_cut(self) -> None:
        """A user agent is cut to 500 characters."""
        assert 500 == len(Origin(user_agent="x" * 2000).user_agent or "")

    def test_scope_sets_and_restores(self) -> None:
        """Inside the scope the origin is current; outside, the previous one is again."""
        outer = Origin(ip_address="192.0.2.1")
        with origin_scope(outer):
            with origin_scope(Origin(ip_address="192.0.2.2")):
                inner = current_origin()
            assert (outer, "192.0.2.2") == (current_origin(), inner.ip_address)
        assert UNKNOWN == current_origin()

    def test_follows_into_threads_that_copy_the_context(self) -> None:
        """A thread pool call made with the copied context sees the origin; concurrent
        scopes do not see each other's."""
        with (
            origin_scope(Origin(ip_address="192.0.2.9")),
            concurrent.futures.ThreadPoolExecutor(1) as pool,
        ):
            context = contextvars.copy_context()
            seen = pool.submit(context.run, current_origin).result()
            bare = pool.submit(current_origin).result()
        assert ("192.0.2.9", UNKNOWN) == (seen.ip_address, bare)
