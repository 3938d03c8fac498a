"""The notifications service: one object with every use case of the area.

Each job lives in its own module and :class:`NotificationService` joins them:

* :mod:`~taskcore.services.notifications.sending`: the administrators' sends;
* :mod:`~taskcore.services.notifications.templates`: templates and rendering;
* :mod:`~taskcore.services.notifications.inbox`: reading notifications, the in-app inbox
  and preferences;
* :mod:`~taskcore.services.notifications.delivery`: queueing and sending e-mail, with
  retries after back-off and the periodic dispatch;
* :mod:`~taskcore.services.notifications.handlers`: the event handlers.
"""

from __future__ import annotations

from collections.abc import Sequence

from taskcore.ports.clock import Clock
from taskcore.ports.mail import Mailer, TemplateRenderer
from taskcore.services.jobs import Jobs
from taskcore.services.notifications.delivery import DEFAULT_BACKOFF_SECONDS, DEFAULT_MAX_ATTEMPTS
from taskcore.services.notifications.handlers import EventHandlers
from taskcore.services.notifications.inbox import Inboxes
from taskcore.services.notifications.sending import Sending
from taskcore.services.scopes import guarded
from taskcore.uow import Transactions


@guarded(
    "tasks",
    reads=("inbox", "preferences"),
    areas=dict.fromkeys(
        (
            "create_template",
            "update_template",
            "deactivate_template",
            "get_template",
            "list_templates",
            "send_notification",
            "send_template",
        ),
        "admin",
    ),
)
class NotificationService(Sending, Inboxes, EventHandlers):
    """Use cases of the notifications area.

    Args:
        transactions: Opens units of work.
        clock: Source of the current time.
        jobs: Where send jobs go.
        mailer: Sends e-mail.
        renderer: Renders templates.
        max_attempts: Delivery attempts of one e-mail before it is marked failed.
        backoff_seconds: Pause after each failed attempt; the last value repeats.
    """

    def __init__(
        self,
        *,
        transactions: Transactions,
        clock: Clock,
        jobs: Jobs,
        mailer: Mailer,
        renderer: TemplateRenderer,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        backoff_seconds: Sequence[int] = DEFAULT_BACKOFF_SECONDS,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self._tx = transactions
        self._clock = clock
        self._jobs = jobs
        self._mailer = mailer
        self._renderer = renderer
        self._max_attempts = max_attempts
        self._backoff = tuple(backoff_seconds) or (60,)
