"""The administrators' sends: a notification as given or from a template, and the
compatibility sends of the task-assigned and task-completed webhooks."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Mapping
from typing import Any

from taskcore.domain import notifications as rules
from taskcore.domain.notifications import EMAIL, Notification
from taskcore.domain.users import User
from taskcore.errors import UserNotFound, ValidationError
from taskcore.ports.uow import UnitOfWork
from taskcore.services.access import Actor, require_admin
from taskcore.services.notifications.base import user_context
from taskcore.services.notifications.delivery import Delivery
from taskcore.services.notifications.templates import Templates

RECIPIENT_MISSING = "Recipient user not found"
RENDER_FAILED = "Failed to render template"


class Sending(Delivery, Templates):
    """Notifications the administrators send."""

    def send_notification(
        self,
        actor: Actor,
        *,
        recipient_id: int | None,
        notification_type: str | None,
        subject: str | None = None,
        body: str | None = None,
        priority: str | None = None,
        context_data: Mapping[str, Any] | None = None,
        scheduled_at: str | dt.datetime | None = None,
        template_name: str | None = None,
    ) -> Notification:
        """Queue a notification to a user (administrators only).

        If ``template_name`` names an active template that renders with ``context_data``,
        it provides the subject and body; otherwise they are used as given (a template
        that fails to render is ignored, not an error).

        Raises:
            AdminRequired: the caller is not an administrator.
            ValidationError: ``recipient_id is required``, ``notification_type is
                required``, a bad priority, schedule time or length.
            UserNotFound: ``Recipient user not found``.
        """
        require_admin(actor)
        if not recipient_id:
            raise ValidationError("recipient_id is required", field="recipient_id")
        kind = rules.check_text(notification_type, "notification_type", rules.MAX_TYPE_LENGTH)
        text_subject = rules.check_text(
            subject, "subject", rules.MAX_SUBJECT_LENGTH, required=False
        )
        text_body = rules.check_text(body, "body", rules.MAX_BODY_LENGTH, required=False)
        level = rules.parse_priority(priority)
        now = self._clock.now()
        when = rules.parse_when(scheduled_at, now)
        context = dict(context_data or {})
        with self._tx() as work:
            recipient = _recipient(work.uow, recipient_id)
            if template_name:
                template = work.uow.notification_templates.get_by_name(template_name)
                if template is not None and template.is_active:
                    # A template that fails to render leaves the given subject and body.
                    with contextlib.suppress(ValidationError):
                        text_subject, text_body = self._render(template, context)
            stored = self._queue(
                work,
                recipient,
                kind=kind,
                subject=text_subject[: rules.MAX_SUBJECT_LENGTH],
                body=text_body,
                priority=level,
                context=context or None,
                scheduled_at=when,
                now=now,
            )
            work.commit()
        return stored

    def send_template(
        self,
        actor: Actor,
        *,
        recipient_id: int | None,
        template_name: str | None,
        context: Mapping[str, Any] | None = None,
        notification_type: str | None = None,
        priority: str | None = None,
        scheduled_at: str | dt.datetime | None = None,
    ) -> Notification:
        """Queue a notification rendered from a template (administrators only).

        The context gets ``user_name`` (the recipient's full name, or their username) and
        ``user_email``; the merged context is stored as ``context_data``.

        Raises:
            AdminRequired: the caller is not an administrator.
            ValidationError: ``recipient_id is required``, ``template_name is required``,
                ``Failed to render template`` (unknown or inactive), bad priority or time.
            UserNotFound: ``Recipient user not found``.
        """
        require_admin(actor)
        return self._send_template(
            recipient_id=recipient_id,
            template_name=template_name,
            context=context,
            notification_type=notification_type,
            priority=priority,
            scheduled_at=scheduled_at,
        )

    def task_assigned(
        self,
        actor: Actor,
        *,
        assignee_id: int | None,
        task_title: str | None,
        project_name: str | None = None,
        assigned_by_name: str | None = None,
        due_date: str | None = None,
    ) -> Notification:
        """The task-assigned webhook: queue the ``task_assigned`` template to
        the assignee directly (administrators only; no HTTP call to itself).

        Raises:
            AdminRequired: the caller is not an administrator.
            ValidationError: ``Webhook processing failed`` (a required value is missing),
                or ``Failed to render template``.
            UserNotFound: ``Recipient user not found``.
        """
        require_admin(actor)
        assignee_id = _webhook_recipient("assignee_id", assignee_id, task_title)
        return self._send_template(
            recipient_id=assignee_id,
            template_name=rules.TASK_ASSIGNED,
            context={
                "task_title": task_title,
                "project_name": project_name or "Unknown Project",
                "assigned_by": assigned_by_name or "System",
                "due_date": due_date or "Not specified",
            },
        )

    def task_completed(
        self,
        actor: Actor,
        *,
        project_owner_id: int | None,
        task_title: str | None,
        project_name: str | None = None,
        completed_by_name: str | None = None,
        completion_date: str | None = None,
    ) -> Notification:
        """The task-completed webhook: queue the ``task_completed`` template to
        the project owner directly (administrators only).

        Raises:
            AdminRequired: the caller is not an administrator.
            ValidationError: ``Webhook processing failed`` (a required value is missing),
                or ``Failed to render template``.
            UserNotFound: ``Recipient user not found``.
        """
        require_admin(actor)
        project_owner_id = _webhook_recipient("project_owner_id", project_owner_id, task_title)
        return self._send_template(
            recipient_id=project_owner_id,
            template_name=rules.TASK_COMPLETED,
            context={
                "task_title": task_title,
                "project_name": project_name or "Unknown Project",
                "completed_by": completed_by_name or "System",
                "completion_date": completion_date or self._clock.now().date().isoformat(),
            },
        )

    def _send_template(
        self,
        *,
        recipient_id: int | None,
        template_name: str | None,
        context: Mapping[str, Any] | None,
        notification_type: str | None = None,
        priority: str | None = None,
        scheduled_at: str | dt.datetime | None = None,
    ) -> Notification:
        if not recipient_id:
            raise ValidationError("recipient_id is required", field="recipient_id")
        if not template_name:
            raise ValidationError("template_name is required", field="template_name")
        kind = rules.check_text(
            notification_type or EMAIL, "notification_type", rules.MAX_TYPE_LENGTH
        )
        level = rules.parse_priority(priority)
        now = self._clock.now()
        when = rules.parse_when(scheduled_at, now)
        with self._tx() as work:
            recipient = _recipient(work.uow, recipient_id)
            template = work.uow.notification_templates.get_by_name(template_name)
            if template is None or not template.is_active:
                raise ValidationError(RENDER_FAILED, field="template_name")
            merged = {**(context or {}), **user_context(recipient)}
            try:
                subject, body = self._render(template, merged)
            except ValidationError:
                raise ValidationError(RENDER_FAILED, field="template_name") from None
            stored = self._queue(
                work,
                recipient,
                kind=kind,
                subject=subject[: rules.MAX_SUBJECT_LENGTH],
                body=body,
                priority=level,
                context=merged,
                scheduled_at=when,
                now=now,
            )
            work.commit()
        return stored


def _recipient(uow: UnitOfWork, user_id: int) -> User:
    user = uow.users.get(user_id)
    if user is None or not user.is_active:
        raise UserNotFound(user_id, message=RECIPIENT_MISSING)
    return user


def _webhook_recipient(field: str, recipient_id: int | None, task_title: str | None) -> int:
    """The recipient of one of the notification webhooks, once both required values are
    given (truthy: ``0`` and an empty title are missing).

    Raises:
        ValidationError: ``Webhook processing failed``, naming the missing value.
    """
    if not recipient_id:
        raise ValidationError("Webhook processing failed", field=field)
    if not task_title:
        raise ValidationError("Webhook processing failed", field="task_title")
    return recipient_id
