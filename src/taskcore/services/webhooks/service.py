"""The webhooks service: one object with every use case of the area.

Each job lives in its own module and :class:`WebhookService` joins them:

* :mod:`~taskcore.services.webhooks.management`: the owners' use cases on webhooks;
* :mod:`~taskcore.services.webhooks.delivery`: events to deliveries, the deliver and
  retry jobs;
* :mod:`~taskcore.services.webhooks.attempts`: claiming an attempt within its project's
  budget and recording its outcome.
"""

from __future__ import annotations

from taskcore.ports.clock import Clock
from taskcore.ports.webhooks import WebhookSender
from taskcore.services.jobs import Jobs
from taskcore.services.scopes import guarded
from taskcore.services.webhooks.base import WebhookOptions
from taskcore.services.webhooks.delivery import Delivery
from taskcore.services.webhooks.management import Management
from taskcore.uow import Transactions


@guarded("tasks")
class WebhookService(Management, Delivery):
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
