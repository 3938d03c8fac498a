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

    def test_project_load_counts_claims_and_recent_attempts(
        self, uow_factory: UnitOfWorkFactory, setup: Setup
    ) -> None:
        """In progress: claims lasting past ``now``; started: attempts at or after
        ``since``; only the project's own endpoints count, all of them."""
        minute = dt.timedelta(minutes=1)
        with uow_factory() as uow:
            first = uow.webhooks.add(endpoint(setup)).key
            second = uow.webhooks.add(endpoint(setup)).key
            foreign = uow.webhooks.add(endpoint(setup, project=1)).key
            rows = [
                (first, NOW + minute, NOW),  # running
                (second, NOW + minute, NOW - minute / 2),  # running, started earlier
                (first, NOW - minute, NOW - minute / 2),  # lapsed claim, recent start
                (second, None, NOW - 2 * minute),  # old attempt
                (first, None, None),  # never attempted
                (foreign, NOW + minute, NOW),  # another project
            ]
            for n, (endpoint_id, claimed, attempted) in enumerate(rows):
                uow.webhook_deliveries.add(
                    delivery(
                        endpoint_id, f"{n:032x}", claimed_until=claimed, attempted_at=attempted
                    )
                )
            uow.commit()
        with uow_factory() as uow:
            load = uow.webhook_deliveries.project_load(setup.projects[0], NOW, NOW - minute)
            assert (2, 3) == (load.in_progress, load.started)
            other = uow.webhook_deliveries.project_load(setup.projects[1], NOW, NOW - minute)
            assert (1, 1) == (other.in_progress, other.started)
            empty = uow.webhook_deliveries.project_load(setup.projects[0], NOW + 2 * minute, NOW)
            assert (0, 1) == (empty.in_progress, empty.started)

    def test_next_in_project_offers_waiting_deliveries_soonest_first(
        self, uow_factory: UnitOfWorkFactory, setup: Setup
    ) -> None:
        """Pending, not running (a lapsed claim is not running), due by ``before``, of the
        project, soonest first, at most ``limit``."""
        second = dt.timedelta(seconds=1)
        with uow_factory() as uow:
            mine = uow.webhooks.add(endpoint(setup)).key
            foreign = uow.webhooks.add(endpoint(setup, project=1)).key
            specs: list[tuple[int, dict[str, Any]]] = [
                (mine, {"next_attempt_at": NOW + 3 * second}),  # 0: waiting
                (mine, {"next_attempt_at": NOW - second}),  # 1: due already
                (mine, {"next_attempt_at": NOW + 9 * second}),  # 2: beyond before
                (mine, {"claimed_until": NOW + 60 * second}),  # 3: running
                (mine, {"claimed_until": NOW - second, "next_attempt_at": NOW}),  # 4: lapsed
                (mine, {"status": WebhookDeliveryStatus.DELIVERED}),  # 5: done
                (foreign, {}),  # 6: another project
            ]
            keys = []
            for n, (endpoint_id, changes) in enumerate(specs):
                made = uow.webhook_deliveries.add(delivery(endpoint_id, f"{n:032x}", **changes))
                assert made is not None
                keys.append(made.key)
            uow.commit()
        with uow_factory() as uow:
            repo = uow.webhook_deliveries
            found = repo.next_in_project(setup.projects[0], NOW, NOW + 5 * second, 10)
            assert [keys[1], keys[4], keys[0]] == [d.key for d in found]
            assert [keys[1]] == [
                d.key for d in repo.next_in_project(setup.projects[0], NOW, NOW + 5 * second, 1)
            ]

    def test_claim_and_attempt_times_round_trip(
        self, uow_factory: UnitOfWorkFactory, endpoint_id: int
    ) -> None:
        """``claimed_until`` and ``attempted_at`` are saved and read back exactly."""
        with uow_factory() as uow:
            made = uow.webhook_deliveries.add(delivery(endpoint_id))
            uow.commit()
        assert made is not None
        made.claimed_until = NOW + dt.timedelta(minutes=2)
        made.attempted_at = NOW
        with uow_factory() as uow:
            uow.webhook_deliveries.save(made)
            uow.commit()
        with uow_factory() as uow:
            assert made == uow.webhook_deliveries.get(made.key)
        made.claimed_until = None
        with uow_factory() as uow:
            uow.webhook_deliveries.save(made)
            uow.commit()
        with uow_factory() as uow:
            assert made == uow.webhook_deliveries.get(made.key)

    def test_add_all_skips_duplicates_and_returns_the_stored(
        self, uow_factory: UnitOfWorkFactory, setup: Setup
    ) -> None:
        """130 deliveries (more than one statement's worth), one of them a duplicate of a
        stored delivery: the other 129 are stored and returned by id, as ``get`` reads
        them."""
        with uow_factory() as uow:
            endpoint_ids = [uow.webhooks.add(endpoint(setup)).key for _ in range(130)]
            first = uow.webhook_deliveries.add(delivery(endpoint_ids[0]))
            uow.commit()
        assert first is not None
        with uow_factory() as uow:
            stored = uow.webhook_deliveries.add_all([delivery(e) for e in endpoint_ids])
            uow.commit()
        assert endpoint_ids[1:] == [x.endpoint_id for x in stored]
        with uow_factory() as uow:
            assert stored == [uow.webhook_deliveries.get(x.key) for x in stored]
