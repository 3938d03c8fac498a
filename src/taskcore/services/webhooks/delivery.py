"""Delivering events: deliveries created with the events, the attempt job, and the
periodic job that queues due deliveries again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from taskcore.domain import webhooks as rules
from taskcore.domain.events import DomainEvent
from taskcore.domain.webhooks import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint
from taskcore.errors import ValidationError
from taskcore.ports.jobs import JobSpec
from taskcore.ports.webhooks import WebhookResponse
from taskcore.services.webhooks.attempts import Attempts
from taskcore.uow import Work

RETRY_DUE = JobSpec(name="webhooks.retry_due", retries=0, timeout_seconds=120)
"""The periodic job that queues due deliveries again."""


class Delivery(Attempts):
    """Events to deliveries, deliveries to attempts."""

    def on_events(self, work: Work, events: Sequence[DomainEvent]) -> None:
        """In-transaction handler: one delivery per active endpoint of each event's project
        that wants the event, stored with the change itself, and a job for each once the
        transaction commits (one query of endpoints per project and transaction)."""
        now = self._clock.now()
        endpoints_of: dict[int, Sequence[WebhookEndpoint]] = {}
        created: list[tuple[WebhookDelivery, int]] = []
        for event in events:
            project_id = rules.project_of(event)
            if project_id is None or event.name not in rules.EVENT_NAMES:
                continue
            if project_id not in endpoints_of:
                endpoints_of[project_id] = work.uow.webhooks.active_for_project(project_id)
            endpoints = rules.subscribed(endpoints_of[project_id], event.name)
            if not endpoints:
                continue
            body = rules.payload(event)
            stored = work.uow.webhook_deliveries.add_all(
                [
                    WebhookDelivery(
                        endpoint_id=endpoint.key,
                        event_id=event.event_id,
                        event_type=event.name,
                        message_id=rules.message_id(event.event_id, endpoint.key),
                        payload=body,
                        next_attempt_at=now,
                        created_at=now,
                        updated_at=now,
                    )
                    for endpoint in endpoints
                ]
            )
            created.extend((delivery, project_id) for delivery in stored)
        if created:
            work.on_commit(lambda: self._enqueue_all(created))

    def retry_due(self, limit: int = 500) -> int:
        """Queue every pending delivery whose next attempt is due.

        Returns:
            How many were queued.
        """
        with self._tx() as work:
            due = list(work.uow.webhook_deliveries.due(self._now(), limit))
            projects: dict[int, int] = {}
            for delivery in due:
                if delivery.endpoint_id not in projects:
                    endpoint = work.uow.webhooks.get(delivery.endpoint_id)
                    projects[delivery.endpoint_id] = 0 if endpoint is None else endpoint.project_id
        self._enqueue_all([(d, projects[d.endpoint_id]) for d in due])
        return len(due)

    def deliver(self, delivery_id: int) -> WebhookDeliveryStatus | None:
        """Make one attempt of a pending delivery and record its outcome.

        Returns:
            The delivery's status afterwards, or ``None`` if there was nothing to do (gone,
            already delivered or failed).
        """
        attempt = self._claim(delivery_id)
        if attempt is None:
            return None
        if attempt.request is None:
            return self._wait_for_sender(delivery_id)
        try:
            rules.check_url(attempt.url, self.options.policy)
        except ValidationError as exc:
            response = WebhookResponse(error=f"refused: {exc.message}")
        else:
            sender = self._sender
            if sender is None:  # pragma: no cover - _claim returns no request then
                return self._wait_for_sender(delivery_id)
            response = sender.send(attempt.request)
        status = self._record(delivery_id, response)
        self._make_room(attempt.project_id)
        return status

    def run_deliver_job(self, args: Mapping[str, Any]) -> None:
        """The :data:`DELIVER` job: one attempt at ``args["delivery_id"]``."""
        self.deliver(int(args["delivery_id"]))

    def run_retry_job(self, args: Mapping[str, Any]) -> None:
        """The periodic :data:`RETRY_DUE` job (no arguments)."""
        self.retry_due()
