"""What the parts of the webhooks service share: the delivery options, the collaborators,
and queueing the job that makes an attempt."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

import attrs

from taskcore.domain.webhooks import UrlPolicy, WebhookDelivery
from taskcore.errors import Unavailable
from taskcore.ports.clock import Clock
from taskcore.ports.jobs import JobSpec
from taskcore.ports.webhooks import WebhookSender
from taskcore.services.jobs import Jobs
from taskcore.uow import Transactions

log = logging.getLogger(__name__)

DELIVER = JobSpec(
    name="webhooks.deliver",
    retries=0,
    timeout_seconds=60,
    lane="webhooks",
    group_by="project_id",
)
"""The job that makes one attempt of one delivery (retries are the service's own)."""


@attrs.frozen(kw_only=True)
class WebhookOptions:
    """How webhooks are delivered.

    Attributes:
        policy: Which URLs are accepted, at registration and at every attempt.
        max_attempts: Attempts per delivery before it is failed.
        backoff_seconds: Pause after each failed attempt; the last value repeats.
        disable_after: Failed deliveries in a row that disable an endpoint.
        rotation_overlap: How long the previous secret still signs after a rotation.
        retry_interval: How often due deliveries are queued again.
        claim_seconds: How long an attempt in progress keeps its delivery from being
            queued again (longer than the sender's time limit).
        max_webhooks: Webhooks a project may have.
        project_concurrency: Attempts of one project's deliveries that may run at once.
        project_rate_per_minute: Attempts of one project's deliveries that may start in
            any minute.
        defer_seconds: How long an attempt over its project's budget is put off (it is
            taken up earlier when one of the project's attempts finishes).
    """

    policy: UrlPolicy = attrs.field(factory=UrlPolicy)
    max_attempts: int = 8
    backoff_seconds: tuple[int, ...] = (30, 120, 600, 1800, 7200, 21600, 43200)
    disable_after: int = 10
    rotation_overlap: dt.timedelta = dt.timedelta(hours=24)
    retry_interval: dt.timedelta = dt.timedelta(minutes=1)
    claim_seconds: int = 120
    max_webhooks: int = 20
    project_concurrency: int = 4
    project_rate_per_minute: int = 600
    defer_seconds: int = 5

    def backoff(self, attempts: int) -> int:
        """Seconds to wait after failed attempt number ``attempts`` (1-based)."""
        if not self.backoff_seconds:
            return 0
        return self.backoff_seconds[min(attempts, len(self.backoff_seconds)) - 1]


class WebhooksBase:
    """The collaborators every part of :class:`WebhookService` uses (set by its
    ``__init__``), the current time, and queueing :data:`DELIVER` jobs."""

    _tx: Transactions
    _clock: Clock
    _jobs: Jobs
    _sender: WebhookSender | None
    options: WebhookOptions

    def _now(self) -> dt.datetime:
        return self._clock.now()

    def _enqueue_all(
        self, deliveries: Sequence[tuple[WebhookDelivery, int]], tag: str = ""
    ) -> None:
        """Queue a job for each (delivery, its project); the project groups the jobs so
        that projects take turns where the queue runs them."""
        for delivery, project_id in deliveries:
            # One job id per scheduled attempt: a second enqueue of the same attempt (the
            # periodic retry finding a job still queued) is ignored by the queue.
            due = int(delivery.next_attempt_at.timestamp())
            try:
                self._jobs.enqueue(
                    DELIVER,
                    {"delivery_id": delivery.key, "project_id": project_id},
                    job_id=f"webhook-{delivery.key}-{delivery.attempts}-{due}{tag}",
                )
            except Unavailable:
                # The delivery stays pending; retry_due queues it when the queue is back.
                log.warning("job queue unavailable; webhook delivery %d waits", delivery.key)
