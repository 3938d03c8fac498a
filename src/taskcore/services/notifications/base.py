"""What the parts of the notifications service share: its collaborators and a helper."""

from __future__ import annotations

from typing import Any

from taskcore.domain.users import User
from taskcore.ports.clock import Clock
from taskcore.ports.mail import Mailer, TemplateRenderer
from taskcore.services.jobs import Jobs
from taskcore.uow import Transactions


class NotificationsBase:
    """The collaborators every part of :class:`NotificationService` uses (set by its
    ``__init__``)."""

    _tx: Transactions
    _clock: Clock
    _jobs: Jobs
    _mailer: Mailer
    _renderer: TemplateRenderer
    _max_attempts: int
    _backoff: tuple[int, ...]


def user_context(user: User) -> dict[str, Any]:
    return {"user_name": user.full_name or user.username, "user_email": user.email}
