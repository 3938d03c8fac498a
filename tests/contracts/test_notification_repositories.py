"""The repository contract of notifications, templates and preferences, on every adapter."""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

import attrs
import pytest

from taskcore import errors
from taskcore.domain.notifications import (
    EMAIL,
    IN_APP,
    SEEDED_TEMPLATES,
    Channel,
    Notification,
    NotificationPreferences,
    NotificationPriority,
    NotificationStatus,
    NotificationTemplate,
    NotifyEvent,
)
from taskcore.domain.users import User
from taskcore.ports.uow import UnitOfWorkFactory

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)
LATER = NOW + dt.timedelta(minutes=5)


@pytest.fixture
def users(uow_factory: UnitOfWorkFactory) -> list[int]:
    """Two users' ids."""
    with uow_factory() as uow:
        ids = [
            uow.users.add(
                User(
                    username=name,
                    email=f"{name}@example.com",
                    password_hash="hash",
                    full_name=None,
                    created_at=NOW,
                )
            ).key
            for name in ("alice", "bob")
        ]
        uow.commit()
    return ids


def new(recipient: int, **changes: Any) -> Notification:
    values: dict[str, Any] = {
        "recipient_email": "r@example.com",
        "recipient_id": recipient,
        "subject": "Hello",
        "body": "<html>hi</html>",
        "notification_type": EMAIL,
        "context_data": {"a": [1, "x"]},
        "scheduled_at": NOW,
        "created_at": NOW,
        "next_attempt_at": NOW,
    }
    values.update(changes)
    return Notification(**values)


def add(uow_factory: UnitOfWorkFactory, *items: Notification) -> list[Notification]:
    with uow_factory() as uow:
        stored = [uow.notifications.add(n) for n in items]
        uow.commit()
    return stored


class TestNotifications:
    def test_add_and_get_round_trip(self, uow_factory: UnitOfWorkFactory, users: list[int]) -> None:
        """A stored notification reads back with every field and a new id."""
        (stored,) = add(uow_factory, new(users[0], priority=NotificationPriority.HIGH))
        with uow_factory() as uow:
            found = uow.notifications.get(stored.key)
        assert (
            attrs.evolve(new(users[0], priority=NotificationPriority.HIGH), id=stored.id) == found
        )

    def test_get_missing(self, uow_factory: UnitOfWorkFactory) -> None:
        """A missing id gives None."""
        with uow_factory() as uow:
            assert None is uow.notifications.get(999)

    def test_find_newest_first_with_filters(
        self, uow_factory: UnitOfWorkFactory, users: list[int]
    ) -> None:
        """A recipient's list is newest first and filters by type and unread."""
        alice, bob = users
        stored = add(
            uow_factory,
            new(alice, created_at=NOW),
            new(alice, created_at=LATER, notification_type=IN_APP),
            new(alice, created_at=LATER, notification_type=IN_APP),
            new(bob, created_at=LATER),
        )
        with uow_factory() as uow:
            repo = uow.notifications
            assert [stored[2].id, stored[1].id, stored[0].id] == [
                n.id for n in repo.find(alice, offset=0, limit=10)
            ]
            assert [stored[1].id] == [n.id for n in repo.find(alice, offset=1, limit=1)]
            assert 3 == repo.count(alice)
            assert 2 == repo.count(alice, notification_type=IN_APP)
            # Only in-app notifications of the recipient are marked.
            assert 1 == repo.mark_read(alice, [stored[1].key, stored[0].key, stored[3].key], NOW)
            uow.commit()
        with uow_factory() as uow:
            repo = uow.notifications
            unread = repo.find(alice, notification_type=IN_APP, unread_only=True, offset=0, limit=5)
            assert [stored[2].id] == [n.id for n in unread]
            assert 1 == repo.count(alice, notification_type=IN_APP, unread_only=True)
            assert NOW == repo.get(stored[1].key).read_at  # type: ignore[union-attr]

    def test_mark_read_all(self, uow_factory: UnitOfWorkFactory, users: list[int]) -> None:
        """Marking all read touches only the recipient's unread in-app notifications."""
        alice, bob = users
        add(
            uow_factory,
            new(alice, notification_type=IN_APP),
            new(alice, notification_type=IN_APP),
            new(alice),
            new(bob, notification_type=IN_APP),
        )
        with uow_factory() as uow:
            assert 2 == uow.notifications.mark_read(alice, None, NOW)
            assert 0 == uow.notifications.mark_read(alice, None, NOW)
            assert 1 == uow.notifications.count(bob, unread_only=True)

    def test_claim_once(self, uow_factory: UnitOfWorkFactory, users: list[int]) -> None:
        """A due notification is claimed once; a second claim finds it taken."""
        (stored,) = add(uow_factory, new(users[0]))
        with uow_factory() as uow:
            claimed = uow.notifications.claim(stored.key, now=NOW, lease_until=LATER)
            again = uow.notifications.claim(stored.key, now=NOW, lease_until=LATER)
            uow.commit()
        assert claimed is not None
        assert (NotificationStatus.SENDING, 1, LATER) == (
            claimed.status,
            claimed.attempts,
            claimed.next_attempt_at,
        )
        assert None is again

    def test_concurrent_claims_one_wins(
        self, uow_factory: UnitOfWorkFactory, users: list[int]
    ) -> None:
        """Of two transactions claiming the same notification at once, one gets it."""
        (stored,) = add(uow_factory, new(users[0]))
        barrier = threading.Barrier(2)
        results: list[bool] = []

        def claim() -> None:
            barrier.wait()
            with uow_factory() as uow:
                got = uow.notifications.claim(stored.key, now=NOW, lease_until=LATER)
                time.sleep(0.05)
                uow.commit()
            results.append(got is not None)

        threads = [threading.Thread(target=claim) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert [False, True] == sorted(results)
        with uow_factory() as uow:
            found = uow.notifications.get(stored.key)
        assert found is not None
        assert 1 == found.attempts

    def test_claim_not_before_due(self, uow_factory: UnitOfWorkFactory, users: list[int]) -> None:
        """A notification scheduled later, or missing, cannot be claimed now."""
        (stored,) = add(uow_factory, new(users[0], next_attempt_at=LATER))
        with uow_factory() as uow:
            assert None is uow.notifications.claim(stored.key, now=NOW, lease_until=LATER)
            assert None is uow.notifications.claim(999, now=NOW, lease_until=LATER)

    def test_expired_claim_can_be_taken_over(
        self, uow_factory: UnitOfWorkFactory, users: list[int]
    ) -> None:
        """After its lease, a sending notification is due again and its attempt counts."""
        (stored,) = add(uow_factory, new(users[0]))
        with uow_factory() as uow:
            uow.notifications.claim(stored.key, now=NOW, lease_until=LATER)
            uow.commit()
        with uow_factory() as uow:
            assert [stored.id] == [n.id for n in uow.notifications.due(LATER, 10)]
            second = uow.notifications.claim(stored.key, now=LATER, lease_until=LATER)
        assert second is not None
        assert 2 == second.attempts

    def test_finish_only_own_attempt(
        self, uow_factory: UnitOfWorkFactory, users: list[int]
    ) -> None:
        """An outcome is saved for the current attempt only, once."""
        (stored,) = add(uow_factory, new(users[0]))
        with uow_factory() as uow:
            claimed = uow.notifications.claim(stored.key, now=NOW, lease_until=LATER)
            assert claimed is not None
            done = attrs.evolve(
                claimed, status=NotificationStatus.SENT, sent_at=LATER, error_message=None
            )
            assert not uow.notifications.finish(done, attempt=2)
            assert uow.notifications.finish(done, attempt=1)
            assert not uow.notifications.finish(done, attempt=1)
            uow.commit()
        with uow_factory() as uow:
            found = uow.notifications.get(stored.key)
        assert found is not None
        assert (NotificationStatus.SENT, LATER) == (found.status, found.sent_at)

    def test_due_by_real_priority(self, uow_factory: UnitOfWorkFactory, users: list[int]) -> None:
        """Due e-mail comes high, normal, low, then oldest first; others are not due."""
        alice = users[0]
        stored = add(
            uow_factory,
            new(alice, priority=NotificationPriority.NORMAL),
            new(alice, priority=NotificationPriority.LOW),
            new(alice, priority=NotificationPriority.HIGH, created_at=LATER),
            new(alice, priority=NotificationPriority.HIGH),
            new(alice, next_attempt_at=LATER),
            new(alice, notification_type=IN_APP, status=NotificationStatus.PENDING),
            new(alice, status=NotificationStatus.SENT),
        )
        with uow_factory() as uow:
            due = uow.notifications.due(NOW, 10)
            assert [stored[i].id for i in (3, 2, 0, 1)] == [n.id for n in due]
            assert [stored[3].id] == [n.id for n in uow.notifications.due(NOW, 1)]
            assert 1 == uow.notifications.count_by_status(NotificationStatus.SENT)


class TestTemplates:
    def test_starts_with_seeded_templates(self, uow_factory: UnitOfWorkFactory) -> None:
        """A fresh store has the two seeded templates, active, as jinja HTML."""
        with uow_factory() as uow:
            active = uow.notification_templates.active()
        assert [
            (name, subject, body, EMAIL, True) for name, (subject, body) in SEEDED_TEMPLATES.items()
        ] == [
            (t.name, t.subject_template, t.body_template, t.notification_type, t.is_active)
            for t in active
        ]

    def test_add_update_and_unique_names(self, uow_factory: UnitOfWorkFactory) -> None:
        """Templates are stored, renamed and deactivated; a taken name is refused."""
        template = NotificationTemplate(
            name="digest",
            subject_template="s",
            body_template="b",
            created_at=NOW,
            updated_at=NOW,
        )
        with uow_factory() as uow:
            stored = uow.notification_templates.add(template)
            assert stored == uow.notification_templates.get_by_name("digest")
            with pytest.raises(errors.TemplateNameExists):
                uow.notification_templates.add(attrs.evolve(template, name="task_assigned"))
            with pytest.raises(errors.TemplateNameExists):
                uow.notification_templates.update(attrs.evolve(stored, name="task_completed"))
            changed = uow.notification_templates.update(
                attrs.evolve(stored, is_active=False, subject_template="t", updated_at=LATER)
            )
            uow.commit()
        with uow_factory() as uow:
            assert changed == uow.notification_templates.get(stored.key)
            assert "digest" not in [t.name for t in uow.notification_templates.active()]
            assert None is uow.notification_templates.get_by_name("nothing")
            with pytest.raises(errors.TemplateNotFound):
                uow.notification_templates.update(attrs.evolve(stored, id=999))


class TestPreferences:
    def test_defaults_and_saved_choices(
        self, uow_factory: UnitOfWorkFactory, users: list[int]
    ) -> None:
        """Everything is on until saved; saved choices read back; users are separate."""
        alice, bob = users
        with uow_factory() as uow:
            assert uow.notification_preferences.get(alice).wants(
                NotifyEvent.MENTIONED, Channel.EMAIL
            )
            prefs = NotificationPreferences(user_id=alice).changed({"mentioned": {"email": False}})
            uow.notification_preferences.save(prefs)
            uow.notification_preferences.save(prefs.changed({"task_assigned": {"in_app": False}}))
            uow.commit()
        with uow_factory() as uow:
            found = uow.notification_preferences.get(alice)
            other = uow.notification_preferences.get(bob)
        assert not found.wants(NotifyEvent.MENTIONED, Channel.EMAIL)
        assert not found.wants(NotifyEvent.TASK_ASSIGNED, Channel.IN_APP)
        assert found.wants(NotifyEvent.MENTIONED, Channel.IN_APP)
        assert other.wants(NotifyEvent.MENTIONED, Channel.EMAIL)
