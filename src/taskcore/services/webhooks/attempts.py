"""One attempt of a delivery: claim it within its project's budget (and check that the
webhook's creator still manages the project), record the outcome on the delivery and its
endpoint, and take up the project's put-off deliveries once there is room."""

from __future__ import annotations

import datetime as dt

import attrs

from taskcore.domain import webhooks as rules
from taskcore.domain.webhooks import WebhookDelivery, WebhookDeliveryStatus, WebhookEndpoint
from taskcore.ports.webhooks import WebhookRequest, WebhookResponse
from taskcore.services.webhooks.base import WebhooksBase, log
from taskcore.uow import Work

NO_SENDER = "No webhook sender is configured"
NO_SENDER_PAUSE = dt.timedelta(hours=1)
"""How long a delivery waits before it looks for a sender again."""

RATE_WINDOW = dt.timedelta(minutes=1)

CREATOR_LEFT = "Its creator no longer manages the project"


@attrs.frozen(kw_only=True)
class _Attempt:
    delivery_id: int
    endpoint_id: int
    project_id: int
    url: str
    request: WebhookRequest | None


class Attempts(WebhooksBase):
    """Claiming and recording attempts, and the per-project budget."""

    def _claim(self, delivery_id: int) -> _Attempt | None:
        """Lock a due pending delivery, push its next attempt out while this one runs,
        and build the signed request."""
        with self._tx() as work:
            delivery = work.uow.webhook_deliveries.get(delivery_id, for_update=True)
            now = self._now()
            if (
                delivery is None
                or delivery.status != WebhookDeliveryStatus.PENDING
                or delivery.next_attempt_at > now  # another attempt runs, or not due yet
            ):
                return None
            endpoint = work.uow.webhooks.get(delivery.endpoint_id, for_update=True)
            if (
                endpoint is not None
                and endpoint.is_active
                and not self._creator_manages(work, endpoint)
            ):
                endpoint.disable(CREATOR_LEFT, now)
                work.uow.webhooks.update(endpoint)
                log.warning("webhook %d disabled: %s", endpoint.key, CREATOR_LEFT)
            if endpoint is None or not endpoint.is_active:
                delivery.status = WebhookDeliveryStatus.FAILED
                delivery.last_error = "The webhook is disabled"
                delivery.claimed_until = None
                delivery.updated_at = now
                work.uow.webhook_deliveries.save(delivery)
                work.commit()
                return None
            options = self.options
            load = work.uow.webhook_deliveries.project_load(
                endpoint.project_id, now, now - RATE_WINDOW
            )
            if (
                load.in_progress >= options.project_concurrency
                or load.started >= options.project_rate_per_minute
            ):
                # Over the project's budget: put off, not an attempt; a finishing attempt
                # of the project takes it up earlier (``_make_room``).
                delivery.next_attempt_at = now + dt.timedelta(seconds=options.defer_seconds)
                work.uow.webhook_deliveries.save(delivery)
                work.commit()
                log.info("webhook delivery %d put off: project budget in use", delivery_id)
                return None
            lease = now + dt.timedelta(seconds=options.claim_seconds)
            delivery.next_attempt_at = lease
            delivery.claimed_until = lease
            delivery.attempted_at = now
            work.uow.webhook_deliveries.save(delivery)
            work.commit()
        request = None
        if self._sender is not None:
            body = delivery.payload.encode()
            headers = rules.signed_headers(
                endpoint.signing_secrets(now), delivery.message_id, int(now.timestamp()), body
            )
            request = WebhookRequest(url=endpoint.url, headers=headers, body=body)
        return _Attempt(
            delivery_id=delivery_id,
            endpoint_id=endpoint.key,
            project_id=endpoint.project_id,
            url=endpoint.url,
            request=request,
        )

    def _creator_manages(self, work: Work, endpoint: WebhookEndpoint) -> bool:
        """Whether the person a webhook acts for may still manage its project."""
        if endpoint.created_by is None:
            return True
        creator = work.uow.users.get(endpoint.created_by)
        if creator is None or not creator.is_active:
            return False
        if creator.is_admin:
            return True
        found = work.uow.projects.access(endpoint.project_id, creator.key)
        return found is not None and found.role is not None and found.role.can_manage

    def _make_room(self, project_id: int) -> None:
        """Queue the project's put-off deliveries that a finished attempt makes room for."""
        options = self.options
        with self._tx() as work:
            now = self._now()
            repo = work.uow.webhook_deliveries
            load = repo.project_load(project_id, now, now - RATE_WINDOW)
            room = min(
                options.project_concurrency - load.in_progress,
                options.project_rate_per_minute - load.started,
            )
            if room <= 0:
                return
            horizon = now + dt.timedelta(seconds=options.defer_seconds)
            waiting = list(repo.next_in_project(project_id, now, horizon, room))
            for delivery in waiting:
                delivery.next_attempt_at = now
                repo.save(delivery)
            work.commit()
        # A job id of its own: the put-off attempt's first job may have the same due time.
        self._enqueue_all(
            [(d, project_id) for d in waiting], tag=f"-r{int(now.timestamp() * 1_000_000)}"
        )

    def _wait_for_sender(self, delivery_id: int) -> WebhookDeliveryStatus:
        with self._tx() as work:
            delivery = work.uow.webhook_deliveries.get(delivery_id, for_update=True)
            if delivery is None:  # pragma: no cover - deleted meanwhile
                return WebhookDeliveryStatus.PENDING
            now = self._now()
            delivery.last_error = NO_SENDER
            delivery.claimed_until = None
            delivery.next_attempt_at = now + NO_SENDER_PAUSE
            delivery.updated_at = now
            work.uow.webhook_deliveries.save(delivery)
            work.commit()
        log.warning("webhook delivery %d waits: %s", delivery_id, NO_SENDER)
        return WebhookDeliveryStatus.PENDING

    def _record(self, delivery_id: int, response: WebhookResponse) -> WebhookDeliveryStatus | None:
        options = self.options
        with self._tx() as work:
            delivery = work.uow.webhook_deliveries.get(delivery_id, for_update=True)
            if delivery is None or delivery.status != WebhookDeliveryStatus.PENDING:
                return None
            endpoint = work.uow.webhooks.get(delivery.endpoint_id, for_update=True)
            now = self._now()
            delivery.attempts += 1
            delivery.claimed_until = None
            delivery.last_status_code = response.status_code
            delivery.updated_at = now
            gone = response.status_code == 410
            if response.delivered:
                delivery.status = WebhookDeliveryStatus.DELIVERED
                delivery.last_error = None
            else:
                delivery.last_error = (
                    response.error or f"The receiver answered {response.status_code}"
                )[:1000]
                if gone or delivery.attempts >= options.max_attempts:
                    delivery.status = WebhookDeliveryStatus.FAILED
                else:
                    delivery.next_attempt_at = now + dt.timedelta(
                        seconds=options.backoff(delivery.attempts)
                    )
            work.uow.webhook_deliveries.save(delivery)
            if endpoint is not None:
                self._update_endpoint(endpoint, delivery, gone=gone, now=now)
                work.uow.webhooks.update(endpoint)
            work.commit()
        log.info(
            "webhook delivery %d attempt %d: %s",
            delivery_id,
            delivery.attempts,
            response.status_code if response.status_code is not None else "no answer",
        )
        return delivery.status

    def _update_endpoint(
        self, endpoint: WebhookEndpoint, delivery: WebhookDelivery, *, gone: bool, now: dt.datetime
    ) -> None:
        if delivery.status == WebhookDeliveryStatus.DELIVERED:
            endpoint.consecutive_failures = 0
        elif delivery.status == WebhookDeliveryStatus.FAILED:
            endpoint.consecutive_failures += 1
        if not endpoint.is_active:
            return
        if gone:
            endpoint.disable("The receiver answered 410 Gone", now)
        elif endpoint.consecutive_failures >= self.options.disable_after:
            endpoint.disable(f"{endpoint.consecutive_failures} deliveries in a row failed", now)
