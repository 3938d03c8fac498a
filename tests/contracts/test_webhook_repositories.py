"""The repository contract of webhook endpoints and their deliveries, on every adapter."""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

from taskcore.domain.pagination import PageRequest
from taskcore.domain.projects import Project
from taskcore.domain.users import User
from taskcore.domain.webhooks import (
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    message_id,
    new_secret,
)
from taskcore.errors import WebhookNotFound
from taskcore.ports.uow import UnitOfWorkFactory

NOW = dt.datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=dt.UTC)


@attrs.frozen
class Setup:
    """A user and two projects."""

    user_id: int
    projects: list[int]


@pytest.fixture
def setup(uow_factory: UnitOfWorkFactory) -> Setup:
    with uow_factory() as uow:
        user = uow.users.add(
            User(
                username="alice",
                email="alice@example.com",
                password_hash="hash",
                full_name=None,
                created_at=NOW,
            )
        )
        projects = [
            uow.projects.add(
                Project(name=name, owner_id=user.key, created_at=NOW, updated_at=NOW)
            ).key
            for name in ("Apollo", "Gemini")
        ]
        uow.commit()
    return Setup(user_id=user.key, projects=projects)


def endpoint(setup: Setup, project: int = 0, **changes: Any) -> WebhookEndpoint:
    return attrs.evolve(
        WebhookEndpoint(
            project_id=setup.projects[project],
            url="https://hooks.example.com/in",
            event_types=("task.created", "task.updated"),
            secret=new_secret(),
            created_by=setup.user_id,
            created_at=NOW,
            updated_at=NOW,
        ),
        **changes,
    )


def delivery(endpoint_id: int, event_id: str = "e" * 32, **changes: Any) -> WebhookDelivery:
    return attrs.evolve(
        WebhookDelivery(
            endpoint_id=endpoint_id,
            event_id=event_id,
            event_type="task.created",
            message_id=message_id(event_id, endpoint_id),
            payload='{"type":"task.created"}',
            next_attempt_at=NOW,
            created_at=NOW,
            updated_at=NOW,
        ),
        **changes,
    )


class TestWebhookRepository:
    def test_round_trip(self, uow_factory: UnitOfWorkFactory, setup: Setup) -> None:
        """An endpoint reads back exactly as stored, with an allocated id."""
        new = endpoint(setup, description="CI", previous_secret=new_secret())
        with uow_factory() as uow:
            stored = uow.webhooks.add(new)
            uow.commit()
        with uow_factory() as uow:
            assert attrs.evolve(new, id=stored.key) == uow.webhooks.get(stored.key)

    def test_update(self, uow_factory: UnitOfWorkFactory, setup: Setup) -> None:
        """Every field of an endpoint can change."""
        with uow_factory() as uow:
            stored = uow.webhooks.add(endpoint(setup))
            uow.commit()
        changed = attrs.evolve(
            stored,
            url="https://other.example.com/",
            event_types=("*",),
            is_active=False,
            disabled_reason="gone",
            consecutive_failures=4,
            secret=new_secret(),
            previous_secret=stored.secret,
            previous_secret_expires_at=NOW + dt.timedelta(days=1),
            updated_at=NOW + dt.timedelta(hours=1),
        )
        with uow_factory() as uow:
            assert changed == uow.webhooks.update(changed)
            uow.commit()
        with uow_factory() as uow:
            assert changed == uow.webhooks.get(stored.key)

    def test_update_of_missing_endpoint(self, uow_factory: UnitOfWorkFactory, setup: Setup) -> None:
        """Updating an endpoint that does not exist raises WebhookNotFound."""
        with uow_factory() as uow, pytest.raises(WebhookNotFound):
            uow.webhooks.update(endpoint(setup, id=999))

    def test_find_count_and_active(self, uow_factory: UnitOfWorkFactory, setup: Setup) -> None:
        """A project's endpoints are listed oldest first; only active ones are offered
        for delivery; other projects' are not mixed in."""
        with uow_factory() as uow:
            ids = [uow.webhooks.add(endpoint(setup, is_active=n != 1)).key for n in range(3)]
            uow.webhooks.add(endpoint(setup, project=1))
            uow.commit()
        with uow_factory() as uow:
            repo = uow.webhooks
            assert ids[1:] == [e.key for e in repo.find(setup.projects[0], offset=1, limit=5)]
            assert 3 == repo.count(setup.projects[0])
            assert [ids[0], ids[2]] == [e.key for e in repo.active_for_project(setup.projects[0])]

    def test_delete_takes_deliveries(self, uow_factory: UnitOfWorkFactory, setup: Setup) -> None:
        """Deleting an endpoint deletes its deliveries; deleting a project's endpoints
        leaves other projects' alone."""
        with uow_factory() as uow:
            first = uow.webhooks.add(endpoint(setup)).key
            second = uow.webhooks.add(endpoint(setup)).key
            other = uow.webhooks.add(endpoint(setup, project=1)).key
            gone = uow.webhook_deliveries.add(delivery(first))
            kept = uow.webhook_deliveries.add(delivery(other))
            uow.commit()
        assert gone is not None
        assert kept is not None
        with uow_factory() as uow:
            uow.webhooks.delete(first)
            assert 1 == uow.webhooks.delete_in_project(setup.projects[0])
            uow.commit()
        with uow_factory() as uow:
            assert (None, None) == (uow.webhooks.get(first), uow.webhooks.get(second))
            assert uow.webhook_deliveries.get(gone.key) is None
            assert kept == uow.webhook_deliveries.get(kept.key)


class TestWebhookDeliveryRepository:
    @pytest.fixture
    def endpoint_id(self, uow_factory: UnitOfWorkFactory, setup: Setup) -> int:
        with uow_factory() as uow:
            found = uow.webhooks.add(endpoint(setup)).key
            uow.commit()
        return found

    def test_one_delivery_per_event_and_endpoint(
        self, uow_factory: UnitOfWorkFactory, endpoint_id: int
    ) -> None:
        """A second delivery of the same event to the same endpoint is not stored."""
        with uow_factory() as uow:
            first = uow.webhook_deliveries.add(delivery(endpoint_id))
            assert uow.webhook_deliveries.add(delivery(endpoint_id)) is None
            uow.commit()
        with uow_factory() as uow:
            assert first is not None
            assert first == uow.webhook_deliveries.get(first.key)
            page = uow.webhook_deliveries.find(endpoint_id, None, PageRequest())
            assert 1 == page.total

    def test_save_and_due(self, uow_factory: UnitOfWorkFactory, endpoint_id: int) -> None:
        """Saved state reads back; only pending deliveries due by now are offered, oldest
        due first."""
        with uow_factory() as uow:
            repo = uow.webhook_deliveries
            a = repo.add(delivery(endpoint_id, "a" * 32, next_attempt_at=NOW))
            b = repo.add(delivery(endpoint_id, "b" * 32, next_attempt_at=NOW - dt.timedelta(1)))
            c = repo.add(delivery(endpoint_id, "c" * 32, next_attempt_at=NOW + dt.timedelta(1)))
            d = repo.add(delivery(endpoint_id, "d" * 32))
            uow.commit()
        assert a is not None
        assert b is not None
        assert c is not None
        assert d is not None
        d.status = WebhookDeliveryStatus.FAILED
        d.attempts = 3
        d.last_status_code = 500
        d.last_error = "The receiver answered 500"
        d.updated_at = NOW + dt.timedelta(minutes=5)
        with uow_factory() as uow:
            uow.webhook_deliveries.save(d)
            uow.commit()
        with uow_factory() as uow:
            assert d == uow.webhook_deliveries.get(d.key)
            due = uow.webhook_deliveries.due(NOW, 10)
            assert [b.key, a.key] == [x.key for x in due]
            assert [b.key] == [x.key for x in uow.webhook_deliveries.due(NOW, 1)]

    def test_find_newest_first_by_status(
        self, uow_factory: UnitOfWorkFactory, endpoint_id: int
    ) -> None:
        """Deliveries are listed newest first, optionally in one status, by pages."""
        with uow_factory() as uow:
            ids = []
            for n in range(3):
                made = uow.webhook_deliveries.add(
                    delivery(
                        endpoint_id,
                        f"{n:032x}",
                        created_at=NOW + dt.timedelta(minutes=n),
                        status=WebhookDeliveryStatus.FAILED if n else WebhookDeliveryStatus.PENDING,
                    )
                )
                assert made is not None
                ids.append(made.key)
            uow.commit()
        with uow_factory() as uow:
            repo = uow.webhook_deliveries
            page = repo.find(endpoint_id, None, PageRequest(page=1, per_page=2))
            assert ([ids[2], ids[1]], 3) == ([x.key for x in page.items], page.total)
            failed = repo.find(endpoint_id, WebhookDeliveryStatus.FAILED, PageRequest())
            assert [ids[2], ids[1]] == [x.key for x in failed.items]
