"""The notifications area: queued e-mail from templates, the in-app inbox, and preferences.

Notifications are created in the transaction of whatever caused them: the event handlers
registered by :func:`taskcore.app.build` (a task assigned or completed, a comment, an
@mention, an invitation) and the administrators' sends. E-mail goes out after that
transaction commits (:mod:`~taskcore.services.notifications.delivery`).
:class:`NotificationService` (:mod:`~taskcore.services.notifications.service`) joins the
area's parts into one service.
"""

from taskcore.services.notifications.delivery import (
    DEFAULT_BACKOFF_SECONDS,
    DEFAULT_MAX_ATTEMPTS,
    DISPATCH,
    DISPATCH_BATCH,
    DISPATCH_INTERVAL,
    LEASE,
    MAX_ERROR_LENGTH,
    SEND,
    NoMailer,
)
from taskcore.services.notifications.handlers import INVITATION_BODY, INVITATION_SUBJECT
from taskcore.services.notifications.inbox import ACCESS_DENIED, Inbox
from taskcore.services.notifications.sending import RECIPIENT_MISSING, RENDER_FAILED
from taskcore.services.notifications.service import NotificationService
from taskcore.services.notifications.templates import PlaceholderRenderer

__all__ = [
    "ACCESS_DENIED",
    "DEFAULT_BACKOFF_SECONDS",
    "DEFAULT_MAX_ATTEMPTS",
    "DISPATCH",
    "DISPATCH_BATCH",
    "DISPATCH_INTERVAL",
    "INVITATION_BODY",
    "INVITATION_SUBJECT",
    "LEASE",
    "MAX_ERROR_LENGTH",
    "RECIPIENT_MISSING",
    "RENDER_FAILED",
    "SEND",
    "Inbox",
    "NoMailer",
    "NotificationService",
    "PlaceholderRenderer",
]
