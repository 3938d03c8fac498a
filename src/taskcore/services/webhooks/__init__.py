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

Modules, one job each:

- :mod:`~taskcore.services.webhooks.service`: :class:`WebhookService` (every use case;
  joins the parts below);
- :mod:`~taskcore.services.webhooks.management`: registering, changing, deleting webhooks,
  rotating their secrets, listing their deliveries;
- :mod:`~taskcore.services.webhooks.delivery`: deliveries created with the events, the
  ``webhooks.deliver`` and ``webhooks.retry_due`` jobs;
- :mod:`~taskcore.services.webhooks.attempts`: one attempt: claiming it within the
  project's budget, recording its outcome, taking up put-off deliveries;
- :mod:`~taskcore.services.webhooks.base`: what they share (:class:`WebhookOptions`, the
  collaborators, queueing ``webhooks.deliver`` jobs).
"""

from taskcore.services.webhooks.attempts import (
    CREATOR_LEFT,
    NO_SENDER,
    NO_SENDER_PAUSE,
    RATE_WINDOW,
)
from taskcore.services.webhooks.base import DELIVER, WebhookOptions
from taskcore.services.webhooks.delivery import RETRY_DUE
from taskcore.services.webhooks.service import WebhookService

__all__ = [
    "CREATOR_LEFT",
    "DELIVER",
    "NO_SENDER",
    "NO_SENDER_PAUSE",
    "RATE_WINDOW",
    "RETRY_DUE",
    "WebhookOptions",
    "WebhookService",
]
