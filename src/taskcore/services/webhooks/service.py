"""Outgoing project webhooks: owners manage endpoints; events become signed deliveries.

Project owners (and administrators) register, change, delete and rotate the secrets of a
project's webhooks and list their deliveries; other members are refused, non-members are
told the project does not exist.

Every event that names a project (its ``project_id``) reaches
:meth:`WebhookService.on_events`, an in-transaction handler: it creates one delivery per
active endpoint that wants the event (unique per endpoint and event) in the transaction
that records the event and, once that has committed, queues a ``webhooks.deliver`` job for
each. The job checks the URL
again, signs the stored payload with the endpoint's secrets and sends it:

- a 2xx answer marks the delivery delivered and resets the endpoint's failure count;
- 410 Gone fails the delivery and disables the endpoint at once;
- anything else (another status, a refused address, a timeout) is recorded on the
  delivery and retried with back-off, with the same ``webhook-id``; after the last
  attempt the delivery is failed, and an endpoint with too many failed deliveries in a
  row is disabled.

Retries are not queued by the failing job: the periodic ``webhooks.retry_due`` job queues
every pending delivery that is due, which also recovers deliveries whose job was lost.
Without a sender (``build(webhook_sender=None)``) deliveries stay pending, with the error
saying so, and are tried again once a sender is configured.

One project cannot starve the others: a project has at most
:attr:`WebhookOptions.max_webhooks` webhooks, at most
:attr:`WebhookOptions.project_concurrency` of its attempts run at once and at most
:attr:`WebhookOptions.project_rate_per_minute` start per minute, whichever process runs
them (the budget is counted in the deliveries' own rows). An attempt over the budget is
put off (not counted as an attempt) and taken up as soon as one of the project's attempts
finishes. The deliver job runs in its own lane (``DELIVER.lane``), never in the thread of
the write that recorded the event.

A webhook acts for the person who set it up: once its creator no longer manages the
project (removed, no longer an owner, deactivated), its next delivery disables it, saying
why; an owner who activates it again becomes its creator.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping, Sequence
from typing import Any

import attrs

from taskcore.domain import webhooks as rules
from taskcore.domain.events import DomainEvent
from taskcore.domain.pagination import Page, PageRequest
from taskcore.domain.values import UNSET, Unset
from taskcore.domain.webhooks import (
    UrlPolicy,
    WebhookDelivery,
    WebhookDeliveryStatus,
    WebhookEndpoint,
    WebhookSecret,
    WebhookView,
)
from taskcore.errors import (
    ProjectNotFound,
    Unavailable,
    ValidationError,
    WebhookLimitReached,
    WebhookNotFound,
)
from taskcore.ports.clock import Clock
from taskcore.ports.jobs import JobSpec
from taskcore.ports.webhooks import WebhookRequest, WebhookResponse, WebhookSender
from taskcore.services import access
from taskcore.services.access import Actor
from taskcore.services.jobs import Jobs
from taskcore.uow import Transactions, Work

log = logging.getLogger(__name__)

DELIVER = JobSpec(
    name="webhooks.deliver",
    retries=0,
    timeout_seconds=60,
    lane="webhooks",
    group_by="project_id",
)
"""The job that makes one attempt of one delivery (retries are the service's own)."""

RETRY_DUE = JobSpec(name="webhooks.retry_due", retries=0, timeout_seconds=120)
"""The periodic job that queues due deliveries again."""

NO_SENDER = "No webhook sender is configured"
NO_SENDER_PAUSE = dt.timedelta(hours=1)
"""How long a delivery waits before it looks for a sender again."""


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


RATE_WINDOW = dt.timedelta(minutes=1)

CREATOR_LEFT = "Its creator no longer manages the project"


@attrs.frozen(kw_only=True)
class _Attempt:
    delivery_id: int
    endpoint_id: int
    project_id: int
    url: str
    request: WebhookRequest | None


class WebhookService:
    """Use cases of the webhooks area, and the delivery of events to endpoints.

    Args:
        transactions: Opens units of work.
        clock: Source of the current time.
        jobs: Where delivery jobs go.
        sender: Makes the HTTP requests; without one, deliveries wait.
        options: Delivery rules.
    """

    def __init__(
        self,
        *,
        transactions: Transactions,
        clock: Clock,
        jobs: Jobs,
        sender: WebhookSender | None = None,
        options: WebhookOptions | None = None,
    ) -> None:
        self._tx = transactions
        self._clock = clock
        self._jobs = jobs
        self._sender = sender
        self.options = options or WebhookOptions()

    # -- management --------------------------------------------------------------------------

    def _manage(self, work: Work, actor: Actor, project_id: int, message: str) -> None:
        role = access.visible_role(
            work.uow.projects, actor, project_id, ProjectNotFound(project_id)
        )
        access.require_manage(actor, role, project_id, message)

    def _endpoint(
        self, work: Work, project_id: int, webhook_id: int, *, for_update: bool = False
    ) -> WebhookEndpoint:
        found = work.uow.webhooks.get(webhook_id, for_update=for_update)
        if found is None or found.project_id != project_id:
            raise WebhookNotFound(webhook_id)
        return found

    def create_webhook(
        self,
        actor: Actor,
        project_id: int,
        *,
        url: str | None,
        event_types: Sequence[str] | None = None,
        description: str | None = None,
        is_active: bool = True,
    ) -> WebhookSecret:
        """Register a webhook (project owners and administrators).

        Args:
            actor: The caller.
            project_id: The project whose events are sent.
            url: The HTTPS URL to POST to.
            event_types: Event names wanted; all events (``*``) by default.
            description: Free text.
            is_active: Whether to deliver from now on.

        Returns:
            The webhook and its signing secret, which is never shown again.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            ValidationError: a bad ``url``, ``event_types`` or ``description``.
            WebhookLimitReached: the project has ``options.max_webhooks`` webhooks.
        """
        target = rules.check_url(url, self.options.policy)
        types = rules.check_event_types(
            [rules.ALL_EVENTS] if event_types is None else list(event_types)
        )
        text = rules.check_description(description)
        secret = rules.new_secret()
        with self._tx() as work:
            self._manage(work, actor, project_id, "Only project owners can manage webhooks")
            if work.uow.webhooks.count(project_id) >= self.options.max_webhooks:
                raise WebhookLimitReached(self.options.max_webhooks)
            now = self._clock.now()
            endpoint = work.uow.webhooks.add(
                WebhookEndpoint(
                    project_id=project_id,
                    url=target.url,
                    event_types=types,
                    description=text,
                    is_active=is_active,
                    secret=secret,
                    created_by=actor.user_id,
                    created_at=now,
                    updated_at=now,
                )
            )
            work.commit()
        return WebhookSecret(webhook=WebhookView.of(endpoint, now), secret=secret)

    def list_webhooks(
        self,
        actor: Actor,
        project_id: int,
        *,
        page: PageRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[WebhookView]:
        """A project's webhooks, oldest first, without their secrets (owners, admins).

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
        """
        with self._tx() as work:
            self._manage(work, actor, project_id, "Only project owners can manage webhooks")
            repo = work.uow.webhooks
            total = repo.count(project_id)
            found = repo.find(project_id, offset=page.offset, limit=page.per_page)
        now = self._clock.now()
        return Page(
            items=[WebhookView.of(e, now) for e in found],
            page=page.page,
            per_page=page.per_page,
            total=total,
        )

    def get_webhook(self, actor: Actor, project_id: int, webhook_id: int) -> WebhookView:
        """One webhook, without its secret (owners and administrators).

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            WebhookNotFound: no such webhook in the project.
        """
        with self._tx() as work:
            self._manage(work, actor, project_id, "Only project owners can manage webhooks")
            endpoint = self._endpoint(work, project_id, webhook_id)
        return WebhookView.of(endpoint, self._clock.now())

    def update_webhook(
        self,
        actor: Actor,
        project_id: int,
        webhook_id: int,
        *,
        url: str | Unset | None = UNSET,
        event_types: Sequence[str] | Unset | None = UNSET,
        description: str | Unset | None = UNSET,
        is_active: bool | Unset | None = UNSET,
    ) -> WebhookView:
        """Change a webhook; only the fields given change (owners and administrators).

        Activating a webhook clears its failure count and the reason it was disabled, and
        makes the caller its creator (the person it acts for).

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            WebhookNotFound: no such webhook in the project.
            ValidationError: a bad ``url``, ``event_types``, ``description`` or
                ``is_active``.
        """
        new_url = None if url is UNSET else rules.check_url(url, self.options.policy).url
        types = None if event_types is UNSET else rules.check_event_types(event_types)
        text = None if description is UNSET else rules.check_description(description)
        if is_active is None:
            raise ValidationError("is_active must be true or false", field="is_active")
        with self._tx() as work:
            self._manage(work, actor, project_id, "Only project owners can manage webhooks")
            endpoint = self._endpoint(work, project_id, webhook_id, for_update=True)
            now = self._clock.now()
            if new_url is not None:
                endpoint.url = new_url
            if types is not None:
                endpoint.event_types = types
            if text is not None:
                endpoint.description = text
            if is_active is not UNSET:
                if is_active and not endpoint.is_active:
                    endpoint.consecutive_failures = 0
                    endpoint.disabled_reason = None
                    endpoint.created_by = actor.user_id
                endpoint.is_active = is_active
            endpoint.updated_at = now
            endpoint = work.uow.webhooks.update(endpoint)
            work.commit()
        return WebhookView.of(endpoint, now)

    def delete_webhook(self, actor: Actor, project_id: int, webhook_id: int) -> None:
        """Delete a webhook and its deliveries (owners and administrators).

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            WebhookNotFound: no such webhook in the project.
        """
        with self._tx() as work:
            self._manage(work, actor, project_id, "Only project owners can manage webhooks")
            self._endpoint(work, project_id, webhook_id, for_update=True)
            work.uow.webhooks.delete(webhook_id)
            work.commit()

    def rotate_secret(self, actor: Actor, project_id: int, webhook_id: int) -> WebhookSecret:
        """Give a webhook a new secret; the old one keeps signing for the overlap period,
        so receivers can switch without losing messages (owners and administrators).

        Returns:
            The webhook, the new secret (shown only now) and the end of the overlap.

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            WebhookNotFound: no such webhook in the project.
        """
        secret = rules.new_secret()
        with self._tx() as work:
            self._manage(work, actor, project_id, "Only project owners can manage webhooks")
            endpoint = self._endpoint(work, project_id, webhook_id, for_update=True)
            now = self._clock.now()
            until = now + self.options.rotation_overlap
            endpoint.previous_secret = endpoint.secret
            endpoint.previous_secret_expires_at = until
            endpoint.secret = secret
            endpoint.updated_at = now
            endpoint = work.uow.webhooks.update(endpoint)
            work.commit()
        return WebhookSecret(
            webhook=WebhookView.of(endpoint, now), secret=secret, previous_secret_expires_at=until
        )

    def list_deliveries(
        self,
        actor: Actor,
        project_id: int,
        webhook_id: int,
        *,
        status: str | None = None,
        page: PageRequest = PageRequest(),  # noqa: B008 - immutable
    ) -> Page[WebhookDelivery]:
        """A webhook's deliveries, newest first (owners and administrators).

        Raises:
            ProjectNotFound: no such project, or the caller is not a member.
            ProjectRoleRequired: the caller is not an owner.
            WebhookNotFound: no such webhook in the project.
            ValidationError: an unknown ``status``.
        """
        wanted = None
        if status is not None:
            try:
                wanted = WebhookDeliveryStatus(status)
            except ValueError:
                allowed = [s.value for s in WebhookDeliveryStatus]
                raise ValidationError(
                    f"Invalid status. Must be one of {allowed}", field="status"
                ) from None
        with self._tx() as work:
            self._manage(work, actor, project_id, "Only project owners can manage webhooks")
            self._endpoint(work, project_id, webhook_id)
            return work.uow.webhook_deliveries.find(webhook_id, wanted, page)

    def on_project_deleted(self, work: Work, events: Sequence[DomainEvent]) -> None:
        """In-transaction handler: a deleted project's webhooks go with it."""
        for event in events:
            project_id = rules.project_of(event)
            if project_id is not None:
                work.uow.webhooks.delete_in_project(project_id)

    # -- delivery ----------------------------------------------------------------------------

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

    def _now(self) -> dt.datetime:
        return self._clock.now()

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

    def run_deliver_job(self, args: Mapping[str, Any]) -> None:
        """The :data:`DELIVER` job: one attempt at ``args["delivery_id"]``."""
        self.deliver(int(args["delivery_id"]))

    def run_retry_job(self, args: Mapping[str, Any]) -> None:
        """The periodic :data:`RETRY_DUE` job (no arguments)."""
        self.retry_due()

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
