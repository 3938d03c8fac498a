"""What the parts of the notifications service share: its collaborators and two helpers."""

from __future__ import annotations

from typing import Any

from taskcore.domain.users import User
from taskcore.errors import AdminRequired
from taskcore.ports.clock import Clock
from taskcore.ports.mail import Mailer, TemplateRenderer
from taskcore.services.access import Actor
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


def require_admin(actor: Actor) -> None:
    if not actor.is_admin:
        raise AdminRequired()


def user_context(user: User) -> dict[str, Any]:
    return {"user_name": user.full_name or user.username, "user_email": user.email}
