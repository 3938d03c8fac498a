"""Delivery of e-mail notifications: storing and queueing them, the send job with its
retries after back-off, and the periodic dispatch of whatever is due.

E-mail is sent by the job ``notifications.send`` once the transaction that stored the
notification has committed, so a rolled-back write sends nothing. Each attempt first
*claims* its notification (``pending → sending``), so two runs never send it twice at the
same time; the periodic job ``notifications.dispatch`` picks up whatever is due (retries
after back-off, a claim whose run died, a lost job).

Delivery is at least once: a crash between the server's acceptance and the status update
sends again after the claim expires, with the same ``Message-ID``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

import attrs

from taskcore.domain import notifications as rules
from taskcore.domain.notifications import EMAIL, IN_APP, Notification, NotificationStatus
from taskcore.domain.users import User
from taskcore.errors import MailConfigurationError, MailRejected, MailTemporaryFailure
from taskcore.ports.jobs import JobSpec
from taskcore.ports.mail import OutgoingMail
from taskcore.services.notifications.base import NotificationsBase
from taskcore.uow import Work

log = logging.getLogger(__name__)

SEND = JobSpec(name="notifications.send", retries=0, timeout_seconds=120, lane="mail")
"""Sends one e-mail notification (retries are the service's own, with back-off)."""

DISPATCH = JobSpec(name="notifications.dispatch", retries=0, timeout_seconds=300)
"""Every minute: queues a send for every e-mail notification that is due."""

DISPATCH_INTERVAL = dt.timedelta(minutes=1)

LEASE = dt.timedelta(seconds=SEND.timeout_seconds + 60)
"""How long a claim holds; after that another run may take the notification over."""

DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_BACKOFF_SECONDS = (30, 120, 600, 1800, 3600)
DISPATCH_BATCH = 50
MAX_ERROR_LENGTH = 1000


class NoMailer:
    """The mailer used when none is configured: every message fails as a configuration
    error, so nothing is silently dropped (the notification ends ``failed_config``)."""

    def send(self, mail: OutgoingMail) -> None:
        raise MailConfigurationError("No mailer is configured")


class Delivery(NotificationsBase):
    """Queueing, sending and dispatching e-mail notifications."""

    def deliver(self, notification_id: int) -> NotificationStatus | None:
        """Make one delivery attempt of a due e-mail notification (the send job).

        Returns:
            The status after the attempt, or ``None`` if the notification was not due
            (already sent, failed, claimed by another run, or scheduled later).
        """
        now = self._clock.now()
        with self._tx() as work:
            claimed = work.uow.notifications.claim(
                notification_id, now=now, lease_until=now + LEASE
            )
            work.commit()
        if claimed is None:
            return None
        outcome = attrs.evolve(claimed)
        retry_at: dt.datetime | None = None
        try:
            self._mailer.send(_mail(claimed))
        except MailTemporaryFailure as exc:
            outcome.retry_count += 1
            outcome.error_message = _error(exc)
            if claimed.attempts >= self._max_attempts:
                outcome.status = NotificationStatus.FAILED
                outcome.error_message = _error(exc, f" (gave up after {claimed.attempts} attempts)")
                log.warning("notification %s failed for good: %s", claimed.key, exc)
            else:
                retry_at = self._clock.now() + dt.timedelta(seconds=self._pause(claimed.attempts))
                outcome.status = NotificationStatus.PENDING
                outcome.next_attempt_at = retry_at
                log.info("notification %s will be retried: %s", claimed.key, exc)
        except MailConfigurationError as exc:
            outcome.status = NotificationStatus.FAILED_CONFIG
            outcome.retry_count += 1
            outcome.error_message = _error(exc)
            log.error("mail is misconfigured; notification %s not sent: %s", claimed.key, exc)
        except MailRejected as exc:
            outcome.status = NotificationStatus.FAILED
            outcome.retry_count += 1
            outcome.error_message = _error(exc)
            log.warning("notification %s was refused: %s", claimed.key, exc)
        else:
            outcome.status = NotificationStatus.SENT
            outcome.sent_at = self._clock.now()
            outcome.error_message = None
        with self._tx() as work:
            saved = work.uow.notifications.finish(outcome, attempt=claimed.attempts)
            work.commit()
        if not saved:
            log.warning("notification %s changed during its attempt", claimed.key)
        if retry_at is not None:
            self._enqueue(claimed.key, claimed.attempts + 1, retry_at)
        return outcome.status

    def dispatch(self, limit: int = DISPATCH_BATCH) -> int:
        """Queue a send for each due e-mail notification, most urgent first (the periodic
        job): retries whose back-off is over, claims that expired, lost jobs.

        Returns:
            How many were queued.
        """
        now = self._clock.now()
        with self._tx() as work:
            due = work.uow.notifications.due(now, limit)
        for notification in due:
            self._enqueue(
                notification.key,
                notification.attempts + 1,
                None,
                suffix=f"-d{int(now.timestamp())}",
            )
        return len(due)

    def run_send_job(self, args: Mapping[str, Any]) -> None:
        """The :data:`SEND` job: one attempt at ``args["notification_id"]``."""
        self.deliver(int(args["notification_id"]))

    def run_dispatch_job(self, args: Mapping[str, Any]) -> None:
        """The :data:`DISPATCH` job (no arguments)."""
        self.dispatch()

    def _pause(self, attempt: int) -> int:
        return self._backoff[min(attempt, len(self._backoff)) - 1]

    def _enqueue(
        self, notification_id: int, attempt: int, run_at: dt.datetime | None, suffix: str = ""
    ) -> None:
        try:
            self._jobs.enqueue(
                SEND,
                {"notification_id": notification_id},
                job_id=f"notifications-send-{notification_id}-{attempt}{suffix}",
                run_at=run_at,
            )
        except Exception:  # the dispatch job finds the notification due and queues it again
            log.exception("could not queue notification %s", notification_id)

    def _queue(
        self,
        work: Work,
        recipient: User,
        *,
        kind: str,
        subject: str,
        body: str,
        priority: rules.NotificationPriority,
        context: dict[str, Any] | None,
        scheduled_at: dt.datetime,
        now: dt.datetime,
    ) -> Notification:
        """Store a notification; e-mail is queued for sending once ``work`` commits.

        In-app notifications are delivered at once; other types cannot be delivered and
        are marked failed, so nothing stays pending for ever.
        """
        notification = Notification(
            recipient_email=recipient.email,
            recipient_id=recipient.key,
            subject=" ".join(subject.split()),  # one line: a header cannot hold line breaks
            body=body,
            notification_type=kind,
            priority=priority,
            context_data=context,
            scheduled_at=scheduled_at,
            created_at=now,
            next_attempt_at=scheduled_at,
        )
        if kind == IN_APP:
            notification.status = NotificationStatus.SENT
            notification.sent_at = now
        elif kind != EMAIL:
            notification.status = NotificationStatus.FAILED
            notification.error_message = f"No delivery channel for notification type {kind!r}"
        stored = work.uow.notifications.add(notification)
        if kind == EMAIL:
            # Due now: straight to the queue; later: scheduled (the dispatch is the backstop).
            run_at = scheduled_at if scheduled_at > now else None
            work.on_commit(lambda: self._enqueue(stored.key, 1, run_at))
        return stored


def _mail(notification: Notification) -> OutgoingMail:
    if notification.is_html:
        return OutgoingMail(
            to=notification.recipient_email,
            subject=notification.subject,
            text=rules.plain_text(notification.body),
            html=notification.body,
            message_id=notification.message_id,
        )
    return OutgoingMail(
        to=notification.recipient_email,
        subject=notification.subject,
        text=notification.body,
        message_id=notification.message_id,
    )


def _error(exc: Exception, suffix: str = "") -> str:
    return (str(exc)[: MAX_ERROR_LENGTH - len(suffix)] + suffix) or type(exc).__name__
