"""Webhook deliveries through the real sender to loopback receivers: retries on the
configured schedule, failure, disabling, and one webhook-id per message (T46, T49, T50)."""

from __future__ import annotations

import datetime as dt

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from taskcore.domain import webhooks as rules
from taskcore.domain.webhooks import UrlPolicy, WebhookDeliveryStatus
from taskcore.services.users import Principal
from taskcore.services.webhooks import WebhookOptions
from taskcore_adapters.testing import World
from taskcore_adapters.webhooks import HttpxWebhookSender


@pytest.fixture
def world(httpserver: HTTPServer) -> World:
    """An in-memory taskcore sending to the loopback receiver: 3 attempts 10 s and 60 s
    apart, disabled after 2 failed deliveries in a row."""
    policy = UrlPolicy(
        allow_http=True, allow_hosts=rules.parse_allow_hosts([f"127.0.0.1:{httpserver.port}"])
    )
    return World.create(
        webhook_sender=HttpxWebhookSender(policy=policy, connect_timeout=2, timeout=2),
        webhook_options=WebhookOptions(
            policy=policy, max_attempts=3, backoff_seconds=(10, 60), disable_after=2
        ),
    )


@pytest.fixture
def owner(world: World) -> Principal:
    """The project owner."""
    return world.user("olivia")


@pytest.fixture
def project_id(world: World, owner: Principal) -> int:
    """A project."""
    return world.project(owner).id


def hook(world: World, owner: Principal, project_id: int, port: int, path: str) -> int:
    return world.core.webhooks.create_webhook(
        owner, project_id, url=f"http://127.0.0.1:{port}{path}", event_types=["task.created"]
    ).webhook.id


def task(world: World, owner: Principal, project_id: int, title: str = "Launch") -> None:
    world.core.tasks.create_task(owner, project_id=project_id, title=title)


class TestRetries:
    def test_500_retried_on_schedule_then_failed(
        self, world: World, owner: Principal, project_id: int, httpserver: HTTPServer
    ) -> None:
        """A receiver answering 500 gets the configured attempts at the configured
        intervals; then the delivery is failed with every attempt recorded."""
        httpserver.expect_request("/broken").respond_with_data("no", status=500)
        webhook_id = hook(world, owner, project_id, httpserver.port, "/broken")
        start = world.clock.now()
        task(world, owner, project_id)
        service = world.core.webhooks

        def only() -> tuple[WebhookDeliveryStatus, int, dt.datetime]:
            [d] = service.list_deliveries(owner, project_id, webhook_id).items
            return d.status, d.attempts, d.next_attempt_at

        assert (WebhookDeliveryStatus.PENDING, 1, start + dt.timedelta(seconds=10)) == only()
        world.clock.advance(seconds=10)
        service.retry_due()
        second = start + dt.timedelta(seconds=10)
        assert (WebhookDeliveryStatus.PENDING, 2, second + dt.timedelta(seconds=60)) == only()
        world.clock.advance(seconds=60)
        service.retry_due()
        assert (WebhookDeliveryStatus.FAILED, 3) == only()[:2]
        world.clock.advance(days=1)
        assert 0 == service.retry_due()
        assert 3 == len(httpserver.log)
        [delivery] = service.list_deliveries(owner, project_id, webhook_id).items
        assert (500, "The receiver answered 500") == (
            delivery.last_status_code,
            delivery.last_error,
        )

    def test_disabled_after_consecutive_failures(
        self, world: World, owner: Principal, project_id: int, httpserver: HTTPServer
    ) -> None:
        """Two deliveries in a row failing for good disable the endpoint; no more are made."""
        httpserver.expect_request("/broken").respond_with_data("no", status=500)
        webhook_id = hook(world, owner, project_id, httpserver.port, "/broken")
        task(world, owner, project_id, "One")
        task(world, owner, project_id, "Two")
        for _ in range(2):
            world.clock.advance(minutes=2)
            world.core.webhooks.retry_due()
        view = world.core.webhooks.get_webhook(owner, project_id, webhook_id)
        assert (False, "2 deliveries in a row failed") == (view.is_active, view.disabled_reason)
        task(world, owner, project_id, "Three")
        assert 6 == len(httpserver.log)

    def test_410_disables_at_once(
        self, world: World, owner: Principal, project_id: int, httpserver: HTTPServer
    ) -> None:
        """A 410 answer disables that endpoint immediately; another endpoint goes on."""
        httpserver.expect_request("/gone").respond_with_data("", status=410)
        httpserver.expect_request("/fine").respond_with_data("", status=204)
        gone = hook(world, owner, project_id, httpserver.port, "/gone")
        fine = hook(world, owner, project_id, httpserver.port, "/fine")
        task(world, owner, project_id)
        task(world, owner, project_id, "Again")
        service = world.core.webhooks
        assert (False, True) == (
            service.get_webhook(owner, project_id, gone).is_active,
            service.get_webhook(owner, project_id, fine).is_active,
        )
        paths = [request.path for request, _ in httpserver.log]
        assert (1, 2) == (paths.count("/gone"), paths.count("/fine"))

    def test_redirect_is_a_failed_attempt(
        self, world: World, owner: Principal, project_id: int, httpserver: HTTPServer
    ) -> None:
        """A 302 answer is not followed and counts as a failed attempt."""
        httpserver.expect_request("/moved").respond_with_data(
            "", status=302, headers={"Location": f"http://127.0.0.1:{httpserver.port}/target"}
        )
        webhook_id = hook(world, owner, project_id, httpserver.port, "/moved")
        task(world, owner, project_id)
        [delivery] = world.core.webhooks.list_deliveries(owner, project_id, webhook_id).items
        assert (WebhookDeliveryStatus.PENDING, 1, 302) == (
            delivery.status,
            delivery.attempts,
            delivery.last_status_code,
        )
        assert ["/moved"] == [request.path for request, _ in httpserver.log]


class TestDuplicates:
    def test_redelivery_keeps_the_webhook_id(
        self, world: World, owner: Principal, project_id: int, httpserver: HTTPServer
    ) -> None:
        """A retried message carries the same webhook-id, so a receiver that drops
        duplicates by id processes it once."""
        seen: list[str] = []
        processed: set[str] = set()

        def flaky(request: Request) -> Response:
            message = request.headers["webhook-id"]
            seen.append(message)
            if len(seen) == 1:
                return Response(status=503)
            processed.add(message)
            return Response(status=200)

        httpserver.expect_request("/hook").respond_with_handler(flaky)
        webhook_id = hook(world, owner, project_id, httpserver.port, "/hook")
        task(world, owner, project_id)
        world.clock.advance(seconds=10)
        world.core.webhooks.retry_due()
        world.clock.advance(days=1)
        world.core.webhooks.retry_due()
        assert 2 == len(seen)
        assert 1 == len(set(seen)) == len(processed)
        [delivery] = world.core.webhooks.list_deliveries(owner, project_id, webhook_id).items
        assert (WebhookDeliveryStatus.DELIVERED, seen[0]) == (delivery.status, delivery.message_id)
